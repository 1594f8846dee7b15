package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linkdesk/store"
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
			app := webtest.New(t, webtest.Options{})
			staff := &store.User{Email: "kasa@example.com", Role: store.RoleStaff, PasswordHash: []byte("signed in by cookie")}
			if err := app.Store.CreateUser(context.Background(), staff); err != nil {
				t.Fatal(err)
			}
			counter := webtest.Browser(t)
			app.SignIn(t, counter, staff)

			err := chromedp.Do(counter,
				chromedp.Navigate(app.URL+"/payments/new"),
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
			payments, _, err := app.Store.ListPayments(context.Background(), store.PaymentFilter{})
			if err != nil || len(payments) != 1 {
				t.Fatalf("payments %v %v, want one", payments, err)
			}

			phone, closePhone := chromedp.NewContext(counter) // a second tab
			defer closePhone()
			err = chromedp.Do(phone,
				chromedp.Navigate(payments[0].QRContent),
				chromedp.Click(chromedp.CSS("[data-testid="+tt.wallet+"]")),
				chromedp.WaitVisible(chromedp.CSS("[data-testid=callback-outcome]")),
			)
			if err != nil {
				t.Fatalf("wallet: %v", err)
			}
			webtest.Screenshot(t, phone, "payment-wallet-"+tt.result)

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
