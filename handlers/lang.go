package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/views"
)

// SetLang stores the chosen language and returns to the page it was chosen
// on. The Secure flag is the server's setting (from its public URL), like
// every other cookie's: the request's scheme would trust X-Forwarded-Proto,
// which anyone can send.
func SetLang(names Cookies) echo.HandlerFunc {
	return func(c echo.Context) error {
		l, ok := views.ParseLang(c.Param("lang"))
		if !ok {
			return errNotFound
		}
		c.SetCookie(&http.Cookie{
			Name: names.Lang, Value: string(l), Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: names.Secure,
		})
		return c.Redirect(http.StatusSeeOther, SafeNext(c.QueryParam("next"), "/"))
	}
}

// SafeNext returns next when it is a path on this site, else fallback: it
// stops open redirects through ?next= (e.g. "//evil.example" or "https://…").
func SafeNext(next, fallback string) string {
	if len(next) == 0 || next[0] != '/' || (len(next) > 1 && (next[1] == '/' || next[1] == '\\')) {
		return fallback
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return fallback
		}
	}
	return next
}

// LocaleFor picks the request's language: the cookie named langCookie,
// then Accept-Language, then Turkish.
func LocaleFor(r *http.Request, langCookie string) views.Locale {
	if ck, err := r.Cookie(langCookie); err == nil {
		if l, ok := views.ParseLang(ck.Value); ok {
			return views.NewLocale(l)
		}
	}
	if l, ok := views.LangFromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return views.NewLocale(l)
	}
	return views.NewLocale(views.LangTR)
}
