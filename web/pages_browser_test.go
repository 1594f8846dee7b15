package web_test

import (
	"testing"

	"linkdesk/web/webtest"
)

// TestBrowserEveryPage opens every page a signed-in owner can reach, and
// the sign-in and first-run pages signed out, in Turkish and English, and
// at each width checks that it fits (360, 390, 768 and 1366 px: no
// sideways scrolling; thumb-sized controls below 1024 px) and, at 390 and
// 1366 px, that axe-core finds no serious or critical problem (issue #14).
// One seeded app serves every subtest; each language has one browser (and
// so webtest's two minutes), and a page is loaded once per language and
// measured at each width in turn.
func TestBrowserEveryPage(t *testing.T) {
	s := seedSite(t)
	widths := []viewport{vpPhoneSmall, vpPhone, vpTablet, vpDesktop}
	for _, lang := range []string{"tr", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := webtest.Browser(t)
			s.setLang(t, ctx, lang)
			for _, p := range s.pages {
				if p.signedOut {
					s.signOut(t, ctx)
				} else {
					s.signIn(t, ctx)
				}
				setViewport(t, ctx, widths[0])
				load(t, ctx, s.url(p))
				for _, vp := range widths {
					t.Run(p.name+"/"+vp.String(), func(t *testing.T) {
						setViewport(t, ctx, vp)
						checkFits(t, ctx, vp)
						if vp == vpPhone || vp == vpDesktop {
							checkAxe(t, ctx)
						}
					})
				}
			}
		})
	}
}

// TestBrowserMenusAndKeyboard checks the phone menus (header, list rows)
// and colour contrast in dark mode, then uses the dashboard with the
// keyboard alone (issue #14).
func TestBrowserMenusAndKeyboard(t *testing.T) {
	ctx := webtest.Browser(t)
	s := seedSite(t)
	t.Run("menus", func(t *testing.T) { phoneMenus(t, ctx, s) })
	t.Run("dark", func(t *testing.T) { darkContrast(t, ctx, s) })
	t.Run("keyboard", func(t *testing.T) { keyboardOnly(t, ctx, s) })
}
