package handlers

import (
	"github.com/labstack/echo/v4"

	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/fragment"
)

// Site is what every page shows about this installation.
type Site struct {
	Merchant string // LINKDESK_MERCHANT_NAME
	Sandbox  bool   // at least one API runs against the embedded sandbox
	// Fragments remembers rendered page parts (see views.Memo); nil
	// renders every part every time.
	Fragments *fragment.Cache
}

// memo is the views' hook into Fragments.
func (s Site) memo() views.Memo {
	if s.Fragments == nil {
		return nil
	}
	return s.Fragments.Memo
}

// Meta builds the layout's data for a full page in the request's language.
// titleKey is a catalog key; nav names the active top-level section.
func (s Site) Meta(c echo.Context, nav, titleKey string) views.PageMeta {
	l := LocaleFrom(c)
	m := views.PageMeta{
		Locale:   l,
		Title:    l.T(titleKey),
		Nav:      nav,
		Path:     c.Request().URL.RequestURI(),
		CSRF:     CSRFToken(c),
		Flashes:  viewFlashes(c, flash.Peek(c)),
		Sandbox:  s.Sandbox,
		Merchant: s.Merchant,
		Memo:     s.memo(),
	}
	if u := UserFrom(c); u != nil {
		m.Viewer = &views.Viewer{Email: u.Email, Role: string(u.Role)}
	}
	return m
}
