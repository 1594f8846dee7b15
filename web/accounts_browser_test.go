package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"linkdesk/web/webtest"
)

func acctByTestID(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// TestBrowserFirstRunToAuditLog walks a fresh installation in Chromium:
// setup, adding a user, signing out, a refused and a good sign-in, and the
// audit log that recorded it all. It checks the forms work under the real
// CSP and CSRF rules, which plain HTTP tests cannot.
func TestBrowserFirstRunToAuditLog(t *testing.T) {
	ctx := webtest.Browser(t)
	ta := webtest.New(t, webtest.Options{})
	const email, pw = "owner@shop.example", "correct horse battery"

	err := chromedp.Do(ctx,
		chromedp.Navigate(ta.URL+"/"),
		chromedp.WaitVisible(acctByTestID("setup-form")),
		chromedp.SendKeys(chromedp.ID("setup-email"), email),
		chromedp.SendKeys(chromedp.ID("setup-name"), "Ayşe Demir"),
		chromedp.SendKeys(chromedp.ID("setup-password"), pw),
		chromedp.SendKeys(chromedp.ID("setup-password_confirm"), pw),
		chromedp.Click(acctByTestID("setup-submit")),
		chromedp.WaitVisible(acctByTestID("tile-links")),

		chromedp.Navigate(ta.URL+"/users/new"),
		chromedp.WaitVisible(acctByTestID("user-form")),
		chromedp.SendKeys(chromedp.ID("user-email"), "veli@shop.example"),
		chromedp.SendKeys(chromedp.ID("user-name"), "Veli"),
		chromedp.SetValue(chromedp.ID("user-role"), "viewer"),
		chromedp.SendKeys(chromedp.ID("user-password"), "short"),
		chromedp.Click(acctByTestID("user-submit")),
		chromedp.WaitVisible(acctByTestID("error-summary")),
		chromedp.SendKeys(chromedp.ID("user-password"), "a long enough password"),
		chromedp.Click(acctByTestID("user-submit")),
		chromedp.WaitVisible(acctByTestID("users-table")),
	)
	if err != nil {
		t.Fatalf("setup and add user: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="user-row"]').length`))
	if err != nil || rows != 2 {
		t.Fatalf("user rows %d (%v), want 2", rows, err)
	}
	webtest.Screenshot(t, ctx, "accounts-users")

	err = chromedp.Do(ctx,
		chromedp.Click(acctByTestID("logout")),
		chromedp.WaitVisible(acctByTestID("login-form")),
		chromedp.SendKeys(chromedp.ID("login-email"), email),
		chromedp.SendKeys(chromedp.ID("login-password"), "not the password"),
		chromedp.Click(acctByTestID("login-submit")),
		chromedp.WaitVisible(acctByTestID("login-problem")),
		chromedp.SendKeys(chromedp.ID("login-password"), pw),
		chromedp.Click(acctByTestID("login-submit")),
		chromedp.WaitVisible(acctByTestID("tile-links")),
		chromedp.Navigate(ta.URL+"/audit"),
		chromedp.WaitVisible(acctByTestID("audit-table")),
	)
	if err != nil {
		t.Fatalf("sign out, sign in, audit log: %v", err)
	}
	actions, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid="audit-row"]')).map(r => r.dataset.action)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"auth.login", "auth.login_failed", "auth.logout", "user.create", "user.create"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("audit row %d: %s, want %s (all: %v)", i, actions[i], want[i], actions)
		}
	}
	webtest.Screenshot(t, ctx, "accounts-audit")

	// Disabling asks for confirmation first (data-confirm).
	go webtest.AcceptDialogs(ctx)
	err = chromedp.Do(ctx,
		chromedp.Navigate(ta.URL+"/users"),
		chromedp.Click(chromedp.CSS(`[data-email="veli@shop.example"] [data-testid="user-manage"]`)),
		chromedp.WaitVisible(acctByTestID("role-form")),
		chromedp.Click(acctByTestID("user-disable")),
		chromedp.WaitVisible(acctByTestID("user-enable")),
	)
	if err != nil {
		t.Fatalf("disable a user: %v", err)
	}
	webtest.Screenshot(t, ctx, "accounts-user")
}
