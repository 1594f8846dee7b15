package craftclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestResponseSizeCap checks that a body up to the cap is read and a larger
// one is refused as a transport failure, not as a provider's answer.
func TestResponseSizeCap(t *testing.T) {
	envelope := `{"data":` + productJSON + `}`
	padded := func(n int) string { return envelope + strings.Repeat(" ", n-len(envelope)) }

	srv := MustServe(t, http.StatusOK, padded(craftclient.MaxResponseBytes))
	if _, err := newTestCraftgate(srv.URL).Products.Retrieve(context.Background(), 1); err != nil {
		t.Errorf("body of exactly the cap: got %v, want no error", err)
	}

	srv = MustServe(t, http.StatusOK, padded(craftclient.MaxResponseBytes+1))
	_, err := newTestCraftgate(srv.URL).Products.Retrieve(context.Background(), 1)
	var apiErr *craftclient.APIError
	switch {
	case err == nil:
		t.Fatal("body over the cap: got no error")
	case errors.As(err, &apiErr), errors.Is(err, craftclient.ErrMalformedResponse):
		t.Errorf("body over the cap: got %v, want a read error", err)
	case !strings.Contains(err.Error(), "exceeds"):
		t.Errorf("body over the cap: got %v, want it to say the body exceeds the cap", err)
	}
}
