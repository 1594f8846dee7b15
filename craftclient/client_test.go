package craftclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"linkdesk/craftclient"
)

// TestCallerClientDoesNotFollowRedirects checks that a client supplied with
// WithHTTPClient still stops at a 307, which would otherwise re-send the
// body and the keys to the Location.
func TestCallerClientDoesNotFollowRedirects(t *testing.T) {
	tests := []struct {
		name string
		call func(base string, opt craftclient.Option) error
	}{
		{"craftgate", func(base string, opt craftclient.Option) error {
			_, err := newTestCraftgate(base, opt).Products.Create(context.Background(), testProductRequest(t))
			return err
		}},
		{"paywall", func(base string, opt craftclient.Option) error {
			_, err := newTestPaywall(base, opt).APM.GenerateQR(context.Background(), testQRRequest(t))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			elsewhere := MustServe(t, http.StatusOK, "{}")
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			t.Cleanup(redirector.Close)
			caller := &http.Client{}

			err := tt.call(redirector.URL, craftclient.WithHTTPClient(caller))
			var apiErr *craftclient.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusTemporaryRedirect {
				t.Errorf("got %v, want APIError with HTTP 307", err)
			}
			if n := elsewhere.Count(); n != 0 {
				t.Errorf("redirect target got %d requests, want 0", n)
			}
			if caller.CheckRedirect != nil {
				t.Error("caller's http.Client was modified")
			}
		})
	}
}
