package web_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/views"
	"linkdesk/web/webtest"
)

// pdfPage matches a page object and its media box in Chromium's PDF.
var pdfPage = regexp.MustCompile(`(?s)/Type /Page\n.*?/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]`)

// TestPrintSheetsInBrowser opens every print layout in Chromium, waits for
// the QR images to load (the CSP and the SVG route both allow them), and
// prints to PDF with the page's own @page size: each sheet is exactly one
// A4 page in its orientation, and a label sheet takes a page per 21 labels.
func TestPrintSheetsInBrowser(t *testing.T) {
	ctx := webtest.Browser(t)
	ta := webtest.New(t, webtest.Options{})
	stock := 1
	link, err := ta.Craftgate.Products.Create(context.Background(), craftclient.ProductRequest{
		Name:                "Doğum günü pastası (3 kat, çikolatalı)",
		Price:               craftclient.NewAmount(decimal.RequireFromString("1234.56")),
		Currency:            craftclient.CurrencyTRY,
		EnabledInstallments: []int{1, 3, 6, 12},
		Stock:               &stock,
		OrderID:             "siparis-2026-0001",
	})
	if err != nil {
		t.Fatal(err)
	}
	u := ta.CreateUser(t, "viewer@example.com", app.RoleViewer, "a long enough password")
	ck := ta.SessionCookie(t, u)
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: ta.URL}); err != nil {
		t.Fatal(err)
	}

	labels := make([]int64, views.LabelsPerSheet+1)
	for i := range labels {
		labels[i] = link.ID
	}
	const a4Short, a4Long = 595.3, 841.9 // points; Chromium rounds to 594.96 × 841.92
	tests := []struct {
		name      string
		path      string
		pages     int
		landscape bool
	}{
		{"poster", string(views.LinkPrintURL(link.ID, views.PrintPoster)), 1, false},
		{"card", string(views.LinkPrintURL(link.ID, views.PrintCard)), 1, false},
		{"tent", string(views.LinkPrintURL(link.ID, views.PrintTent)), 1, true},
		{"labels", string(views.LabelsURL(labels)), 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.Navigate(ta.URL+tt.path)); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
				`[...document.querySelectorAll("img.qr")].every(i => i.complete && i.naturalWidth > 0)`)); err != nil {
				t.Fatalf("QR images did not load: %v", err)
			}
			webtest.Screenshot(t, ctx, "print-"+tt.name)
			pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
			if err != nil {
				t.Fatal(err)
			}
			pages := pdfPage.FindAllSubmatch(pdf, -1)
			if len(pages) != tt.pages {
				t.Fatalf("pages: got %d, want %d", len(pages), tt.pages)
			}
			for _, p := range pages {
				w, _ := strconv.ParseFloat(string(p[1]), 64)
				h, _ := strconv.ParseFloat(string(p[2]), 64)
				if got := w > h; got != tt.landscape {
					t.Errorf("landscape: got %v (%.1f × %.1f pt), want %v", got, w, h, tt.landscape)
				}
				if min(w, h) < a4Short-2 || min(w, h) > a4Short+2 || max(w, h) < a4Long-2 || max(w, h) > a4Long+2 {
					t.Errorf("page: got %.1f × %.1f pt, want A4", w, h)
				}
			}
		})
	}
}
