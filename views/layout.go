package views

import (
	"encoding/json"
	"net/url"

	"github.com/a-h/templ"

	"linkdesk/static"
)

// csrfHeaders is the hx-headers value that makes every htmx request carry
// the CSRF token.
func csrfHeaders(token string) string {
	// Echo's tokens are letters and digits: the common case needs no JSON
	// encoder (it was the costliest expression of every page).
	if isPlainToken(token) {
		return `{"X-CSRF-Token":"` + token + `"}`
	}
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

func isPlainToken(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func flashRole(kind string) string {
	if kind == "error" || kind == "warning" {
		return "alert"
	}
	return "status"
}

// LangURL switches the language and comes back to path.
func LangURL(l Lang, path string) templ.SafeURL {
	return templ.SafeURL("/lang/" + string(l) + "?next=" + url.QueryEscape(path))
}

// Asset returns the content-hashed URL of an embedded static file.
func Asset(name string) string { return static.Path(name) }
