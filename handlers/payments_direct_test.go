package handlers_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
	"linkdesk/store"
	"linkdesk/web/qr"
)

// paymentsOn returns payment handlers on env's store and Paywall, or on
// the wrappers given, to be called in-process: without the server around
// them a test controls the request's context and sees every store call.
func (e *payEnv) paymentsOn(st handlers.PaymentStore, apm handlers.APMClient) *handlers.Payments {
	if st == nil {
		st = e.app.Store
	}
	if apm == nil {
		apm = e.app.Paywall.APM
	}
	return handlers.NewPayments(e.app.Config.Site, st, apm, e.app.Reconciler, qr.New(16), e.app.Config.Payments.PublicURL, nil, nil)
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

func (s *countingStore) CallbacksFor(ctx context.Context, code string) ([]store.CallbackRecord, error) {
	s.callbacks++
	return s.DB.CallbacksFor(ctx, code)
}

func (s *countingStore) ListUsers(ctx context.Context) ([]store.User, error) {
	s.users++
	return s.DB.ListUsers(ctx)
}
