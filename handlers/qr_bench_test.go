package handlers_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"linkdesk/views"
	"linkdesk/web/webtest"
)

// The request benchmarks go through the whole server over loopback HTTP, as
// a browser would: middleware, session, upstream call (the sandbox) and
// rendering. bench/run measures the same routes under concurrent load.

// BenchmarkLinksList renders GET /links with 25 rows read from the sandbox.
func BenchmarkLinksList(b *testing.B) {
	benchmarkLinksList(b, webtest.Options{})
}

// BenchmarkLinksListCached is the list as production serves it: repeated
// views within web.DefaultListCacheTTL share one upstream search.
func BenchmarkLinksListCached(b *testing.B) {
	benchmarkLinksList(b, webtest.Options{ListCacheTTL: time.Hour})
}

func benchmarkLinksList(b *testing.B, opts webtest.Options) {
	ta := webtest.New(b, opts)
	for i := range 25 {
		mustPrintLink(b, ta, "Ürün "+strconv.Itoa(i+1)+" — çay, simit ve börek", "19.99", []int{1, 2, 3, 6}, nil)
	}
	c := mustPrintViewer(b, ta)
	path := views.PathLinks + "?size=25"
	if resp := c.Get(b, path); resp.StatusCode == http.StatusNotFound {
		b.Skip("GET /links is not registered on this branch yet")
	}
	benchmarkGet(b, c, path)
}

// BenchmarkQRPNGRoute is a repeated request for a link's QR: a cache hit
// with no upstream call.
func BenchmarkQRPNGRoute(b *testing.B) {
	ta := webtest.New(b, webtest.Options{})
	link := mustPrintLink(b, ta, "Kahve", "80", []int{1}, nil)
	c := mustPrintViewer(b, ta)
	benchmarkGet(b, c, views.LinkQRPNGURL(link.ID, 256))
}

func benchmarkGet(b *testing.B, c *webtest.Client, path string) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		resp := c.Get(b, path)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: got %d, want 200", path, resp.StatusCode)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
