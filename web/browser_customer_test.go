package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"linkdesk/web/webtest"
)

// The customer screen, opened from the counter screen in a tab of its own
// (a second display), turns to the result by itself with an animation
// that people who ask for reduced motion do not get, says on screen and
// in the tab's title when its checks are paused, and leaves the cashier's
// own screen as it was (#14).
func TestBrowserCustomerScreen(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	counter, payment := startBrowserPayment(t, ta)
	pausesVisibly(t, counter) // the cashier's screen too, while it is the tab in front
	link, err := chromedp.Run(counter, chromedp.Evaluate[[]string](
		`(a => [a.getAttribute("href"), a.target])(document.querySelector("[data-testid=payment-customer]"))`))
	if err != nil {
		t.Fatal(err)
	}
	want := "/payments/" + payment.MerchantUniqueCode + "/customer"
	if link[0] != want || link[1] != "_blank" {
		t.Fatalf("customer screen link %v, want %s in a new tab", link, want)
	}

	screen, closeScreen := chromedp.NewContext(counter) // a second tab, same sign-in
	defer closeScreen()
	setViewport(t, screen, vpDesktop)
	load(t, screen, ta.URL+want)
	if n, _ := chromedp.Run(screen, chromedp.Evaluate[int](`document.querySelectorAll("header, nav").length`)); n != 0 {
		t.Errorf("the customer screen has %d header or nav elements", n)
	}
	// The code is as large as the screen allows, without scrolling: most
	// of a landscape screen's height, most of a phone's width.
	for _, tt := range []struct {
		vp   viewport
		side string
	}{{vpDesktop, "innerHeight"}, {viewport{1024, 600, true}, "innerHeight"}, {vpPhone, "innerWidth"}, {vpTablet, "innerWidth"}} {
		setViewport(t, screen, tt.vp)
		got, err := chromedp.Run(screen, chromedp.Evaluate[[]float64](`(q => [Math.min(q.width, q.height) / `+tt.side+`,
			document.documentElement.scrollHeight - innerHeight])(document.querySelector("[data-testid=customer-qr]").getBoundingClientRect())`))
		if err != nil || got[0] < 0.5 || got[1] > 0 {
			t.Errorf("%dx%d: the QR's side is %.2f of %s and the page scrolls %.0f px (%v); want at least 0.5 and no scrolling",
				tt.vp.width, tt.vp.height, got[0], tt.side, got[1], err)
		}
	}
	setViewport(t, screen, vpDesktop)
	webtest.Screenshot(t, screen, "customer-pending")

	// Hidden (a tab in the background): the screen says its checks are
	// paused; shown, they resume.
	pausesVisibly(t, screen)

	answerOnPhone(t, counter, payment, "wallet-pay", "customer-wallet-paid")
	wait, cancel := context.WithTimeout(screen, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS("[data-testid=customer-result][data-result=paid]"))); err != nil {
		t.Fatalf("the customer screen did not turn paid by itself: %v", err)
	}
	animation := func() string {
		s, err := chromedp.Run(screen, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("[data-testid=customer-result] .result-icon")).animationName`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := animation(); got != "result-pop" {
		t.Errorf("animation %q, want result-pop", got)
	}
	if _, err := chromedp.Call(screen, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
	if got := animation(); got != "none" {
		t.Errorf("with reduced motion: animation %q, want none", got)
	}
	webtest.Screenshot(t, screen, "customer-paid")

	// The cashier's own screen is still theirs, and turns paid too once
	// shown (tabs of one window: only the front one is visible).
	if _, err := chromedp.Call(counter, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(counter, chromedp.WaitVisible(chromedp.CSS("[data-testid=payment-result][data-result=paid]"))); err != nil {
		t.Fatalf("the counter screen: %v", err)
	}
	if n, _ := chromedp.Run(counter, chromedp.Evaluate[int](`document.querySelectorAll("header.site-header").length`)); n != 1 {
		t.Error("the cashier's screen lost its navigation")
	}
}

// pausesVisibly hides the tab of a polling screen: it must say its checks
// are paused, on the page and in the title; shown again, it checks at once
// and the note goes.
func pausesVisibly(t *testing.T, tab context.Context) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`
		Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
		document.dispatchEvent(new Event("visibilitychange"));`))
	if err != nil {
		t.Fatal(err)
	}
	note := text(t, tab, "[data-testid=poll-state]")
	title, _ := chromedp.Run(tab, chromedp.Title())
	if !strings.Contains(note, "paused") && !strings.Contains(note, "duraklatıldı") || !strings.HasPrefix(title, "⏸") {
		t.Errorf("hidden: note %q, title %q; want both to say paused", note, title)
	}
	_, err = chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`
		delete document.hidden;
		document.dispatchEvent(new Event("visibilitychange"));`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the note to clear after a poll", `document.querySelector("[data-testid=poll-state]").textContent === "" && !document.title.startsWith("⏸")`)
}
