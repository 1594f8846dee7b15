package web_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"linkdesk/web/webtest"
)

// screensEnv names the folder TestBrowserScreenshots writes to; without it
// the test is skipped. bench/screens sets it (go run ./bench/screens -out DIR).
const screensEnv = "LINKDESK_SCREENS_OUT"

// TestBrowserScreenshots saves a full-page PNG of every page at phone and
// desktop width in both languages, for a person to look for anything cut
// off, overlapping or untranslated: DIR/{lang}-{width}-{page}.png.
func TestBrowserScreenshots(t *testing.T) {
	out := os.Getenv(screensEnv)
	if out == "" {
		t.Skip(screensEnv + " is not set; run go run ./bench/screens -out DIR")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	s := seedSite(t)
	for _, lang := range []string{"tr", "en"} {
		// A browser per language: each gets webtest's two minutes.
		ctx := webtest.Browser(t)
		s.setLang(t, ctx, lang)
		for _, p := range s.pages {
			if p.signedOut {
				s.signOut(t, ctx)
			} else {
				s.signIn(t, ctx)
			}
			for _, vp := range []viewport{vpPhone, vpDesktop} {
				setViewport(t, ctx, vp)
				load(t, ctx, s.url(p))
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("screenshot %s: %v", p.name, err)
				}
				name := filepath.Join(out, lang+"-"+vp.String()+"-"+p.name+".png")
				if err := os.WriteFile(name, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("screenshots in %s", out)
}
