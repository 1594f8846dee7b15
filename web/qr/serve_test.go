package qr

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServe(t *testing.T) {
	img := Image{Data: []byte("png-bytes"), ETag: `"abc123"`, ContentType: ContentTypePNG}
	tests := []struct {
		name        string
		method      string
		ifNoneMatch []string
		wantStatus  int
		wantBody    string
	}{
		{"first request", http.MethodGet, nil, http.StatusOK, "png-bytes"},
		{"matching tag", http.MethodGet, []string{`"abc123"`}, http.StatusNotModified, ""},
		{"tag in a list", http.MethodGet, []string{`"old", "abc123"`}, http.StatusNotModified, ""},
		{"tag in a repeated header", http.MethodGet, []string{`"old"`, `"abc123"`}, http.StatusNotModified, ""},
		{"weak form matches", http.MethodGet, []string{`W/"abc123"`}, http.StatusNotModified, ""},
		{"star", http.MethodGet, []string{`*`}, http.StatusNotModified, ""},
		{"other tag", http.MethodGet, []string{`"abc124"`}, http.StatusOK, "png-bytes"},
		{"unquoted tag does not match", http.MethodGet, []string{`abc123`}, http.StatusOK, "png-bytes"},
		{"HEAD has no body", http.MethodHead, nil, http.StatusOK, ""},
	}
	// Links' codes are public; a payment's passes its own policy.
	for _, policy := range []string{CacheControl, "private, no-cache"} {
		for _, tt := range tests {
			t.Run(policy+"/"+tt.name, func(t *testing.T) {
				req := httptest.NewRequest(tt.method, "/links/1/qr.png", nil)
				for _, v := range tt.ifNoneMatch {
					req.Header.Add("If-None-Match", v)
				}
				rec := httptest.NewRecorder()
				Serve(rec, req, img, policy)
				if rec.Code != tt.wantStatus {
					t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
				}
				if got := rec.Body.String(); got != tt.wantBody {
					t.Errorf("body: got %q, want %q", got, tt.wantBody)
				}
				h := rec.Header()
				if got := h.Get("ETag"); got != img.ETag {
					t.Errorf("ETag: got %q, want %q", got, img.ETag)
				}
				if got := h.Get("Cache-Control"); got != policy {
					t.Errorf("Cache-Control: got %q, want %q", got, policy)
				}
				if tt.wantStatus == http.StatusOK {
					if got := h.Get("Content-Type"); got != ContentTypePNG {
						t.Errorf("Content-Type: got %q, want %q", got, ContentTypePNG)
					}
					if got := h.Get("Content-Length"); got != "9" {
						t.Errorf("Content-Length: got %q, want 9", got)
					}
				}
			})
		}
	}
}
