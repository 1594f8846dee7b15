package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/web/webtest"
)

// TestAuditReadable drives real changes through the dashboard (a link
// created, repriced and deactivated; a QR payment paid through the
// sandbox wallet, whose callback settles it) and reads the audit log as
// an owner: actions in words, records by name, changes as "field: before
// → after" with money in the page's language, Paywall as the actor of its
// callback, and the raw JSON one click away (#14).
func TestAuditReadable(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "ayse@shop.example", app.RoleOwner)
	c := acctAs(t, ta, owner)
	form := url.Values{"name": {"Filtre kahve"}, "price": {"85"}, "currency": {"TRY"}, "enabledInstallments": {"1"}}
	id := mustPostLink(t, c, form)
	form.Set("price", "1.234,50")
	form.Set("status", "ACTIVE")
	if r := c.PostForm(t, "/links/"+id, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit link: got %d, want 303", r.StatusCode)
	}
	if r := c.PostForm(t, "/links/"+id+"/status", url.Values{"status": {"PASSIVE"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: got %d, want 303", r.StatusCode)
	}
	code := mustStartPayment(t, ta, c, "75", "Masa 4")
	mustWallet(t, ta, c, code, "pay")

	rows := func(lang string) map[string]*goquery.Selection {
		doc := acctDoc(t, c.Get(t, "/audit", "Accept-Language", lang))
		out := map[string]*goquery.Selection{}
		doc.Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
			out[s.AttrOr("data-action", "")] = s
		})
		return out
	}
	text := func(s *goquery.Selection, id string) string {
		return strings.Join(strings.Fields(s.Find(`[data-testid="`+id+`"]`).Text()), " ")
	}

	tr := rows("tr")
	update := tr["link.update"]
	if update == nil {
		t.Fatalf("no link.update row; rows: %v", tr)
	}
	if got := text(update, "audit-action"); got != "Ödeme linki düzenlendi" {
		t.Errorf("action %q, want the Turkish words", got)
	}
	if got := text(update, "audit-target"); !strings.Contains(got, "Filtre kahve") || strings.Contains(got, "link "+id) {
		t.Errorf("record %q, want the link's name", got)
	}
	if href := update.Find(`[data-testid="audit-target"] a`).AttrOr("href", ""); href != "/links/"+id {
		t.Errorf("record link %q, want /links/%s", href, id)
	}
	if got := text(update, "audit-change"); got != "Tutar: 85,00 ₺ → 1.234,50 ₺" {
		t.Errorf("change %q, want the price before and after in Turkish money", got)
	}
	if got := text(update, "audit-actor"); !strings.Contains(got, "ayse") {
		t.Errorf("actor %q, want the owner", got)
	}
	raw := update.Find(`details[data-testid="audit-raw"]`)
	if raw.Length() != 1 || raw.AttrOr("open", "none") != "none" || !strings.Contains(raw.Find("pre").Text(), `"price": "1234.5"`) {
		t.Errorf("raw JSON: want one closed <details> with the stored state, got %q", raw.Text())
	}

	en := rows("en")
	if got := text(en["link.status"], "audit-change"); got != "Status: Active → Passive" {
		t.Errorf("status change %q", got)
	}
	settle := en["payment.settle"]
	if settle == nil {
		t.Fatal("no payment.settle row")
	}
	if got := text(settle, "audit-actor"); !strings.HasPrefix(got, "Paywall") || strings.Contains(got, "not signed in") {
		t.Errorf("settlement actor %q, want Paywall", got)
	}
	if got := text(settle, "audit-target"); !strings.Contains(got, "Masa 4 · ₺75.00") {
		t.Errorf("payment named %q, want its description and amount", got)
	}
	if got := text(settle, "audit-change"); !strings.Contains(got, "Status: Waiting for payment → Paid") {
		t.Errorf("settlement change %q", got)
	}
	for action, row := range en {
		if got := text(row, "audit-action"); got == action || strings.Contains(got, ".") {
			t.Errorf("%s is shown as %q, not in words", action, got)
		}
	}
}
