package web_test

import (
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/views"
	"linkdesk/web/webtest"
)

// TestBrowserLinkPaymentShowsWithoutReload: staff create a link, a payer
// opens its hosted page in another tab and pays with the test card, and
// the link's page, left open, shows the payment and its revenue by itself
// (issue #12): the sandbox's webhook records it, the page's poll sees the
// sales version move.
func TestBrowserLinkPaymentShowsWithoutReload(t *testing.T) {
	ctx := webtest.Browser(t)
	ta := webtest.New(t, webtest.Options{})
	ta.SignIn(t, ctx, acctUser(t, ta, "kasa@shop.example", app.RoleOwner))
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: handlers.LangCookie, Value: "tr", URL: ta.URL}); err != nil {
		t.Fatalf("set language cookie: %v", err)
	}

	open(t, ctx, ta.URL+views.PathLinkNew)
	do(t, ctx, "fill the form",
		chromedp.SendKeys(chromedp.ID("link-name"), "Demlik çay"),
		chromedp.SendKeys(chromedp.ID("link-price"), "100"),
	)
	clickAndLoad(t, ctx, `[data-testid="link-submit"]`)
	waitFor(t, ctx, "the link's page", `document.readyState === 'complete' && window.htmx !== undefined &&
		document.querySelector('[data-testid="link-sales"]') !== null`)
	if got := text(t, ctx, `[data-testid="link-revenue"]`); got != "0,00 ₺" {
		t.Fatalf("revenue before any payment: got %q", got)
	}
	payURL := attr(t, ctx, `[data-testid="detail-url"]`, "value")
	do(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))

	// The hosted page is the sandbox's own: no htmx there.
	payer, closePayer := chromedp.NewContext(ctx)
	do(t, payer, "open the hosted page", chromedp.Navigate(payURL))
	do(t, payer, "pay with the test card",
		chromedp.SendKeys(chromedp.CSS(`[data-testid="card-name"]`), "Ayşe Yılmaz"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="card-number"]`), cardOK),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="card-expiry"]`), "12/40"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="card-cvc"]`), "123"),
	)
	if _, err := chromedp.Run(payer, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`[data-testid="pay-button"]`)))); err != nil {
		t.Fatalf("pay: %v", err)
	}
	waitFor(t, payer, "the hosted page's receipt", `document.body.innerText.includes("Payment received")`)
	webtest.Screenshot(t, payer, "sales-01-paid")
	closePayer()
	// Back on the link's tab, as a person would switch to it.
	tab := target.ActivateTargetParams{TargetID: chromedp.FromContext(ctx).Target.TargetID}
	if _, err := chromedp.Call(ctx, target.ActivateTarget, tab); err != nil {
		t.Fatalf("switch back to the link's tab: %v", err)
	}
	waitFor(t, ctx, "the payment on the link's page", `document.querySelector('[data-testid="link-payment-row"][data-status="paid"]') !== null`)
	webtest.Screenshot(t, ctx, "sales-02-link-page")
	if got := text(t, ctx, `[data-testid="link-revenue"]`); got != "100,00 ₺" {
		t.Errorf("revenue: got %q, want 100,00 ₺", got)
	}
	if got := text(t, ctx, `[data-testid="link-payment-payer"]`); got != "Ayşe Yılmaz" {
		t.Errorf("payer: got %q", got)
	}
	if got := text(t, ctx, `[data-testid="link-sold-stock"]`); got != "1 / sınırsız" {
		t.Errorf("sold / stock: got %q, want 1 / sınırsız", got)
	}
	if !evalBool(t, ctx, `window.notReloaded === true`) {
		t.Error("the page was reloaded")
	}
}
