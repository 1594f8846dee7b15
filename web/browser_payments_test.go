package web_test

import (
	"context"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/chromedp/chromedp"

	"linkdesk/web/webtest"
)

// The counter screen turns to the result by itself when the customer pays
// or declines on their phone (the wallet simulator, in a second tab).
func TestBrowserPaymentSettlesOnItsOwn(t *testing.T) {
	tests := []struct{ wallet, result string }{
		{"wallet-pay", "paid"},
		{"wallet-decline", "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.result, func(t *testing.T) {
			ta := webtest.New(t, webtest.Options{})
			counter, payment := startBrowserPayment(t, ta)
			answerOnPhone(t, counter, payment, tt.wallet, "payment-wallet-"+tt.result)

			// Polling every 2 s; a few polls at most.
			wait, cancel := context.WithTimeout(counter, 30*time.Second)
			defer cancel()
			if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS("[data-testid=payment-result][data-result="+tt.result+"]"))); err != nil {
				t.Fatalf("the counter screen did not turn %s by itself: %v", tt.result, err)
			}
			if err := chromedp.Do(counter, chromedp.WaitNotPresent(chromedp.CSS("[data-testid=payment-status][hx-trigger]"))); err != nil {
				t.Errorf("the settled screen still polls: %v", err)
			}
			webtest.Screenshot(t, counter, "payment-counter-"+tt.result)
		})
	}
}

// startBrowserPayment signs staff in on a new browser, starts a payment
// through the form and waits for the counter screen.
func startBrowserPayment(t *testing.T, ta *webtest.App) (context.Context, app.Payment) {
	t.Helper()
	staff := &app.User{Email: "kasa@example.com", Role: app.RoleStaff, PasswordHash: []byte("signed in by cookie")}
	if err := ta.Store.CreateUser(context.Background(), staff); err != nil {
		t.Fatal(err)
	}
	counter := webtest.Browser(t)
	ta.SignIn(t, counter, staff)

	err := chromedp.Do(counter,
		chromedp.Navigate(ta.URL+"/payments/new"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=payment-form]")),
		chromedp.SendKeys(chromedp.ID("payment-amount"), "1.234,56"),
		chromedp.SendKeys(chromedp.ID("payment-description"), "Tarayıcı testi"),
	)
	if err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	webtest.Screenshot(t, counter, "payment-new")
	err = chromedp.Do(counter,
		chromedp.Click(chromedp.CSS("[data-testid=payment-submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=payment-qr]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=payment-status][data-status=pending]")),
	)
	if err != nil {
		t.Fatalf("start a payment: %v", err)
	}
	webtest.Screenshot(t, counter, "payment-counter-pending")
	payments, _, err := ta.Store.ListPayments(context.Background(), app.PaymentFilter{})
	if err != nil || len(payments) != 1 {
		t.Fatalf("payments %v %v, want one", payments, err)
	}
	return counter, payments[0]
}

// answerOnPhone opens the payment's wallet page in a second tab and presses
// the button with testid wallet there.
func answerOnPhone(t *testing.T, counter context.Context, p app.Payment, wallet, screenshot string) {
	t.Helper()
	phone, closePhone := chromedp.NewContext(counter)
	defer closePhone()
	err := chromedp.Do(phone,
		chromedp.Navigate(p.QRContent),
		chromedp.Click(chromedp.CSS("[data-testid="+wallet+"]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=callback-outcome]")),
	)
	if err != nil {
		t.Fatalf("wallet: %v", err)
	}
	webtest.Screenshot(t, phone, screenshot)
}

// The counter screen stops asking while its tab is hidden (a tab left in
// the background) and asks at once when it is shown again.
func TestBrowserCounterPausesWhileHidden(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	counter, payment := startBrowserPayment(t, ta)

	// Record each poll the page attempts and whether it went out; this
	// listener runs after app.js's, so it sees its decision. Then hide.
	_, err := chromedp.Run(counter, chromedp.Evaluate[chromedp.Void](`
		window.polls = [];
		document.addEventListener("htmx:beforeRequest", e => {
			if (e.detail.elt.hasAttribute("data-poll")) window.polls.push(e.defaultPrevented ? "held" : "sent");
		});
		Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
	`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, counter, "a poll while hidden", `window.polls.length >= 1`)

	answerOnPhone(t, counter, payment, "wallet-pay", "payment-wallet-hidden")
	paid, err := ta.Store.PaymentByCode(context.Background(), payment.MerchantUniqueCode)
	if err != nil || paid.Status != app.PaymentStatusPaid {
		t.Fatalf("payment after the wallet: %+v %v, want paid", paid, err)
	}
	// Another poll comes due after the payment is paid: it must be held
	// too, so the hidden screen still shows pending.
	waitFor(t, counter, "a poll after paying", `window.polls.length >= 2`)
	polls, err := chromedp.Run(counter, chromedp.Evaluate[[]string](`window.polls`))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range polls {
		if p != "held" {
			t.Fatalf("poll %d while hidden was %s, want held (all: %v)", i+1, p, polls)
		}
	}
	if err := chromedp.Do(counter, chromedp.WaitVisible(chromedp.CSS("[data-testid=payment-status][data-status=pending]"))); err != nil {
		t.Fatalf("the hidden screen changed without asking: %v", err)
	}

	// Shown again: it asks right away and turns paid.
	_, err = chromedp.Run(counter, chromedp.Evaluate[chromedp.Void](`
		delete document.hidden;
		document.dispatchEvent(new Event("visibilitychange"));
	`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, counter, "the paid result", `document.querySelector("[data-testid=payment-result][data-result=paid]") !== null`)
	polls, err = chromedp.Run(counter, chromedp.Evaluate[[]string](`window.polls`))
	if err != nil {
		t.Fatal(err)
	}
	if len(polls) == 0 || polls[len(polls)-1] != "sent" {
		t.Errorf("polls %v: the last, when shown again, must have been sent", polls)
	}
}
