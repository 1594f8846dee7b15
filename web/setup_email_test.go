package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"linkdesk/web/webtest"
)

// TestSetupRefusesAnAddressWithoutADottedDomain: a browser's type=email
// lets "ayse@shop" through, so the server says, in the person's language,
// what an address looks like, keeps what was typed and creates no one (#14).
func TestSetupRefusesAnAddressWithoutADottedDomain(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	form := url.Values{"email": {"ayse@shop"}, "name": {"Ayşe"}, "password": {acctPassword}, "password_confirm": {acctPassword}}
	for _, tt := range []struct{ lang, want string }{
		{"tr-TR,tr;q=0.9", "ad@magaza.com gibi bir e-posta adresi girin."},
		{"en-GB,en;q=0.9", "Enter an e-mail address such as name@shop.com."},
	} {
		c := acctAnon(t, ta)
		c.Get(t, "/setup", "Accept-Language", tt.lang) // the CSRF cookie
		resp := c.PostForm(t, "/setup", form, "Accept-Language", tt.lang)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", tt.lang, resp.StatusCode)
		}
		doc := acctDoc(t, resp)
		if got := acctText(doc, "error-email"); got != tt.want {
			t.Errorf("%s: e-mail error %q, want %q", tt.lang, got, tt.want)
		}
		if got := doc.Find(`[data-testid="field-email"]`).AttrOr("value", ""); got != "ayse@shop" {
			t.Errorf("%s: re-rendered e-mail %q, want the typed one", tt.lang, got)
		}
	}
	if n, _ := ta.Store.CountUsers(context.Background()); n != 0 {
		t.Errorf("users after refused setups: %d, want 0", n)
	}
}
