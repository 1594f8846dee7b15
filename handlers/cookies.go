package handlers

// Cookies names the dashboard's cookies. Served over https they carry the
// __Host- prefix, which browsers accept only from a secure origin with
// Secure, Path=/ and no Domain: no subdomain or plain-http page can plant
// or overwrite them.
type Cookies struct {
	Session, CSRF, Flash, Lang string
	Secure                     bool
}

// Cookie base names; CookiesFor adds the prefix.
const (
	SessionCookie = "linkdesk_session"
	CSRFCookie    = "linkdesk_csrf"
	FlashCookie   = "linkdesk_flash"
	LangCookie    = "linkdesk_lang"
)

// CookiesFor returns the cookie names of a site reached over https
// (secure) or plain http.
func CookiesFor(secure bool) Cookies {
	prefix := ""
	if secure {
		prefix = "__Host-"
	}
	return Cookies{Session: prefix + SessionCookie, CSRF: prefix + CSRFCookie, Flash: prefix + FlashCookie,
		Lang: prefix + LangCookie, Secure: secure}
}
