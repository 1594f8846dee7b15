package handlers_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"linkdesk/app"
	"linkdesk/providers"
	"linkdesk/web"

	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
	"linkdesk/store"
	"linkdesk/web/qr"
	"linkdesk/web/webtest"
)

// coreOn returns a core on env's database and Paywall, or on the wrappers
// given, with its own clock (nil is real time): without the server around
// it a test controls the request's context and sees every store call.
func (e *payEnv) coreOn(st app.Store, pw app.PaymentProvider, now func() time.Time) *app.App {
	if st == nil {
		st = e.ta.Store
	}
	if pw == nil {
		pw = providers.NewPayments(e.ta.Paywall, webtest.SandboxHashKey)
	}
	return app.New(app.Config{Store: st, Payments: pw, Now: now, PaymentsConfig: app.PaymentsConfig{CallbackURLs: web.CallbackURLs(e.ta.URL)}})
}

// testSite is what the test app's pages show about the installation.
var testSite = handlers.Site{Merchant: webtest.Merchant, Sandbox: true}

// paymentsOn returns payment handlers over coreOn(st, pw, nil), to be
// called in-process.
func (e *payEnv) paymentsOn(st app.Store, pw app.PaymentProvider) *handlers.Payments {
	core := e.coreOn(st, pw, nil)
	return handlers.NewPayments(testSite, core.Payments, core.Users, qr.New(16), nil, nil)
}

// echoContext is a request for a handler called in-process; code fills the
// :code route parameter and header is a list of name, value pairs.
func echoContext(ctx context.Context, method, target, code, body string, header ...string) (echo.Context, *httptest.ResponseRecorder) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(ctx, method, target, r)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	if code != "" {
		c.SetParamNames("code")
		c.SetParamValues(code)
	}
	return c, rec
}

// countingStore counts the reads a payment page may skip.
type countingStore struct {
	*store.DB
	callbacks, users int
}

func (s *countingStore) CallbacksFor(ctx context.Context, code string) ([]app.Callback, error) {
	s.callbacks++
	return s.DB.CallbacksFor(ctx, code)
}

func (s *countingStore) ListUsers(ctx context.Context) ([]app.User, error) {
	s.users++
	return s.DB.ListUsers(ctx)
}
