package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/store/pgtest"
	"linkdesk/views"
	"linkdesk/web/webtest"
)

// upstreamFault is one way a provider can misbehave. write answers a
// request in that way; paywall says which provider's envelope to use.
type upstreamFault struct {
	name string
	// status is what handlers.Explain makes of it for a link page.
	status int
	write  func(w http.ResponseWriter, r *http.Request, paywall bool)
}

var upstreamFaults = []upstreamFault{
	{"slow past the timeout", http.StatusGatewayTimeout, func(w http.ResponseWriter, r *http.Request, _ bool) {
		// Read the body first: only then does the server notice the client
		// hanging up and cancel the request's context.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}},
	{"connection dropped", http.StatusServiceUnavailable, func(w http.ResponseWriter, r *http.Request, _ bool) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}},
	{"5xx with HTML", http.StatusBadGateway, func(w http.ResponseWriter, r *http.Request, _ bool) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")
	}},
	{"garbage body", http.StatusBadGateway, func(w http.ResponseWriter, r *http.Request, _ bool) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "\x00\xffnot json at all }{")
	}},
	{"truncated JSON", http.StatusBadGateway, func(w http.ResponseWriter, r *http.Request, paywall bool) {
		w.Header().Set("Content-Type", "application/json")
		if paywall {
			_, _ = io.WriteString(w, `{"ErrorCode":0,"Result":true,"Message":"","Body":{"UniqueCode":"ab`)
			return
		}
		_, _ = io.WriteString(w, `{"data":{"id":7,"name":"Kah`)
	}},
	{"signature refused", http.StatusBadGateway, func(w http.ResponseWriter, r *http.Request, paywall bool) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		if paywall {
			_, _ = io.WriteString(w, `{"ErrorCode":401,"Result":false,"Message":"Unauthorized","Body":null}`)
			return
		}
		_, _ = io.WriteString(w, `{"errors":{"errorCode":"10011","errorDescription":"Geçersiz imza"}}`)
	}},
	{"200 with an error envelope", http.StatusBadGateway, func(w http.ResponseWriter, r *http.Request, paywall bool) {
		w.Header().Set("Content-Type", "application/json")
		if paywall {
			_, _ = io.WriteString(w, `{"ErrorCode":287,"Result":false,"Message":"ApmConnectionNotActive","Body":null}`)
			return
		}
		_, _ = io.WriteString(w, `{"errors":{"errorCode":"10051","errorDescription":"İşlem şu anda yapılamıyor"}}`)
	}},
}

// faultUpstream plays both providers: it answers Paywall's provider list
// so the payment form validates, and meets every other request with the
// fault while on is set, counting what it received by method.
type faultUpstream struct {
	*httptest.Server
	on    atomic.Bool
	posts atomic.Int64
}

func newFaultUpstream(t *testing.T, f upstreamFault) *faultUpstream {
	t.Helper()
	u := &faultUpstream{}
	u.on.Store(true)
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paywall := strings.Contains(r.URL.Path, "/api/paywall/")
		if strings.HasSuffix(r.URL.Path, "/apm/list") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ErrorCode":0,"Result":true,"Message":"","Body":[{"ProviderId":1,"ProviderKey":"papara","ProviderName":"Papara","CategoryName":"Cüzdan","ConnectionId":62,"Features":{"QrBased":true}}]}`)
			return
		}
		if r.Method == http.MethodPost {
			u.posts.Add(1)
		}
		if !u.on.Load() {
			healthyAnswer(w, r, paywall)
			return
		}
		f.write(w, r, paywall)
	}))
	t.Cleanup(u.Close)
	return u
}

// healthyAnswer is the provider back to normal: an empty link search, a
// created link, a started QR payment.
func healthyAnswer(w http.ResponseWriter, r *http.Request, paywall bool) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case paywall:
		_, _ = io.WriteString(w, `{"ErrorCode":0,"Result":true,"Message":"","Body":{"ApmTransactionId":9,"UniqueCode":"healthy-unique-code","QrDetail":{"FormatType":1,"Content":"https://pay.example/qr"}}}`)
	case r.Method == http.MethodPost:
		_, _ = io.WriteString(w, `{"data":{"id":8,"name":"Çay","status":"ACTIVE","price":5,"currency":"TRY","token":"t8","enabledInstallments":[1],"url":"https://pay.example/t8","channel":"kasa"}}`)
	default:
		_, _ = io.WriteString(w, `{"data":{"page":0,"size":25,"totalSize":0,"items":[]}}`)
	}
}

// goErrorText is what a Go error shown to a user would contain.
var goErrorText = []string{"context deadline", "EOF", "dial tcp", "invalid character", "unexpected end", "craftclient", "Client.Timeout", "connection reset", "%!"}

func TestUpstreamFaults(t *testing.T) {
	for _, engine := range webtest.Engines {
		t.Run(engine, func(t *testing.T) { testUpstreamFaults(t, engine) })
	}
}

func testUpstreamFaults(t *testing.T, engine string) {
	for i, f := range upstreamFaults {
		lang := []views.Lang{"tr", "en"}[i%2]
		t.Run(f.name, func(t *testing.T) {
			up := newFaultUpstream(t, f)
			ta := webtest.New(t, webtest.Options{CraftgateURL: up.URL, PaywallURL: up.URL, ClientTimeout: 300 * time.Millisecond, Engine: engine})
			staff := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "kasa parolası 123"))
			l := views.NewLocale(lang)
			hdr := []string{"Accept-Language", string(lang)}
			wantMessage := l.T(fmt.Sprintf("error.%d", f.status))

			// Create a link: the form comes back with every value typed,
			// and the create reached the provider exactly once.
			form := url.Values{"name": {"Kahve"}, "description": {"Kahve ve kurabiye"}, "price": {"1.234,56"}, "currency": {"TRY"},
				"enabledInstallments": {"1", "3"}, "stock": {"3"}, "channel": {"kasa"}, "orderId": {""}, "expiresAt": {""}}
			doc := faultPage(t, staff.PostForm(t, "/links", form, hdr...), f.status)
			if got := doc.Find("[data-testid=form-problem] [data-testid=error-message]").Text(); got != wantMessage {
				t.Errorf("create: message %q, want %q", got, wantMessage)
			}
			for field, want := range map[string]string{"name": "Kahve", "price": "1.234,56", "stock": "3", "channel": "kasa"} {
				if got, _ := doc.Find("[data-testid=input-" + field + "]").Attr("value"); got != want {
					t.Errorf("create: %s not kept: got %q, want %q", field, got, want)
				}
			}
			if got := doc.Find("[data-testid=input-description]").Text(); got != "Kahve ve kurabiye" {
				t.Errorf("create: description not kept: got %q", got)
			}
			if _, ok := doc.Find("[data-testid=installment-3]").Attr("checked"); !ok {
				t.Error("create: installment 3 not kept")
			}
			if got := up.posts.Load(); got != 1 {
				t.Errorf("create: the provider got %d creates, want exactly 1", got)
			}

			// List links.
			doc = faultPage(t, staff.Get(t, "/links?name=kahve", hdr...), f.status)
			if got := doc.Find("[data-testid=links-problem] [data-testid=error-message]").Text(); got != wantMessage {
				t.Errorf("list: message %q, want %q", got, wantMessage)
			}

			// Start a payment: the counter screen opens on a pending row
			// that says why it did not start, and offers a retry.
			code := startFaultPayment(t, staff, hdr)
			doc = faultPage(t, staff.Get(t, "/payments/"+code, hdr...), http.StatusOK)
			if got := doc.Find("[data-testid=payment-start-error]").Text(); !strings.Contains(got, l.T("payment.start_failed")) {
				t.Errorf("payment: start error %q, want it to say %q", got, l.T("payment.start_failed"))
			}
			payments, _, err := ta.Store.ListPayments(context.Background(), app.PaymentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(payments) != 1 {
				t.Fatalf("payment: %d rows, want 1", len(payments))
			}
			if p := payments[0]; p.MerchantUniqueCode != code || p.Status != app.PaymentStatusPending || p.UniqueCode != "" || p.LastError == "" {
				t.Errorf("payment row: %s %s unique %q error %q, want %s pending, not started, with the error", p.MerchantUniqueCode, p.Status, p.UniqueCode, p.LastError, code)
			}

			// Healthy afterwards.
			up.on.Store(false)
			if resp := ta.Anonymous(t).Get(t, "/healthz"); resp.StatusCode != http.StatusOK {
				t.Errorf("healthz: got %d, want 200", resp.StatusCode)
			}
			if resp := staff.PostForm(t, "/links", form, hdr...); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("create after recovery: got %d, want 303", resp.StatusCode)
			}
			faultPage(t, staff.Get(t, "/links", hdr...), http.StatusOK)
		})
	}
}

// startFaultPayment posts a valid payment and returns its code from the
// redirect: a failed start still opens the counter screen.
func startFaultPayment(t *testing.T, c *webtest.Client, hdr []string) string {
	t.Helper()
	form := url.Values{"amount": {"75,25"}, "currency": {"TRY"}, "description": {"Arıza testi"}, "provider": {"62"}}
	resp := c.PostForm(t, "/payments", form, hdr...)
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /payments: got %d, want 303:\n%.600s", resp.StatusCode, b)
	}
	code, ok := strings.CutPrefix(resp.Header.Get("Location"), "/payments/")
	if !ok || code == "" {
		t.Fatalf("POST /payments redirected to %q", resp.Header.Get("Location"))
	}
	return code
}

// faultPage checks the status and that no Go error text leaked into the
// page, and parses it.
func faultPage(t *testing.T, resp *http.Response, status int) *goquery.Document {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if resp.StatusCode != status {
		t.Errorf("%s %s: got %d, want %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status)
	}
	for _, s := range goErrorText {
		if strings.Contains(page, s) {
			t.Errorf("%s %s shows Go error text %q", resp.Request.Method, resp.Request.URL.Path, s)
		}
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestDatabaseGoesAway stops PostgreSQL under a running dashboard, as a
// crash or a network cut would: pages answer 503 with a message in the
// person's language, /healthz says so, a payment start is refused rather
// than acknowledged unwritten; and once the server is back, Linkdesk
// answers again by itself, with no restart.
func TestDatabaseGoesAway(t *testing.T) {
	pg := pgtest.Private(t)
	dbURL, err := pg.CreateDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ta := webtest.New(t, webtest.Options{Database: dbURL})
	staff := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "kasa parolası 123"))
	faultPage(t, staff.Get(t, "/payments"), http.StatusOK)

	if err := pg.Pause(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []views.Lang{"tr", "en"} {
		hdr := []string{"Accept-Language", string(lang)}
		doc := faultPage(t, staff.Get(t, "/payments", hdr...), http.StatusServiceUnavailable)
		if got, want := doc.Find("[data-testid=error-message]").Text(), views.NewLocale(lang).T("error.db_unavailable"); got != want {
			t.Errorf("%s: message %q, want %q", lang, got, want)
		}
	}
	if resp := ta.Anonymous(t).Get(t, "/healthz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database away: got %d, want 503", resp.StatusCode)
	}
	form := url.Values{"amount": {"75,25"}, "currency": {"TRY"}, "description": {"Veritabanı yok"}, "provider": {"62"}}
	if resp := staff.PostForm(t, "/payments", form); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("payment start with the database away: got %d, want 503", resp.StatusCode)
	}

	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	// The pool finds its connections dead and opens new ones; a request
	// or two may still meet an old one.
	status := 0
	for range 20 {
		resp := staff.Get(t, "/healthz")
		if status = resp.StatusCode; status == http.StatusOK {
			break
		}
	}
	if status != http.StatusOK {
		t.Fatalf("healthz after the database came back: got %d, want 200", status)
	}
	faultPage(t, staff.Get(t, "/payments"), http.StatusOK)
	defer func() {
		if t.Failed() {
			t.Log(ta.Logs.String())
		}
	}()
	code := startFaultPayment(t, staff, nil)
	payments, _, err := ta.Store.ListPayments(context.Background(), app.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(payments) != 1 || payments[0].MerchantUniqueCode != code {
		t.Errorf("payments after the outage: got %d rows, want only the one started after it (%s)", len(payments), code)
	}
}
