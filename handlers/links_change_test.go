package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

func TestLinksToggleStatus(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	link := mustCreateLink(t, env.ta, linkRequest("Kahve", "10", func(r *craftclient.ProductRequest) {
		r.ConversationID, r.ExternalID, r.BasketIdentifier, r.MultiPayment = "CONV", "EXT", "BASKET", true
	}))
	path := linkPath(link.ID, "/status")

	// A plain form goes back to a same-site next, never elsewhere.
	loc := wantRedirect(t, env.staff.PostForm(t, path, url.Values{"status": {"PASSIVE"}, "next": {"/links?name=Kah"}}))
	if loc != "/links?name=Kah" {
		t.Errorf("Location: got %q, want /links?name=Kah", loc)
	}
	got := mustRetrieve(t, env.ta, link.ID)
	if got.Status != craftclient.LinkStatusPassive {
		t.Fatalf("status: got %s, want PASSIVE", got.Status)
	}
	if got.ConversationID != "CONV" || got.ExternalID != "EXT" || got.BasketIdentifier != "BASKET" || !got.MultiPayment || got.Channel != "shop" {
		t.Errorf("toggle reset fields: %+v", got)
	}
	// Posting the status it already has changes nothing (a double click).
	loc = wantRedirect(t, env.staff.PostForm(t, path, url.Values{"status": {"PASSIVE"}, "next": {"//evil.example/"}}))
	if loc != linkPath(link.ID, "") {
		t.Errorf("foreign next: got Location %q, want the link page", loc)
	}
	if n := len(auditEvents(t, env.ta, "link.status")); n != 1 {
		t.Errorf("got %d link.status rows, want 1", n)
	}

	// htmx from a row: the updated row alone.
	resp := env.staff.PostForm(t, path, url.Values{"status": {"ACTIVE"}, "next": {"/links?page=2"}}, "HX-Request", "true", "HX-Target", fmt.Sprintf("link-row-%d", link.ID))
	_, html := page(t, resp, http.StatusOK)
	wantFragment(t, resp, html)
	// A lone <tr> only parses inside a table, as htmx parses it too.
	doc := parse(t, "<table><tbody>"+html+"</tbody></table>")
	row := doc.Find("tr#link-row-" + fmt.Sprint(link.ID))
	if got, _ := row.Find(testid("link-status")).Attr("data-status"); got != "ACTIVE" {
		t.Errorf("row badge: got %q, want ACTIVE", got)
	}
	if got, _ := row.Find(`input[name="next"]`).Attr("value"); got != "/links?page=2" {
		t.Errorf("row keeps next: got %q", got)
	}
	if got, _ := row.Find(`input[name="status"]`).Attr("value"); got != "PASSIVE" {
		t.Errorf("next toggle: got %q, want PASSIVE", got)
	}
	if got := doc.Find("#flash[hx-swap-oob] " + testid("flash-success")).Last().Text(); got != "Link etkinleştirildi." {
		t.Errorf("out-of-band flash: got %q", got)
	}

	// htmx from the detail page: the detail fragment; no status posted means toggle.
	resp = env.staff.Do(t, http.MethodPost, path, nil, "HX-Request", "true", "HX-Target", "link-detail")
	doc, html = page(t, resp, http.StatusOK)
	wantFragment(t, resp, html)
	if got, _ := doc.Find("#link-detail " + testid("link-status")).Attr("data-status"); got != "PASSIVE" {
		t.Errorf("detail badge: got %q, want PASSIVE: %s", got, excerpt(html))
	}

	events := auditEvents(t, env.ta, "link.status")
	if len(events) != 3 {
		t.Fatalf("got %d link.status rows, want 3", len(events))
	}
	if b, a := auditLink(t, events[0].Before), auditLink(t, events[0].After); b.Status != "ACTIVE" || a.Status != "PASSIVE" {
		t.Errorf("audit: before %s after %s", b.Status, a.Status)
	}
	if resp := env.staff.PostForm(t, "/links/99999/status", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing link: got status %d, want 404", resp.StatusCode)
	}
}

func TestLinksDelete(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	plain := mustCreateLink(t, env.ta, linkRequest("Kahve", "10"))
	row := mustCreateLink(t, env.ta, linkRequest("Çay", "5"))

	// Its QR is served (and so remembered) before the delete.
	if resp := env.staff.Get(t, linkPath(plain.ID, "/qr.png")); resp.StatusCode != http.StatusOK {
		t.Fatalf("QR before delete: got %d", resp.StatusCode)
	}

	doc, _ := page(t, env.staff.Get(t, linkPath(plain.ID, "/delete")), http.StatusOK)
	if doc.Find(testid("deactivate-instead")).Length() != 1 || doc.Find(testid("confirm-delete")).Length() != 1 {
		t.Error("the confirmation lacks deactivate-instead or delete")
	}
	if got, _ := doc.Find(testid("confirm-delete")).Parent().Attr("action"); got != linkPath(plain.ID, "/delete") {
		t.Errorf("delete form action: got %q", got)
	}

	if loc := wantRedirect(t, env.staff.PostForm(t, linkPath(plain.ID, "/delete"), nil)); loc != "/links" {
		t.Errorf("Location: got %q, want /links", loc)
	}
	if resp := env.staff.Get(t, linkPath(plain.ID, "/qr.png")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("QR of the deleted link: got %d, want 404", resp.StatusCode)
	}
	doc, _ = page(t, env.staff.Get(t, "/links"), http.StatusOK)
	if got := doc.Find(testid("flash-success")).Text(); got != "Ödeme linki silindi." {
		t.Errorf("flash: got %q", got)
	}
	if doc.Find("#link-row-"+fmt.Sprint(plain.ID)).Length() != 0 {
		t.Error("deleted link still listed")
	}

	// htmx from a row: 200 with nothing but out-of-band parts removes the
	// row, and updates the list's count and the flash (#14).
	resp := env.staff.Do(t, http.MethodPost, linkPath(row.ID, "/delete"), nil, "HX-Request", "true", "HX-Target", fmt.Sprintf("link-row-%d", row.ID),
		"HX-Current-URL", env.ta.URL+"/links")
	b := body(t, resp)
	if resp.StatusCode != http.StatusOK || strings.Contains(b, "<tr") || !strings.Contains(b, `id="links-count" hx-swap-oob="true"`) ||
		!strings.Contains(b, ">0 kayıt<") || !strings.Contains(b, "“"+row.Name+"” silindi.") {
		t.Errorf("row delete: got %d %q, want 200 with the new count and a flash naming the link", resp.StatusCode, b)
	}
	if n := linkCount(t, env.ta); n != 0 {
		t.Errorf("got %d links left, want 0", n)
	}

	events := auditEvents(t, env.ta, "link.delete")
	if len(events) != 2 {
		t.Fatalf("got %d link.delete rows, want 2", len(events))
	}
	if b := auditLink(t, events[1].Before); b.Name != "Kahve" || events[1].After != nil {
		t.Errorf("audit: before %q after %s", b.Name, events[1].After)
	}
	for _, path := range []string{linkPath(plain.ID, "/delete"), "/links/abc/delete"} {
		if resp := env.staff.PostForm(t, path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: got status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestLinksToggleSoldOut(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	stock := 1
	link := mustCreateLink(t, env.ta, linkRequest("Son adet", "10", func(r *craftclient.ProductRequest) { r.Stock = &stock }))
	// A customer buys the last one on the sandbox's hosted page.
	card := url.Values{"name": {"Ayşe Yılmaz"}, "number": {"5528790000000008"}, "expiry": {"12/40"}, "cvc": {"123"}, "installment": {"1"}}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).PostForm(link.URL, card)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("paying on the hosted page: status %d", resp.StatusCode)
	}

	doc, _ := page(t, env.viewer.Get(t, "/links"), http.StatusOK)
	if got := strings.TrimSpace(doc.Find(testid("link-sold-stock")).Text()); got != "1 / 0" {
		t.Fatalf("sold / stock: got %q, want 1 / 0", got)
	}
	// The API takes stock 0 as "unlimited", so a full replace cannot keep a
	// sold-out link sold out: the toggle refuses and says to edit instead.
	doc, _ = page(t, env.staff.PostForm(t, linkPath(link.ID, "/status"), url.Values{"status": {"PASSIVE"}}), http.StatusConflict)
	if got := doc.Find(testid("error-message")).Text(); !strings.Contains(got, "stoku tükenmiş") {
		t.Errorf("message: got %q", got)
	}
	if got := mustRetrieve(t, env.ta, link.ID); got.Stock == nil || *got.Stock != 0 || got.Status != craftclient.LinkStatusActive {
		t.Errorf("link changed: stock %v status %s", got.Stock, got.Status)
	}
}
