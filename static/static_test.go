package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{"gzip, deflate, br"}, true},
		{[]string{"br", "GZIP;q=0.5"}, true},
		{[]string{"identity"}, false},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0.000"}, false},
		{[]string{"*"}, true},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=nonsense"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func get(t *testing.T, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func read(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestServesGzipToBrowsersThatAcceptIt: the same bytes either way, each
// representation with its own validator, and caches told it varies.
func TestServesGzipToBrowsersThatAcceptIt(t *testing.T) {
	const name = "pico-2.1.1.min.css"
	want, err := files.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	plain := get(t, Path(name))
	if got := read(t, plain); !bytes.Equal(got, want) || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("without Accept-Encoding: %d bytes, encoding %q; want the file as is", len(got), plain.Header.Get("Content-Encoding"))
	}
	zipped := get(t, Path(name), "Accept-Encoding", "gzip, deflate, br")
	if zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", zipped.Header.Get("Content-Encoding"))
	}
	body := read(t, zipped)
	if len(body) >= len(want)/3 {
		t.Errorf("gzipped %d bytes of %d: expected far smaller", len(body), len(want))
	}
	if cl := zipped.Header.Get("Content-Length"); cl == "" {
		t.Error("no Content-Length")
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gunzipped body differs from the file (%v)", err)
	}
	for _, resp := range []*http.Response{plain, zipped} {
		if resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Vary %q, want Accept-Encoding", resp.Header.Get("Vary"))
		}
	}
	plainTag, zippedTag := plain.Header.Get("ETag"), zipped.Header.Get("ETag")
	if plainTag == "" || plainTag == zippedTag {
		t.Errorf("ETags %q and %q: each representation needs its own", plainTag, zippedTag)
	}
	if resp := get(t, Path(name), "Accept-Encoding", "gzip", "If-None-Match", zippedTag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip tag: status %d, want 304", resp.StatusCode)
	}
	if resp := get(t, Path(name), "If-None-Match", zippedTag); resp.StatusCode != http.StatusOK {
		t.Errorf("the gzip tag must not validate the plain file: status %d", resp.StatusCode)
	}
}

func TestUnknownAndOldPaths(t *testing.T) {
	if resp := get(t, Prefix+"abc/nope.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown file: status %d, want 404", resp.StatusCode)
	}
	old := get(t, Prefix+"000000000000/app.css")
	if old.StatusCode != http.StatusOK || old.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("old hash: status %d, Cache-Control %q; want the file, uncached", old.StatusCode, old.Header.Get("Cache-Control"))
	}
	if cur := get(t, Path("app.css")); cur.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("current hash: Cache-Control %q", cur.Header.Get("Cache-Control"))
	}
}
