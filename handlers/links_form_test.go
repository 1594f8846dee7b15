package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

func TestLinksCreate(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	doc, _ := page(t, env.staff.Get(t, "/links/new"), http.StatusOK)
	if got, _ := doc.Find(testid("input-currency")).Find("option[selected]").Attr("value"); got != "TRY" {
		t.Errorf("default currency: got %q, want TRY", got)
	}
	if _, ok := doc.Find(testid("installment-1")).Attr("checked"); !ok {
		t.Error("single payment is not ticked by default")
	}

	for _, price := range []string{"1.234,56", "1234,56", "1234.56", "₺1,234.56"} {
		t.Run(price, func(t *testing.T) {
			name := "Kahve " + price
			form := linkForm(name, price)
			form["enabledInstallments"] = []string{"3", "1", "3"}
			form.Set("expiresAt", future())
			loc := wantRedirect(t, env.staff.PostForm(t, "/links", form))
			var id int64
			if _, err := fmt.Sscanf(loc, "/links/%d", &id); err != nil {
				t.Fatalf("Location %q is not a link page", loc)
			}
			link := mustRetrieve(t, env.ta, id)
			if link.Name != name || link.Price.String() != "1234.56" || link.Channel != "kasa" || link.Description != "Kahve ve kurabiye" {
				t.Errorf("created %+v", link)
			}
			if fmt.Sprint(link.EnabledInstallments) != "[1 3]" {
				t.Errorf("installments: got %v, want [1 3]", link.EnabledInstallments)
			}
			if link.ExpiresAt == nil || link.ExpiresAt.Format("2006-01-02T15:04") != form.Get("expiresAt") {
				t.Errorf("expiresAt: got %v, want %s", link.ExpiresAt, form.Get("expiresAt"))
			}

			doc, _ := page(t, env.staff.Get(t, loc), http.StatusOK)
			if got := doc.Find(testid("flash-success")).Text(); got != "Ödeme linki oluşturuldu." {
				t.Errorf("flash: got %q", got)
			}
			if got := doc.Find(testid("detail-name")).Text(); got != name {
				t.Errorf("detail name: got %q, want %q", got, name)
			}
		})
	}

	events := auditEvents(t, env.ta, "link.create")
	if len(events) != 4 {
		t.Fatalf("got %d link.create audit rows, want 4", len(events))
	}
	if after := auditLink(t, events[0].After); after.Name != "Kahve ₺1,234.56" || events[0].ActorEmail != "staff@example.com" || events[0].Before != nil {
		t.Errorf("audit row: %+v, after %+v", events[0], after)
	}
}

func TestLinksCreateRefused(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	long := strings.Repeat("ş", 201)
	past := time.Now().Add(-time.Hour).Format("2006-01-02T15:04")
	tests := []struct {
		name  string
		form  url.Values
		field string
		kept  string // the typed value the re-rendered input must show
	}{
		{"name missing", with(linkForm("  ", "10"), "name", "  "), "name", "  "},
		{"name too long", linkForm(long, "10"), "name", long},
		{"price missing", linkForm("A", ""), "price", ""},
		{"price garbage", linkForm("A", "12abc"), "price", "12abc"},
		{"price two decimal points", linkForm("A", "1.2.3"), "price", "1.2.3"},
		{"price zero", linkForm("A", "0,00"), "price", "0,00"},
		{"price negative", linkForm("A", "-5"), "price", "-5"},
		{"price too precise", linkForm("A", "1,234"), "", ""}, // 1,234 is 1234: accepted
		{"price decimals for JPY", with(linkForm("A", "10,5"), "currency", "JPY"), "price", "10,5"},
		{"currency unknown", with(linkForm("A", "10"), "currency", "XYZ"), "currency", ""},
		{"no installment", with(linkForm("A", "10"), "enabledInstallments"), "enabledInstallments", ""},
		{"installment out of range", with(linkForm("A", "10"), "enabledInstallments", "13"), "enabledInstallments", ""},
		{"stock zero", with(linkForm("A", "10"), "stock", "0"), "stock", "0"},
		{"stock garbage", with(linkForm("A", "10"), "stock", "beş"), "stock", "beş"},
		{"order without stock 1", with(linkForm("A", "10"), "orderId", "ORD-9"), "orderId", "ORD-9"},
		{"order with stock 2", with(with(linkForm("A", "10"), "orderId", "ORD-9"), "stock", "2"), "orderId", "ORD-9"},
		{"expiry garbage", with(linkForm("A", "10"), "expiresAt", "yarın"), "expiresAt", "yarın"},
		{"expiry past", with(linkForm("A", "10"), "expiresAt", past), "expiresAt", past},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.field == "" {
				wantRedirect(t, env.staff.PostForm(t, "/links", tt.form))
				return
			}
			before := linkCount(t, env.ta)
			doc, _ := page(t, env.staff.PostForm(t, "/links", tt.form), http.StatusUnprocessableEntity)
			if doc.Find(testid("error-"+tt.field)).Length() != 1 {
				t.Errorf("no error on %s", tt.field)
			}
			if got, _ := doc.Find(testid("summary-" + tt.field)).Attr("href"); got != "#link-"+tt.field {
				t.Errorf("summary link: got %q, want #link-%s", got, tt.field)
			}
			if _, ok := doc.Find(testid("error-summary")).Attr("data-error-summary"); !ok {
				t.Error("summary lacks data-error-summary")
			}
			input := doc.Find("#link-" + tt.field)
			if got, _ := input.Attr("aria-invalid"); got != "true" {
				t.Errorf("aria-invalid: got %q, want true", got)
			}
			if got, _ := input.Attr("aria-describedby"); !strings.Contains(got, "link-"+tt.field+"-error") {
				t.Errorf("aria-describedby %q lacks the error", got)
			}
			if tt.kept != "" {
				if got, _ := input.Attr("value"); got != tt.kept && input.Text() != tt.kept {
					t.Errorf("typed value not kept: got %q, want %q", got, tt.kept)
				}
			}
			// Everything else typed stays too.
			if got := doc.Find(testid("input-description")).Text(); got != tt.form.Get("description") {
				t.Errorf("description not kept: got %q", got)
			}
			if _, ok := doc.Find(testid("installment-3")).Attr("checked"); ok != slices.Contains(tt.form["enabledInstallments"], "3") {
				t.Errorf("installment 3 ticked = %v, want as posted", ok)
			}
			if got := linkCount(t, env.ta); got != before {
				t.Errorf("a refused form created a link: %d → %d", before, got)
			}
		})
	}
	if n := len(auditEvents(t, env.ta, "link.create")); n != 1 {
		t.Errorf("got %d link.create audit rows, want 1 (the accepted one)", n)
	}
}

func TestLinksCreateHTMX(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	resp := env.staff.PostForm(t, "/links", linkForm("A", "abc"), hx...)
	doc, html := page(t, resp, http.StatusUnprocessableEntity)
	wantFragment(t, resp, html)
	if doc.Find("form#link-form").Length() != 1 || doc.Find(testid("error-price")).Length() != 1 {
		t.Errorf("want the form card with the price error: %s", excerpt(html))
	}

	resp = env.staff.PostForm(t, "/links", linkForm("A", "10"), hx...)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("got status %d, want 204", resp.StatusCode)
	}
	if got := resp.Header.Get("HX-Redirect"); !strings.HasPrefix(got, "/links/") {
		t.Errorf("HX-Redirect: got %q, want a link page", got)
	}
}

func TestLinksValidateField(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	tests := []struct {
		field   string
		form    url.Values
		wantErr bool
	}{
		{"price", linkForm("A", "abc"), true},
		{"price", linkForm("A", "1.234,56"), false},
		{"name", linkForm("", "10"), true},
		{"stock", with(linkForm("A", "10"), "stock", "-1"), true},
		{"orderId", with(linkForm("A", "10"), "orderId", "X"), true},
		{"orderId", with(with(linkForm("A", "10"), "orderId", "X"), "stock", "1"), false},
		{"enabledInstallments", with(linkForm("A", "10"), "enabledInstallments"), true},
		{"expiresAt", with(linkForm("A", "10"), "expiresAt", future()), false},
		// Another field's problem does not show on this one.
		{"name", linkForm("A", "abc"), false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			resp := env.staff.PostForm(t, "/links/validate/"+tt.field, tt.form, hx...)
			doc, html := page(t, resp, http.StatusOK)
			wantFragment(t, resp, html)
			wrapper := doc.Find("#link-field-" + tt.field)
			if wrapper.Length() != 1 || doc.Find(".link-field").Length() != 1 {
				t.Fatalf("want exactly the %s field: %s", tt.field, html)
			}
			if got, _ := wrapper.Attr("hx-post"); got != "/links/validate/"+tt.field {
				t.Errorf("hx-post: got %q", got)
			}
			if got := doc.Find(testid("error-"+tt.field)).Length() == 1; got != tt.wantErr {
				t.Errorf("error shown = %v, want %v: %s", got, tt.wantErr, html)
			}
		})
	}
	resp := env.staff.PostForm(t, "/links/validate/secret", linkForm("A", "1"), hx...)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown field: got status %d, want 404", resp.StatusCode)
	}
}

func TestLinksShow(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	stock := 5
	link := mustCreateLink(t, env.ta, linkRequest("Kahve", "49.9", func(r *craftclient.ProductRequest) {
		r.Stock, r.ExternalID, r.ConversationID = &stock, "EXT-1", "CONV-1"
		r.EnabledInstallments = []int{1, 3, 6}
	}))

	doc, _ := page(t, env.viewer.Get(t, linkPath(link.ID, "")), http.StatusOK)
	facts := map[string]string{
		"detail-price":         "49,90 ₺",
		"fact-stock":           "5",
		"fact-sold":            "0",
		"fact-installments":    "1, 3, 6",
		"fact-external-id":     "EXT-1",
		"fact-conversation-id": "CONV-1",
		"fact-expires-at":      "süresiz",
	}
	for id, want := range facts {
		if got := strings.TrimSpace(doc.Find(testid(id)).Text()); got != want {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
	}
	if got, _ := doc.Find(testid("detail-url")).Attr("value"); got != link.URL {
		t.Errorf("URL: got %q, want %q", got, link.URL)
	}
	if got, _ := doc.Find(testid("detail-qr")).Attr("src"); got != linkPath(link.ID, "/qr.png?size=320") {
		t.Errorf("QR: got %q", got)
	}
	if got, _ := doc.Find(testid("qr-svg")).Attr("href"); got != linkPath(link.ID, "/qr.svg?download=1") {
		t.Errorf("SVG: got %q", got)
	}
	for _, layout := range []string{"poster", "card", "tent"} {
		if got, _ := doc.Find(testid("print-" + layout)).Attr("href"); got != linkPath(link.ID, "/print?layout="+layout) {
			t.Errorf("print %s: got %q", layout, got)
		}
	}
	if doc.Find(testid("detail-actions")).Length() != 0 {
		t.Error("a viewer sees the change actions")
	}

	doc, _ = page(t, env.staff.Get(t, linkPath(link.ID, "")), http.StatusOK)
	actions := doc.Find(testid("detail-actions"))
	for _, id := range []string{"edit-link", "duplicate-link", "toggle-status", "delete-link"} {
		if actions.Find(testid(id)).Length() != 1 {
			t.Errorf("staff detail lacks %s", id)
		}
	}

	for _, path := range []string{"/links/abc", "/links/0", "/links/-1", "/links/99999", "/links/1.5/edit", "/links/99999/edit"} {
		resp := env.staff.Get(t, path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestLinksEditRoundTrip(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	stock := 1
	link := mustCreateLink(t, env.ta, linkRequest("Kahve", "1234.567", func(r *craftclient.ProductRequest) {
		r.Currency = craftclient.CurrencyKWD
		r.ConversationID, r.ExternalID, r.BasketIdentifier, r.MultiPayment = "CONV-7", "EXT-7", "BASKET-7", true
		r.OrderID, r.Stock = "ORD-7", &stock
		r.EnabledInstallments = []int{1, 6}
		r.ExpiresAt = &craftclient.DateTime{Time: time.Now().Add(72 * time.Hour).Truncate(time.Minute)}
	}))

	doc, _ := page(t, env.staff.Get(t, linkPath(link.ID, "/edit")), http.StatusOK)
	form := url.Values{}
	doc.Find("#link-form input, #link-form textarea, #link-form select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		switch {
		case goquery.NodeName(s) == "textarea":
			form.Add(name, s.Text())
		case goquery.NodeName(s) == "select":
			v, _ := s.Find("option[selected]").Attr("value")
			form.Add(name, v)
		case typ == "checkbox" || typ == "radio":
			if _, ok := s.Attr("checked"); ok {
				v, _ := s.Attr("value")
				form.Add(name, v)
			}
		default:
			v, _ := s.Attr("value")
			form.Add(name, v)
		}
	})
	want := map[string]string{
		"name": "Kahve", "price": "1234.5670", "currency": "KWD", "stock": "1", "orderId": "ORD-7",
		"status": "ACTIVE", "enabledInstallments": "1,6", "expiresAt": link.ExpiresAt.Format("2006-01-02T15:04"),
	}
	for k, v := range want {
		if got := strings.Join(form[k], ","); got != v {
			t.Errorf("edit form %s: got %q, want %q", k, got, v)
		}
	}

	// Submitting the untouched form changes nothing; then change the name.
	wantRedirect(t, env.staff.PostForm(t, linkPath(link.ID, ""), form))
	form.Set("name", "Filtre kahve")
	form.Set("status", "PASSIVE")
	if loc := wantRedirect(t, env.staff.PostForm(t, linkPath(link.ID, ""), form)); loc != linkPath(link.ID, "") {
		t.Errorf("Location: got %q", loc)
	}
	got := mustRetrieve(t, env.ta, link.ID)
	if got.Name != "Filtre kahve" || got.Status != craftclient.LinkStatusPassive {
		t.Errorf("not updated: %+v", got)
	}
	if got.ConversationID != "CONV-7" || got.ExternalID != "EXT-7" || got.BasketIdentifier != "BASKET-7" || !got.MultiPayment {
		t.Errorf("hidden fields reset: %+v", got)
	}
	if got.OrderID != "ORD-7" || got.Stock == nil || *got.Stock != 1 || !got.Price.Equal(link.Price.Decimal) ||
		fmt.Sprint(got.EnabledInstallments) != "[1 6]" || !got.ExpiresAt.Equal(link.ExpiresAt.Time) {
		t.Errorf("shown fields changed: %+v", got)
	}

	events := auditEvents(t, env.ta, "link.update")
	if len(events) != 2 {
		t.Fatalf("got %d link.update rows, want 2", len(events))
	}
	if b, a := auditLink(t, events[0].Before), auditLink(t, events[0].After); b.Name != "Kahve" || a.Name != "Filtre kahve" || events[0].TargetID != fmt.Sprint(link.ID) {
		t.Errorf("audit before %q after %q target %q", b.Name, a.Name, events[0].TargetID)
	}

	// A refused edit keeps what was typed.
	doc, _ = page(t, env.staff.PostForm(t, linkPath(link.ID, ""), with(form, "price", "bedava")), http.StatusUnprocessableEntity)
	if v, _ := doc.Find(testid("input-price")).Attr("value"); v != "bedava" {
		t.Errorf("price not kept: got %q", v)
	}
	if v, _ := doc.Find(testid("input-name")).Attr("value"); v != "Filtre kahve" {
		t.Errorf("name not kept: got %q", v)
	}
	doc, _ = page(t, env.staff.PostForm(t, linkPath(link.ID, ""), with(form, "status", "DELETED")), http.StatusUnprocessableEntity)
	if doc.Find(testid("error-status")).Length() != 1 {
		t.Error("no error for an unknown status")
	}
	resp := env.staff.PostForm(t, "/links/99999", form)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("update of a missing link: got status %d, want 404", resp.StatusCode)
	}
}

func TestLinksRoles(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	link := mustCreateLink(t, env.ta, linkRequest("Kahve", "10"))
	anon := env.ta.Anonymous(t)
	tests := []struct {
		method, path string
		viewer       int
	}{
		{"GET", "/links", 200},
		{"GET", "/links/export.csv", 200},
		{"GET", linkPath(link.ID, ""), 200},
		{"GET", "/links/new", 403},
		{"POST", "/links", 403},
		{"POST", "/links/validate/name", 403},
		{"GET", linkPath(link.ID, "/edit"), 403},
		{"POST", linkPath(link.ID, ""), 403},
		{"POST", linkPath(link.ID, "/status"), 403},
		{"GET", linkPath(link.ID, "/delete"), 403},
		{"POST", linkPath(link.ID, "/delete"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var resp *http.Response
			if tt.method == "GET" {
				resp = env.viewer.Get(t, tt.path)
			} else {
				resp = env.viewer.PostForm(t, tt.path, linkForm("Kahve", "10"))
			}
			if resp.StatusCode != tt.viewer {
				t.Errorf("viewer: got status %d, want %d", resp.StatusCode, tt.viewer)
			}
			if tt.method == "GET" {
				resp = anon.Get(t, tt.path)
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
					t.Errorf("signed out: got %d %q, want 303 to /login", resp.StatusCode, loc)
				}
			}
		})
	}
	if got := mustRetrieve(t, env.ta, link.ID); got.Status != craftclient.LinkStatusActive {
		t.Error("a viewer changed a link")
	}
}
