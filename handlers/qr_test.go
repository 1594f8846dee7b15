package handlers_test

import (
	"context"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/views"
	"linkdesk/web/qr"
	"linkdesk/web/qr/qrtest"
	"linkdesk/web/webtest"
)

// mustPrintLink creates a link to print in the app's Craftgate (the sandbox).
func mustPrintLink(tb testing.TB, ta *webtest.App, name, price string, installments []int, expires *time.Time) *craftclient.Product {
	tb.Helper()
	req := craftclient.ProductRequest{
		Name:                name,
		Price:               craftclient.NewAmount(decimal.RequireFromString(price)),
		Currency:            craftclient.CurrencyTRY,
		EnabledInstallments: installments,
	}
	if expires != nil {
		req.ExpiresAt = &craftclient.DateTime{Time: *expires}
	}
	p, err := ta.Craftgate.Products.Create(context.Background(), req)
	if err != nil {
		tb.Fatalf("create link: %v", err)
	}
	return p
}

func mustPrintViewer(tb testing.TB, ta *webtest.App) *webtest.Client {
	tb.Helper()
	return ta.As(tb, ta.CreateUser(tb, "viewer@example.com", app.RoleViewer, "a long enough password"))
}

func mustReadAll(tb testing.TB, resp *http.Response) []byte {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustHTML(tb testing.TB, resp *http.Response) *goquery.Document {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func TestQRImages(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	link := mustPrintLink(t, ta, "Çiçek buketi", "249.90", []int{1}, nil)
	c := mustPrintViewer(t, ta)

	t.Run("PNG decodes to the link URL", func(t *testing.T) {
		resp := c.Get(t, views.LinkQRPNGURL(link.ID, 300))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status: got %d, want 200", resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != qr.ContentTypePNG {
			t.Errorf("Content-Type: got %q, want %q", got, qr.ContentTypePNG)
		}
		got, err := qrtest.DecodePNG(mustReadAll(t, resp))
		if err != nil {
			t.Fatal(err)
		}
		if got != link.URL {
			t.Errorf("decoded: got %q, want %q", got, link.URL)
		}
	})

	for _, path := range []string{views.LinkQRPNGURL(link.ID, 0), views.LinkQRSVGURL(link.ID)} {
		t.Run("validators "+path, func(t *testing.T) {
			resp := c.Get(t, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != qr.CacheControl {
				t.Errorf("Cache-Control: got %q, want %q", got, qr.CacheControl)
			}
			// A response caches may keep must not set cookies (the CSRF
			// middleware used to refresh its token on every request).
			if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("Set-Cookie on a cacheable image: %q", got)
			}
			tag := resp.Header.Get("ETag")
			if !strings.HasPrefix(tag, `"`) {
				t.Fatalf("ETag: got %q, want a strong tag", tag)
			}
			again := c.Get(t, path, "If-None-Match", tag)
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: got %d, want 304", again.StatusCode)
			}
			if b := mustReadAll(t, again); len(b) != 0 {
				t.Errorf("304 body: got %d bytes, want none", len(b))
			}
		})
	}

	t.Run("SVG", func(t *testing.T) {
		resp := c.Get(t, views.LinkQRSVGURL(link.ID))
		if got := resp.Header.Get("Content-Type"); got != qr.ContentTypeSVG {
			t.Errorf("Content-Type: got %q, want %q", got, qr.ContentTypeSVG)
		}
		body := string(mustReadAll(t, resp))
		if !strings.HasPrefix(body, "<svg") || !strings.Contains(body, `viewBox="0 0 `) || strings.Count(body, "<path") != 1 {
			t.Errorf("body is not a one-path SVG: %.120s", body)
		}
	})

	tests := []struct {
		name, path string
		want       int
	}{
		{"id not a number", "/links/abc/qr.png", http.StatusNotFound},
		{"id zero", "/links/0/qr.svg", http.StatusNotFound},
		{"negative id", "/links/-4/qr.png", http.StatusNotFound},
		{"unknown link", "/links/987654/qr.png", http.StatusNotFound},
		{"unknown link SVG", "/links/987654/qr.svg", http.StatusNotFound},
		{"size not a number", views.LinkQRPNGURL(link.ID, 0) + "?size=big", http.StatusBadRequest},
		{"size too large is clamped", views.LinkQRPNGURL(link.ID, 90000), http.StatusOK},
		{"size too small is clamped", views.LinkQRPNGURL(link.ID, 0) + "?size=-5", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.Get(t, tt.path)
			if resp.StatusCode != tt.want {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != http.StatusOK {
				return
			}
			cfg, err := png.DecodeConfig(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if w := cfg.Width; w < qr.MinSize || w > qr.MaxSize {
				t.Errorf("width: got %d, want %d..%d", w, qr.MinSize, qr.MaxSize)
			}
		})
	}
}

func TestQRSignedOut(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	link := mustPrintLink(t, ta, "Kahve", "80", []int{1}, nil)
	for _, path := range []string{views.LinkQRPNGURL(link.ID, 0), string(views.LinkPrintURL(link.ID, "poster")), string(views.LabelsURL([]int64{link.ID}))} {
		resp := ta.Anonymous(t).Get(t, path)
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
			t.Errorf("%s signed out: got %d, want a redirect to login", path, resp.StatusCode)
		}
	}
}

func TestPrintPage(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	expires := time.Date(2031, 3, 5, 18, 0, 0, 0, time.UTC)
	link := mustPrintLink(t, ta, "Doğum günü pastası", "1234.56", []int{1, 3, 6, 12}, &expires)
	c := mustPrintViewer(t, ta)

	css := c.Get(t, views.Asset("print.css"))
	if body := string(mustReadAll(t, css)); !strings.Contains(body, "@page") || !strings.Contains(body, "print-color-adjust: exact") {
		t.Fatal("print.css lacks @page or print-color-adjust")
	}

	tests := []struct {
		layout, lang                         string
		wantAmount, wantInstall, wantExpires string
		wantLayout                           string
	}{
		{"poster", "tr", "1.234,56 ₺", "12 taksit", "5 Mar 2031", "poster"},
		{"card", "tr", "1.234,56 ₺", "12 taksit", "5 Mar 2031", "card"},
		{"tent", "tr", "1.234,56 ₺", "12 taksit", "5 Mar 2031", "tent"},
		{"poster", "en", "₺1,234.56", "up to 12 instalments", "5 Mar 2031", "poster"},
		{"tent", "en", "₺1,234.56", "up to 12 instalments", "5 Mar 2031", "tent"},
		{"", "tr", "1.234,56 ₺", "12 taksit", "5 Mar 2031", "poster"},
	}
	for _, tt := range tests {
		t.Run(tt.layout+"/"+tt.lang, func(t *testing.T) {
			path := string(views.LinkPrintURL(link.ID, tt.layout))
			if tt.layout == "" {
				path = "/links/" + strconv.FormatInt(link.ID, 10) + "/print"
			}
			resp := c.Get(t, path, "Accept-Language", tt.lang)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want 200", resp.StatusCode)
			}
			doc := mustHTML(t, resp)
			if n := doc.Find("nav").Length(); n != 0 {
				t.Errorf("app navigation: got %d <nav>, want none", n)
			}
			if got := doc.Find(`link[rel="stylesheet"]`).AttrOr("href", ""); got != views.Asset("print.css") {
				t.Errorf("stylesheet: got %q, want only print.css", got)
			}
			sheet := doc.Find(`[data-testid="print-sheet"]`)
			if got := sheet.AttrOr("data-layout", ""); got != tt.wantLayout {
				t.Errorf("layout: got %q, want %q", got, tt.wantLayout)
			}
			text := func(id string) string {
				return strings.TrimSpace(sheet.Find(`[data-testid="` + id + `"]`).First().Text())
			}
			want := map[string]string{
				"print-merchant":     webtest.Merchant,
				"print-name":         link.Name,
				"print-amount":       tt.wantAmount,
				"print-cta-tr":       "Ödemek için okutun",
				"print-cta-en":       "Scan to pay",
				"print-url":          link.URL,
				"print-installments": tt.wantInstall,
			}
			for id, w := range want {
				if got := text(id); got != w {
					t.Errorf("%s: got %q, want %q", id, got, w)
				}
			}
			if got := text("print-id"); !strings.HasSuffix(got, ": "+strconv.FormatInt(link.ID, 10)) {
				t.Errorf("print-id: got %q, want it to end in the id", got)
			}
			if got := text("print-expiry"); !strings.Contains(got, tt.wantExpires) {
				t.Errorf("print-expiry: got %q, want it to contain %q", got, tt.wantExpires)
			}
			img := sheet.Find(`img[data-testid="print-qr"]`).First()
			if got := img.AttrOr("src", ""); got != views.LinkQRSVGURL(link.ID) {
				t.Errorf("QR src: got %q, want %q", got, views.LinkQRSVGURL(link.ID))
			}
			if img.AttrOr("alt", "") == "" {
				t.Error("QR has no alt text")
			}
			if doc.Find(`[data-print][data-testid="print-button"]`).Length() != 1 {
				t.Error("no Print button with data-print")
			}
		})
	}

	t.Run("card sheet has four cards", func(t *testing.T) {
		doc := mustHTML(t, c.Get(t, string(views.LinkPrintURL(link.ID, "card"))))
		if got := doc.Find(".card").Length(); got != 4 {
			t.Errorf("cards: got %d, want 4", got)
		}
	})

	t.Run("single payment shows no installments", func(t *testing.T) {
		single := mustPrintLink(t, ta, "Tek çekim", "10", []int{1}, nil)
		doc := mustHTML(t, c.Get(t, string(views.LinkPrintURL(single.ID, "poster"))))
		for _, id := range []string{"print-installments", "print-expiry"} {
			if doc.Find(`[data-testid="`+id+`"]`).Length() != 0 {
				t.Errorf("%s shown for a link without it", id)
			}
		}
	})

	errTests := []struct {
		name, path string
		want       int
	}{
		{"unknown layout", "/links/" + strconv.FormatInt(link.ID, 10) + "/print?layout=banner", http.StatusBadRequest},
		{"unknown link", string(views.LinkPrintURL(987654, "poster")), http.StatusNotFound},
		{"bad id", "/links/x/print", http.StatusNotFound},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Get(t, tt.path).StatusCode; got != tt.want {
				t.Errorf("status: got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	a := mustPrintLink(t, ta, "Simit", "15", []int{1}, nil)
	b := mustPrintLink(t, ta, "Çay", "20.50", []int{1, 2}, nil)
	c := mustPrintViewer(t, ta)

	t.Run("two links and two failures", func(t *testing.T) {
		resp := c.Get(t, string(views.LabelsURL([]int64{a.ID, 987654, b.ID}))+"&id=abc")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status: got %d, want 200", resp.StatusCode)
		}
		doc := mustHTML(t, resp)
		labels := doc.Find(`[data-testid="label"]`)
		if got := labels.Length(); got != 2 {
			t.Fatalf("labels: got %d, want 2", got)
		}
		for i, want := range []*craftclient.Product{a, b} {
			l := labels.Eq(i)
			if got := l.Find(`[data-testid="print-name"]`).Text(); got != want.Name {
				t.Errorf("label %d name: got %q, want %q", i, got, want.Name)
			}
			if got := l.Find(`[data-testid="print-url"]`).Text(); got != want.URL {
				t.Errorf("label %d URL: got %q, want %q", i, got, want.URL)
			}
			if got := l.Find("img").AttrOr("src", ""); got != views.LinkQRSVGURL(want.ID) {
				t.Errorf("label %d QR: got %q, want %q", i, got, views.LinkQRSVGURL(want.ID))
			}
		}
		var failed []string
		doc.Find(`[data-testid="label-error"]`).Each(func(_ int, s *goquery.Selection) {
			failed = append(failed, s.AttrOr("data-id", ""))
		})
		if got, want := strings.Join(failed, ","), "987654,abc"; got != want {
			t.Errorf("failed ids: got %s, want %s", got, want)
		}
		if doc.Find("nav").Length() != 0 {
			t.Error("label sheet has app navigation")
		}
	})

	t.Run("more than a sheet", func(t *testing.T) {
		ids := make([]int64, views.LabelsPerSheet+1)
		for i := range ids {
			ids[i] = a.ID
		}
		doc := mustHTML(t, c.Get(t, string(views.LabelsURL(ids))))
		if got := doc.Find(`[data-testid="print-sheet"]`).Length(); got != 2 {
			t.Errorf("sheets: got %d, want 2", got)
		}
		if got := doc.Find(`[data-testid="label"]`).Length(); got != len(ids) {
			t.Errorf("labels: got %d, want %d", got, len(ids))
		}
	})

	tooMany := make([]int64, views.MaxSelectedLinks+1)
	for i := range tooMany {
		tooMany[i] = a.ID
	}
	t.Run("too many", func(t *testing.T) {
		if got := c.Get(t, string(views.LabelsURL(tooMany))).StatusCode; got != http.StatusBadRequest {
			t.Errorf("status: got %d, want 400", got)
		}
	})
	// Nothing ticked is a message on the list, not an error page.
	t.Run("no ids", func(t *testing.T) {
		resp := c.Get(t, views.PathLinksLabels)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != views.PathLinks {
			t.Errorf("got %d to %q, want 303 to the list", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestQRUpstreamDown(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	ta := webtest.New(t, webtest.Options{CraftgateURL: down.URL})
	c := mustPrintViewer(t, ta)

	if got := c.Get(t, views.LinkQRPNGURL(7, 0)).StatusCode; got != http.StatusBadGateway {
		t.Errorf("QR: got %d, want 502", got)
	}
	resp := c.Get(t, string(views.LabelsURL([]int64{7, 8})))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("labels: got %d, want 200 with the failures listed", resp.StatusCode)
	}
	doc := mustHTML(t, resp)
	if got := doc.Find(`[data-testid="label-error"]`).Length(); got != 2 {
		t.Errorf("failures listed: got %d, want 2", got)
	}
	if got := doc.Find(`[data-testid="label"]`).Length(); got != 0 {
		t.Errorf("labels: got %d, want 0", got)
	}
}

// TestQRThumbnailsNeedNoReads: the list has just read every link whose
// thumbnail it shows, so the thumbnails ask Craftgate nothing. Shown by
// deleting links behind Linkdesk's back: a listed link's code is still
// served from what the list read, an unlisted one's is looked up and
// found gone.
func TestQRThumbnailsNeedNoReads(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	listed := mustPrintLink(t, ta, "Simit", "15", []int{1}, nil)
	c := mustPrintViewer(t, ta)
	if resp := c.Get(t, views.PathLinks); resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	unlisted := mustPrintLink(t, ta, "Çay", "10", []int{1}, nil)
	for _, l := range []*craftclient.Product{listed, unlisted} {
		if err := ta.Craftgate.Products.Delete(context.Background(), l.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Get(t, views.LinkQRPNGURL(listed.ID, 96)).StatusCode; got != http.StatusOK {
		t.Errorf("listed link's thumbnail: %d, want 200 without a read", got)
	}
	if got := c.Get(t, views.LinkQRPNGURL(unlisted.ID, 96)).StatusCode; got != http.StatusNotFound {
		t.Errorf("unlisted link's thumbnail: %d, want 404 from its read", got)
	}
}
