package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/views"
	"linkdesk/web/webtest"
)

// TestBrowserLinkLifecycle drives the links pages in Chromium the way staff
// use them: create through the form (Turkish money input, inline
// validation), find the link by typing, edit it, deactivate it on its page,
// see its QR there and on the poster, activate it again from its list row,
// and delete it from the list through the confirm dialog.
func TestBrowserLinkLifecycle(t *testing.T) {
	ctx := webtest.Browser(t)
	ta := webtest.New(t, webtest.Options{})
	staff := &app.User{Email: "kasa@example.com", Name: "Kasa", Role: app.RoleStaff, PasswordHash: []byte("not-a-hash")}
	if err := ta.Store.CreateUser(context.Background(), staff); err != nil {
		t.Fatal(err)
	}
	// Another link, so the search visibly narrows the list.
	other := craftclient.ProductRequest{
		Name: "Ankara çayı", Price: craftclient.NewAmount(decimal.NewFromInt(20)),
		Currency: craftclient.CurrencyTRY, EnabledInstallments: []int{1},
	}
	if _, err := ta.Craftgate.Products.Create(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	ck := ta.SessionCookie(t, staff)
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: ta.URL, HTTPOnly: new(true)}); err != nil {
		t.Fatalf("set session cookie: %v", err)
	}
	// The shop's language: Turkish money and dates.
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: handlers.LangCookie, Value: "tr", URL: ta.URL}); err != nil {
		t.Fatalf("set language cookie: %v", err)
	}
	// hx-confirm asks with window.confirm; accept every dialog.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	// Create, with a wrong price first: inline validation flags it on blur.
	open(t, ctx, ta.URL+views.PathLinkNew)
	do(t, ctx, "fill the form",
		chromedp.SendKeys(chromedp.ID("link-name"), "İstanbul Kahve"),
		chromedp.SendKeys(chromedp.ID("link-price"), "12abc\t"),
	)
	waitFor(t, ctx, "inline price error", `document.querySelector('[data-testid="error-price"]') !== null`)
	do(t, ctx, "fix the price",
		clearInput("link-price"),
		chromedp.SendKeys(chromedp.ID("link-price"), "1.234,56\t"),
	)
	waitFor(t, ctx, "price error gone", `document.querySelector('[data-testid="error-price"]') === null`)
	webtest.Screenshot(t, ctx, "links-01-new-form")
	do(t, ctx, "tick 3 installments", chromedp.Click(chromedp.CSS(`[data-testid="installment-3"]`)))
	clickAndLoad(t, ctx, `[data-testid="link-submit"]`)
	if got := text(t, ctx, `[data-testid="detail-price"]`); got != "1.234,56 ₺" {
		t.Errorf("detail price: got %q, want 1.234,56 ₺", got)
	}
	if got := text(t, ctx, `[data-testid="fact-installments"]`); got != "1, 3" {
		t.Errorf("installments: got %q, want 1, 3", got)
	}
	detailURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	webtest.Screenshot(t, ctx, "links-02-created")

	// Find it by typing, without Enter; the URL follows the search.
	open(t, ctx, ta.URL+views.PathLinks)
	waitFor(t, ctx, "two rows", `document.querySelectorAll('[data-testid="link-row"]').length === 2`)
	do(t, ctx, "type in search", chromedp.SendKeys(chromedp.ID(views.IDLinkSearch), "istanbul"))
	waitFor(t, ctx, "search narrowed the list", `document.querySelectorAll('[data-testid="link-row"]').length === 1 &&
		document.querySelector('[data-testid="link-name"]').textContent === 'İstanbul Kahve' &&
		location.search === '?name=istanbul'`)
	webtest.Screenshot(t, ctx, "links-03-search")

	// Edit from the row.
	clickAndLoad(t, ctx, `[data-testid="link-row"] [data-testid="edit-link"]`)
	do(t, ctx, "edit the name", clearInput("link-name"), chromedp.SendKeys(chromedp.ID("link-name"), "İstanbul Filtre Kahve"))
	clickAndLoad(t, ctx, `[data-testid="link-submit"]`)
	waitFor(t, ctx, "edited name on the detail page", `document.querySelector('[data-testid="detail-name"]')?.textContent === 'İstanbul Filtre Kahve'`)

	// Deactivate on the detail page: htmx swaps the detail in place.
	do(t, ctx, "deactivate", chromedp.Click(chromedp.CSS(`#link-detail [data-testid="toggle-status"]`)))
	waitFor(t, ctx, "PASSIVE badge", `document.querySelector('#link-detail [data-testid="link-status"]')?.dataset.status === 'PASSIVE'`)
	webtest.Screenshot(t, ctx, "links-04-passive")

	// The QR on the detail page and the poster print sheet load their images.
	waitFor(t, ctx, "detail QR loaded", `document.querySelector('[data-testid="detail-qr"]').complete && document.querySelector('[data-testid="detail-qr"]').naturalWidth > 0`)
	id := strings.TrimPrefix(detailURL, ta.URL+"/links/")
	posterHref := "/links/" + id + "/print?layout=poster"
	if got := attr(t, ctx, `[data-testid="print-poster"]`, "href"); got != posterHref {
		t.Errorf("poster link: got %q, want %q", got, posterHref)
	}
	// The print sheet has no app chrome (and no htmx): wait for its QR.
	do(t, ctx, "open the poster", chromedp.Navigate(ta.URL+posterHref))
	waitFor(t, ctx, "print QR loaded", `[...document.images].some(i => i.complete && i.naturalWidth > 0)`)
	webtest.Screenshot(t, ctx, "links-05-print-poster")

	// Switch it back on from its list row: htmx swaps the row and the flash.
	open(t, ctx, ta.URL+"/links?name=istanbul")
	waitFor(t, ctx, "the row", `document.querySelectorAll('[data-testid="link-row"]').length === 1`)
	do(t, ctx, "activate from the row", chromedp.Click(chromedp.CSS(`[data-testid="link-row"] [data-testid="toggle-status"]`)))
	waitFor(t, ctx, "ACTIVE badge in the row", `document.querySelector('[data-testid="link-row"] [data-testid="link-status"]')?.dataset.status === 'ACTIVE' &&
		document.querySelector('#flash [data-testid="flash-success"]')?.textContent === 'Link etkinleştirildi.'`)
	// Delete from the row, accepting the confirm dialog. A fresh page, so
	// htmx has surely wired the swapped row up before the click.
	open(t, ctx, ta.URL+"/links?name=istanbul")
	do(t, ctx, "delete", chromedp.Click(chromedp.CSS(`[data-testid="link-row"] [data-testid="delete-link"]`)))
	waitFor(t, ctx, "row removed", `document.querySelectorAll('[data-testid="link-row"]').length === 0`)
	webtest.Screenshot(t, ctx, "links-06-deleted")
	found, err := ta.Craftgate.Products.Search(context.Background(), craftclient.ProductSearchRequest{Name: "istanbul"})
	if err != nil {
		t.Fatal(err)
	}
	if found.TotalSize != 0 {
		t.Errorf("got %d İstanbul links upstream after the delete, want 0", found.TotalSize)
	}
}

// clearInput empties a field the way select-all and delete would, without
// firing change (the inline validation swaps the field on change).
func clearInput(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.getElementById("` + id + `").value = ""`)
}

// clickAndLoad clicks something that loads a new page (a link, or an htmx
// form answered with HX-Redirect) and waits for that page.
func clickAndLoad(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css)))); err != nil {
		t.Fatalf("click %s and wait for the page: %v", css, err)
	}
	waitFor(t, ctx, "page ready", `document.readyState === 'complete' && window.htmx !== undefined`)
}

// open navigates and waits until htmx has wired the page up.
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, "open "+url, chromedp.Navigate(url))
	waitFor(t, ctx, "page ready", `document.readyState === 'complete' && window.htmx !== undefined`)
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls a JavaScript predicate until it holds (no sleeps).
func waitFor(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		webtest.Screenshot(t, ctx, "links-failed")
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

func attr(t *testing.T, ctx context.Context, css, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil {
		t.Fatalf("%s of %s: %v", name, css, err)
	}
	return v.Value
}

// TestBrowserStaleFieldAnswerIsDropped: an inline-validation answer about
// a value the person has since changed must not be swapped in, or it would
// put the old text back over what they typed (it happened under load).
// The answer is simulated with htmx's own event, as htmx raises it.
func TestBrowserStaleFieldAnswerIsDropped(t *testing.T) {
	ctx := webtest.Browser(t)
	ta := webtest.New(t, webtest.Options{})
	ta.SignIn(t, ctx, acctUser(t, ta, "kasa@shop.example", app.RoleStaff))
	open(t, ctx, ta.URL+views.PathLinkNew)
	swaps, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`(() => {
		const field = document.getElementById("link-price").closest(".link-field");
		const answer = sent => {
			const formData = new FormData();
			formData.set("price", sent);
			const detail = {target: field, requestConfig: {formData}, shouldSwap: true};
			field.dispatchEvent(new CustomEvent("htmx:beforeSwap", {detail, bubbles: true}));
			return detail.shouldSwap;
		};
		document.getElementById("link-price").value = "1.234,56";
		return [answer("12abc"), answer("1.234,56")];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(swaps) != 2 || swaps[0] || !swaps[1] {
		t.Errorf("swaps %v: want the stale answer dropped and the current one swapped", swaps)
	}
}
