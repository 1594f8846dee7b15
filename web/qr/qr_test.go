package qr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"linkdesk/web/qr/qrtest"
)

const (
	shortURL = "https://sandbox-link.craftgate.io/p/AbC123xYz"
	// A 60-character link URL, the length the benchmarks use.
	benchURL = "https://link.craftgate.io/pay/9f8e7d6c5b4a39281706f5e4d3c2b1"
)

var longURL = "https://link.craftgate.io/pay/" + strings.Repeat("a1B2c3D4e5", 30) + "?utm_source=poster&utm_medium=qr"

const turkishURL = "https://örnek.com.tr/ödeme?ürün=Çiçek+Şekerli&şehir=İstanbul&ığ=1"

func TestPNGDecodesToContent(t *testing.T) {
	c := New(8)
	tests := []struct {
		name, content string
		size          int
	}{
		{"short URL default size", shortURL, 0},
		{"long URL", longURL, 1024},
		{"Turkish characters", turkishURL, 512},
		{"smallest size", shortURL, MinSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := c.PNG(tt.content, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if img.ContentType != ContentTypePNG {
				t.Errorf("content type: got %q, want %q", img.ContentType, ContentTypePNG)
			}
			got, err := qrtest.DecodePNG(img.Data)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.content {
				t.Errorf("decoded: got %q, want %q", got, tt.content)
			}
		})
	}
}

func TestPNGGeometry(t *testing.T) {
	c := New(8)
	tests := []struct {
		name    string
		content string
		size    int
	}{
		{"default", shortURL, 0},
		{"256", benchURL, 256},
		{"below minimum", shortURL, 10},
		{"above maximum", shortURL, 99999},
		{"long URL at minimum", longURL, MinSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bits, err := bitmap(tt.content)
			if err != nil {
				t.Fatal(err)
			}
			n := len(bits)
			img := mustDecodePNG(t, c, tt.content, tt.size)
			px := img.Bounds().Dx()
			if img.Bounds().Dy() != px {
				t.Fatalf("not square: %v", img.Bounds())
			}
			if px%n != 0 {
				t.Fatalf("size %d is not a multiple of %d modules", px, n)
			}
			// The largest multiple of n not above the clamped size, unless
			// that is below MinSize; then the smallest one above MinSize.
			want := ClampSize(tt.size)
			if px < MinSize || (px > want && px-n >= MinSize) || (px <= want && px+n <= want) {
				t.Errorf("size: got %d px, want the largest multiple of %d ≤ %d (and ≥ %d)", px, n, want, MinSize)
			}
			module := px / n
			// Every pixel of the four-module border is white, and the
			// module right inside it on the finder pattern's corner is dark.
			q := QuietZone * module
			for y := 0; y < px; y++ {
				for x := 0; x < px; x++ {
					inBorder := x < q || y < q || x >= px-q || y >= px-q
					if inBorder && dark(img.At(x, y)) {
						t.Fatalf("dark pixel in the quiet zone at (%d,%d)", x, y)
					}
				}
			}
			for _, p := range []image.Point{{q, q}, {px - q - 1, q}, {q, px - q - 1}} {
				if !dark(img.At(p.X, p.Y)) {
					t.Errorf("finder corner at %v is light: quiet zone wider than %d modules", p, QuietZone)
				}
			}
		})
	}
}

func TestQuietZoneIsGoQRCodeBorder(t *testing.T) {
	// go-qrcode's Bitmap is the symbol plus its border; the symbol of a
	// version v code is 17+4v modules wide.
	code, err := qrcode.New(shortURL, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	n := len(code.Bitmap())
	if got, want := n, 17+4*code.VersionNumber+2*QuietZone; got != want {
		t.Errorf("bitmap width: got %d, want %d (version %d)", got, want, code.VersionNumber)
	}
}

var runRE = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

func TestSVG(t *testing.T) {
	c := New(8)
	for _, content := range []string{shortURL, turkishURL, longURL} {
		img, err := c.SVG(content)
		if err != nil {
			t.Fatal(err)
		}
		if img.ContentType != ContentTypeSVG {
			t.Errorf("content type: got %q, want %q", img.ContentType, ContentTypeSVG)
		}
		bits, _ := bitmap(content)
		n := len(bits)
		root, paths, d := parseSVG(t, img.Data)
		if got, want := root["viewBox"], "0 0 "+strconv.Itoa(n)+" "+strconv.Itoa(n); got != want {
			t.Errorf("viewBox: got %q, want %q", got, want)
		}
		if got := root["shape-rendering"]; got != "crispEdges" {
			t.Errorf("shape-rendering: got %q, want crispEdges", got)
		}
		if paths != 1 {
			t.Errorf("paths: got %d, want 1", paths)
		}
		// Drawing the runs back gives exactly the code's modules, and the
		// raster decodes to the content.
		drawn := make([][]bool, n)
		for i := range drawn {
			drawn[i] = make([]bool, n)
		}
		rest := runRE.ReplaceAllStringFunc(d, func(run string) string {
			m := runRE.FindStringSubmatch(run)
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			w, _ := strconv.Atoi(m[3])
			for i := x; i < x+w; i++ {
				drawn[y][i] = true
			}
			return ""
		})
		if rest != "" {
			t.Fatalf("path has unexpected commands: %q", rest)
		}
		for y := range bits {
			for x := range bits[y] {
				if drawn[y][x] != bits[y][x] {
					t.Fatalf("module (%d,%d): got %v, want %v", x, y, drawn[y][x], bits[y][x])
				}
			}
		}
		got, err := qrtest.Decode(raster(drawn, 4))
		if err != nil {
			t.Fatal(err)
		}
		if got != content {
			t.Errorf("decoded: got %q, want %q", got, content)
		}
	}
}

func TestETag(t *testing.T) {
	c := New(16)
	a1, _ := c.PNG(shortURL, 256)
	a2, _ := New(16).PNG(shortURL, 256)
	tests := []struct {
		name  string
		other func() (Image, error)
		same  bool
	}{
		{"same content and size, another cache", func() (Image, error) { return a2, nil }, true},
		{"clamped sizes are the same size", func() (Image, error) { return c.PNG(shortURL, 256) }, true},
		{"other size", func() (Image, error) { return c.PNG(shortURL, 512) }, false},
		{"other content", func() (Image, error) { return c.PNG(shortURL+"x", 256) }, false},
		{"other kind", func() (Image, error) { return c.SVG(shortURL) }, false},
	}
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(a1.ETag) {
		t.Fatalf("ETag %s is not a strong quoted hex tag", a1.ETag)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.other()
			if err != nil {
				t.Fatal(err)
			}
			if got := b.ETag == a1.ETag; got != tt.same {
				t.Errorf("same ETag: got %v, want %v (%s vs %s)", got, tt.same, b.ETag, a1.ETag)
			}
			if tt.same && !bytes.Equal(a1.Data, b.Data) {
				t.Error("same ETag but different bytes")
			}
		})
	}
}

func TestCacheHitDoesNotEncode(t *testing.T) {
	c := New(4)
	first, err := c.PNG(shortURL, 300)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.PNG(shortURL, 300)
	if err != nil {
		t.Fatal(err)
	}
	if &first.Data[0] != &second.Data[0] {
		t.Error("hit returned a different copy of the bytes")
	}
	if got := c.encodes.Load(); got != 1 {
		t.Errorf("encodes: got %d, want 1", got)
	}
	if got := c.hits.Load(); got != 1 {
		t.Errorf("hits: got %d, want 1", got)
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := New(2)
	mustSVG(t, c, "a")
	mustSVG(t, c, "b")
	mustSVG(t, c, "a") // a is now the most recent
	mustSVG(t, c, "c") // evicts b
	mustSVG(t, c, "a")
	if got := c.encodes.Load(); got != 3 {
		t.Errorf("encodes before b again: got %d, want 3", got)
	}
	mustSVG(t, c, "b")
	if got := c.encodes.Load(); got != 4 {
		t.Errorf("encodes after b again: got %d, want 4", got)
	}
}

func TestConcurrentMissesEncodeOnce(t *testing.T) {
	const callers = 8
	c := New(4)
	started, release := make(chan struct{}), make(chan struct{})
	c.encode = func(k key) (Image, error) {
		close(started)
		<-release
		return Image{Data: []byte(k.content), ETag: `"t"`}, nil
	}
	var wg sync.WaitGroup
	results := make([]Image, callers)
	get := func(i int) {
		defer wg.Done()
		results[i], _ = c.SVG("same")
	}
	wg.Add(callers)
	go get(0)
	<-started // caller 0 is encoding
	for i := 1; i < callers; i++ {
		go get(i)
	}
	for c.misses.Load() < callers {
		runtime.Gosched() // wait for the others to miss and join the encode
	}
	close(release)
	wg.Wait()
	if got := c.encodes.Load(); got != 1 {
		t.Errorf("encodes: got %d, want 1", got)
	}
	for i, r := range results {
		if string(r.Data) != "same" {
			t.Errorf("caller %d: got %q, want %q", i, r.Data, "same")
		}
	}
}

func TestErrors(t *testing.T) {
	c := New(4)
	if _, err := c.PNG("", 0); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: got %v, want ErrEmpty", err)
	}
	tooLong := strings.Repeat("ğ", 3000)
	for range 2 {
		if _, err := c.SVG(tooLong); err == nil {
			t.Error("too long: got no error")
		}
	}
	if got := c.encodes.Load(); got != 3 {
		t.Errorf("errors are not cached: got %d encodes, want 3", got)
	}
}

func mustDecodePNG(t *testing.T, c *Cache, content string, size int) image.Image {
	t.Helper()
	img, err := c.PNG(content, size)
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustSVG(t *testing.T, c *Cache, content string) {
	t.Helper()
	if _, err := c.SVG(content); err != nil {
		t.Fatal(err)
	}
}

func dark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// parseSVG checks data is well-formed XML and returns the root's
// attributes, the number of <path> elements and the first path's d.
func parseSVG(t *testing.T, data []byte) (root map[string]string, paths int, d string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return root, paths, d
			}
			t.Fatalf("SVG is not XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, a := range se.Attr {
			attrs[a.Name.Local] = a.Value
		}
		switch se.Name.Local {
		case "svg":
			root = attrs
		case "path":
			paths++
			if paths == 1 {
				d = attrs["d"]
			}
		}
	}
}

func raster(bits [][]bool, scale int) image.Image {
	n := len(bits) * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if !bits[y/scale][x/scale] {
				img.Pix[y*img.Stride+x] = 0xff
			}
		}
	}
	return img
}
