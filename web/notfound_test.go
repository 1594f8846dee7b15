package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linkdesk/app"
	"linkdesk/web/webtest"
)

// TestNotFoundPages checks that a missing or deleted record gets a calm
// page in the person's language that names what is missing and leads back
// to its list, never the provider's error code or a bare status (#14).
func TestNotFoundPages(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	c := acctAs(t, ta, owner)
	deleted := mustPostLink(t, c, url.Values{"name": {"Silinecek"}, "price": {"10"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	if r := c.PostForm(t, "/links/"+deleted+"/delete", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: got %d, want 303", r.StatusCode)
	}

	tests := []struct {
		name, path, lang, message, back string
	}{
		{"deleted link", "/links/" + deleted, "en", "This payment link does not exist or has been deleted.", "/links"},
		{"deleted link, Turkish", "/links/" + deleted, "tr", "Bu ödeme linki yok ya da silinmiş.", "/links"},
		{"deleted link's print sheet", "/links/" + deleted + "/print", "en", "This payment link does not exist or has been deleted.", "/links"},
		{"never a link", "/links/999999/edit", "en", "This payment link does not exist or has been deleted.", "/links"},
		{"unknown payment", "/payments/no-such-code", "en", "This payment could not be found.", "/payments"},
		{"unknown user", "/users/424242", "tr", "Bu kullanıcı bulunamadı.", "/users"},
		{"unknown page", "/no-such-page?x=1", "en", "There is no page at this address. Check the address or carry on below.", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.Get(t, tt.path, "Accept-Language", tt.lang)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", resp.StatusCode)
			}
			doc := acctDoc(t, resp)
			if doc.Find(`[data-testid="not-found"]`).Length() != 1 {
				t.Fatalf("no not-found page: %s", doc.Find("main").Text())
			}
			if got := acctText(doc, "error-message"); got != tt.message {
				t.Errorf("message %q, want %q", got, tt.message)
			}
			if got := doc.Find(`[data-testid="not-found-back"]`).AttrOr("href", ""); got != tt.back {
				t.Errorf("way back %q, want %q", got, tt.back)
			}
			main := doc.Find("main").Text()
			for _, bad := range []string{"5001", "404", "Something went wrong", "Bir sorun oluştu", "Provider code", "Sağlayıcı kodu"} {
				if strings.Contains(main, bad) {
					t.Errorf("page shows %q: %s", bad, main)
				}
			}
		})
	}
}
