package qr

import (
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// BenchmarkEncodePNG is a cold encode (no cache) of a 60-character link URL
// at 256 px: the cost of the first request for a code. go-qrcode's own
// PNG() (BestCompression, no pooling) is measured beside it.
func BenchmarkEncodePNG(b *testing.B) {
	if len(benchURL) != 60 {
		b.Fatalf("benchURL is %d characters, want 60", len(benchURL))
	}
	b.Run("pooled", func(b *testing.B) {
		e := newEncoder()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.encodePNG(benchURL, 256); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goqrcode-PNG", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			code, err := qrcode.New(benchURL, qrcode.Medium)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := code.PNG(256); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCachedPNG is a repeated request: a cache hit.
func BenchmarkCachedPNG(b *testing.B) {
	c := New(16)
	if _, err := c.PNG(benchURL, 256); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.PNG(benchURL, 256); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVG is a cold SVG encode of the same URL.
func BenchmarkSVG(b *testing.B) {
	e := newEncoder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.encodeSVG(benchURL); err != nil {
			b.Fatal(err)
		}
	}
}
