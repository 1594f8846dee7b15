package handlers_test

import (
	"context"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"linkdesk/web/qr/qrtest"
	"linkdesk/web/webtest"
)

// payEnv is a running app with one user per role.
type payEnv struct {
	ta                   *webtest.App
	owner, staff, viewer *webtest.Client
	staffUser            *app.User
	ownerUser            *app.User
	clock                *testClock
}

func newPayEnv(t *testing.T, opts webtest.Options) *payEnv {
	t.Helper()
	clock := &testClock{}
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	if opts.ClientTimeout == 0 {
		// Generous: a loaded CI machine must not turn a slow sandbox call
		// into a failed start. Fault tests answer at once anyway.
		opts.ClientTimeout = 30 * time.Second
	}
	ta := webtest.New(t, opts)
	env := &payEnv{ta: ta, clock: clock}
	env.ownerUser = mustCreateUser(t, ta, "owner@example.com", app.RoleOwner)
	env.staffUser = mustCreateUser(t, ta, "kasa@example.com", app.RoleStaff)
	viewerUser := mustCreateUser(t, ta, "izleyici@example.com", app.RoleViewer)
	env.owner, env.staff, env.viewer = ta.As(t, env.ownerUser), ta.As(t, env.staffUser), ta.As(t, viewerUser)
	return env
}

// testClock is the reconciler's clock: real time plus an offset.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// paymentForm is a valid new-payment form for the sandbox's Papara (62).
func paymentForm(amount, currency, description string) url.Values {
	return url.Values{"amount": {amount}, "currency": {currency}, "description": {description}, "provider": {"62"}}
}

// startPayment posts the form and returns the new payment's code.
func (e *payEnv) startPayment(t *testing.T, c *webtest.Client, form url.Values) string {
	t.Helper()
	resp := c.PostForm(t, "/payments", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /payments: got %d, want 303; body:\n%s", resp.StatusCode, body(t, resp))
	}
	loc := resp.Header.Get("Location")
	code, ok := strings.CutPrefix(loc, "/payments/")
	if !ok || code == "" || strings.Contains(code, "/") {
		t.Fatalf("POST /payments redirected to %q, want /payments/{code}", loc)
	}
	return code
}

func (e *payEnv) payment(t *testing.T, code string) *app.Payment {
	t.Helper()
	p, err := e.ta.Store.PaymentByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("payment %s: %v", code, err)
	}
	return p
}

func (e *payEnv) callbacks(t *testing.T, code string) []app.Callback {
	t.Helper()
	cbs, err := e.ta.Store.CallbacksFor(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return cbs
}

// audits returns the audit actions recorded for a payment, oldest first.
func (e *payEnv) audits(t *testing.T, code string) []app.AuditEvent {
	t.Helper()
	events, _, err := e.ta.Store.ListAudit(context.Background(), app.AuditFilter{TargetType: "payment", TargetID: code})
	if err != nil {
		t.Fatal(err)
	}
	// ListAudit is newest first.
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return events
}

func actions(events []app.AuditEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

// wallet presses Pay or Decline in the sandbox's wallet simulator, as the
// customer's phone would; the sandbox posts the callback before answering.
func (e *payEnv) wallet(t *testing.T, uniqueCode, action string) {
	t.Helper()
	resp := e.ta.Anonymous(t).Do(t, http.MethodPost, "/sandbox/paywall/wallet/"+uniqueCode+"/"+action, strings.NewReader(""))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("wallet %s: got %d, want 200", action, resp.StatusCode)
	}
}

// status polls the status fragment as htmx does and returns the shown status.
func (e *payEnv) status(t *testing.T, c *webtest.Client, code string) (string, *http.Response, *goquery.Document) {
	t.Helper()
	resp := c.Get(t, "/payments/"+code+"/status", "HX-Request", "true")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200", resp.StatusCode)
	}
	doc := parseFragment(t, resp)
	s, _ := doc.Find("[data-testid=payment-status]").Attr("data-status")
	return s, resp, doc
}

func parseResp(t *testing.T, resp *http.Response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// parseFragment parses an htmx answer, which must not be a whole page.
func parseFragment(t *testing.T, resp *http.Response) *goquery.Document {
	t.Helper()
	b := body(t, resp)
	if strings.Contains(b, "<html") || strings.Contains(b, "<!doctype") {
		t.Fatalf("%s: a whole page answered an htmx request", resp.Request.URL.Path)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func testID(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find("[data-testid=" + id + "]")
}

// decodeQR reads a PNG QR code back to its text.
func decodeQR(t *testing.T, r io.Reader) string {
	t.Helper()
	img, _, err := image.Decode(r)
	if err != nil {
		t.Fatalf("decode image: %v", err)
	}
	text, err := qrtest.Decode(img) // with the fallback for gozxing's finder mistakes
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return text
}

// faultPaywall stands between the app and the sandbox's Paywall: intercept
// answers a request itself by returning true; everything else is passed on.
type faultPaywall struct {
	*httptest.Server
	target    atomic.Pointer[url.URL]
	intercept atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
}

func newFaultPaywall(t *testing.T) *faultPaywall {
	t.Helper()
	f := &faultPaywall{}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		// SetURL also sets the Host, so the sandbox writes its own
		// address into the QR content.
		r.SetURL(f.target.Load())
	}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fn := f.intercept.Load(); fn != nil && (*fn)(w, r) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// pointAt sends passed-on requests to the app's sandbox.
func (f *faultPaywall) pointAt(ta *webtest.App) {
	u, _ := url.Parse(ta.URL + "/sandbox/paywall")
	f.target.Store(u)
}

func (f *faultPaywall) set(fn func(w http.ResponseWriter, r *http.Request) bool) {
	f.intercept.Store(&fn)
}

// onGenerate intercepts only QR generation.
func onGenerate(fn func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(strings.ToLower(r.URL.Path), "/apm/pay/qr/generate") {
			return false
		}
		fn(w, r)
		return true
	}
}

// recordRefund records a refund straight in the store, as if made at the
// provider behind the dashboard's back.
func (e *payEnv) recordRefund(t *testing.T, code string, amount decimal.Decimal) {
	t.Helper()
	p := e.payment(t, code)
	refunded := p.RefundedAmount.Add(amount)
	status := app.PaymentStatusPartiallyRefunded
	if refunded.Equal(p.Amount) {
		status = app.PaymentStatusRefunded
	}
	if err := e.ta.Store.SetPaymentRefunded(context.Background(), p, refunded, status); err != nil {
		t.Fatal(err)
	}
}
