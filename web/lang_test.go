package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/web/webtest"
)

// TestLanguageSwitch: the chosen language is remembered in a cookie that
// beats Accept-Language, and the switch returns only to pages of this site.
func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	c := acctAs(t, ta, acctUser(t, ta, "lang@shop.example", app.RoleViewer))

	tests := []struct{ next, want string }{
		{"/links?name=%C3%A7ay", "/links?name=%C3%A7ay"},
		{"", "/"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/links\r\nSet-Cookie: x=y", "/"},
	}
	for _, tt := range tests {
		// A forged X-Forwarded-Proto must not decide the cookie's Secure
		// flag: the server's own setting (plain http here) does.
		resp := c.Get(t, "/lang/en?next="+url.QueryEscape(tt.next), "X-Forwarded-Proto", "https")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.want {
			t.Errorf("next %q: %d to %q, want 303 to %q", tt.next, resp.StatusCode, resp.Header.Get("Location"), tt.want)
		}
		var lang *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == handlers.LangCookie {
				lang = ck
			}
		}
		if lang == nil || lang.Value != "en" || lang.Secure || !lang.HttpOnly {
			t.Errorf("next %q: language cookie %+v, want en, HttpOnly, not Secure on http", tt.next, lang)
		}
	}
	if resp := c.Get(t, "/lang/xx"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown language: %d, want 404", resp.StatusCode)
	}

	// The cookie (now en) beats the browser's Turkish.
	doc := acctDoc(t, c.Get(t, "/links", "Accept-Language", "tr-TR,tr;q=0.9"))
	if got := doc.Find("html").AttrOr("lang", ""); got != "en" {
		t.Errorf("page language %q, want en from the cookie", got)
	}
}
