package handlers_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// TestLinkDetailExtras covers the detail page's second round (#14): the
// description's **bold** and line breaks rendered and escaped, on the
// page and the print sheet; the integration ids only when set, under
// "more"; the QR as a PNG or SVG file; "Duplicate".
func TestLinkDetailExtras(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	plain := mustCreateLink(t, env.ta, linkRequest("Çay", "20"))
	rich := mustCreateLink(t, env.ta, linkRequest("Pasta", "250", func(r *craftclient.ProductRequest) {
		r.Description = "**Çikolatalı** pasta\nKutusu dahil <script>alert(1)</script>"
		r.ExternalID, r.OrderID = "EXT-9", "SIP-1"
		stock := 1
		r.Stock = &stock
		r.EnabledInstallments = []int{1, 3}
	}))

	t.Run("description", func(t *testing.T) {
		doc, html := page(t, env.viewer.Get(t, linkPath(rich.ID, "")), http.StatusOK)
		desc := doc.Find(testid("detail-description"))
		if got := desc.Find("strong").Text(); got != "Çikolatalı" {
			t.Errorf("bold: got %q", got)
		}
		if desc.Find("br").Length() != 1 || desc.Find("script").Length() != 0 {
			t.Errorf("description markup: %s", excerpt(html))
		}
		if !strings.Contains(desc.Text(), "<script>alert(1)</script>") {
			t.Errorf("the typed HTML should show as text, got %q", desc.Text())
		}
		doc, _ = page(t, env.viewer.Get(t, linkPath(rich.ID, "/print?layout=poster")), http.StatusOK)
		if got := doc.Find(testid("print-description") + " strong").Text(); got != "Çikolatalı" {
			t.Errorf("print sheet bold: got %q", got)
		}
	})

	t.Run("facts only when set", func(t *testing.T) {
		doc, _ := page(t, env.viewer.Get(t, linkPath(plain.ID, "")), http.StatusOK)
		for _, id := range []string{"fact-order-id", "fact-conversation-id", "fact-external-id", "fact-basket-identifier", "fact-multi-payment"} {
			if doc.Find(testid(id)).Length() != 0 {
				t.Errorf("%s shown for a link without it", id)
			}
		}
		more := doc.Find(testid("detail-more"))
		if more.Length() != 1 || more.AttrOr("open", "closed") != "closed" || more.Find(testid("fact-token")).Length() != 1 {
			t.Errorf("the token should be under a closed \"more\"")
		}
		doc, _ = page(t, env.viewer.Get(t, linkPath(rich.ID, "")), http.StatusOK)
		if got := strings.TrimSpace(doc.Find(testid("fact-order-id")).Text()); got != "SIP-1" {
			t.Errorf("order id: got %q", got)
		}
		if got := strings.TrimSpace(doc.Find(testid("detail-more") + " " + testid("fact-external-id")).Text()); got != "EXT-9" {
			t.Errorf("external id under more: got %q", got)
		}
	})

	t.Run("downloads", func(t *testing.T) {
		doc, _ := page(t, env.viewer.Get(t, linkPath(plain.ID, "")), http.StatusOK)
		for _, tt := range []struct{ id, file, mime string }{
			{"qr-png", "png", "image/png"},
			{"qr-svg", "svg", "image/svg+xml"},
		} {
			href := doc.Find(testid(tt.id)).AttrOr("href", "")
			resp := env.viewer.Get(t, href)
			b, _ := io.ReadAll(resp.Body)
			want := `attachment; filename="link-` + strings.TrimPrefix(linkPath(plain.ID, ""), "/links/") + `-qr.` + tt.file + `"`
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != want ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), tt.mime) || len(b) == 0 {
				t.Errorf("%s %s: %d %q %q", tt.id, href, resp.StatusCode, resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Type"))
			}
		}
		if cd := env.viewer.Get(t, linkPath(plain.ID, "/qr.png")).Header.Get("Content-Disposition"); cd != "" {
			t.Errorf("the shown image is a download: %q", cd)
		}
	})

	t.Run("duplicate", func(t *testing.T) {
		doc, _ := page(t, env.staff.Get(t, linkPath(rich.ID, "")), http.StatusOK)
		href := doc.Find(testid("duplicate-link")).AttrOr("href", "")
		doc, _ = page(t, env.staff.Get(t, href, "Accept-Language", "en"), http.StatusOK)
		form := doc.Find("form#link-form")
		if got := form.AttrOr("action", ""); got != "/links" {
			t.Errorf("the copy's form posts to %q, want a create", got)
		}
		val := func(name string) string { return form.Find(`[name="`+name+`"]`).AttrOr("value", "") }
		if got := val("name"); got != "Pasta (copy)" {
			t.Errorf("name %q", got)
		}
		if got := val("price"); got != "250" && got != "250.00" {
			t.Errorf("price %q", got)
		}
		if got := val("orderId"); got != "" {
			t.Errorf("the order number was copied: %q", got)
		}
		if got := val("externalId"); got != "EXT-9" {
			t.Errorf("external id %q", got)
		}
		if got := form.Find(`textarea[name="description"]`).Text(); !strings.HasPrefix(got, "**Çikolatalı** pasta") {
			t.Errorf("description %q", got)
		}
		if form.Find(`[name="enabledInstallments"][value="3"][checked]`).Length() != 1 {
			t.Error("installments not copied")
		}
		if r := env.staff.Get(t, "/links/new?from=99999"); r.StatusCode != http.StatusNotFound {
			t.Errorf("copy of a missing link: %d, want 404", r.StatusCode)
		}
		if r := env.viewer.Get(t, href); r.StatusCode != http.StatusForbidden {
			t.Errorf("a viewer duplicating: %d, want 403", r.StatusCode)
		}
	})
}
