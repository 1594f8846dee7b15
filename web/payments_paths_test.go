package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"linkdesk/views"
	"linkdesk/web"
	"linkdesk/web/webtest"
)

// TestPaymentPathsAreRoutes checks every payment path helper against the
// registered routes, so a renamed route cannot leave a dead link behind.
func TestPaymentPathsAreRoutes(t *testing.T) {
	app := webtest.New(t, webtest.Options{})
	e := web.New(app.Config, web.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Store: app.Store,
		Craftgate: app.Craftgate, Paywall: app.Paywall, Sandbox: http.NotFoundHandler(),
	})
	code := "8d0a3c1e-7f41-4b8e-9c55-0b6e3f7d2a10"
	paths := []struct{ method, path string }{
		{"GET", views.PathPayments},
		{"GET", views.PathPaymentNew},
		{"GET", views.PathPaymentsCSV},
		{"GET", views.PathPaymentProviders},
		{"POST", views.PathPayments},
		{"GET", string(views.PaymentURL(code))},
		{"GET", views.PaymentStatusURL(code)},
		{"GET", views.PaymentQRURL(code)},
		{"POST", string(views.PaymentRetryURL(code))},
		{"POST", string(views.PaymentCheckURL(code))},
		{"GET", string(views.PaymentRefundURL(code))},
		{"POST", string(views.PaymentRefundURL(code))},
		{"POST", views.PaymentCallbackPath(strings.Repeat("ab", 32), "success")},
		{"POST", views.PaymentCallbackPath(strings.Repeat("ab", 32), "fail")},
	}
	for _, p := range paths {
		found := false
		for _, r := range e.Routes() {
			pattern := "^" + regexp.MustCompile(`:[a-zA-Z_]+`).ReplaceAllString(regexp.QuoteMeta(r.Path), `[^/]+`) + "$"
			if r.Method == p.method && regexp.MustCompile(pattern).MatchString(p.path) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s %s matches no registered route", p.method, p.path)
		}
	}
}
