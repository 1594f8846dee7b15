package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linkdesk/app"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/handlers"
	"linkdesk/views"
	"linkdesk/web/webtest"
)

func TestPaymentPaidThroughWallet(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("1.234,56", "TRY", "Masa 4 hesap"))

	p := env.payment(t, code)
	if p.Status != app.PaymentStatusPending || !p.Amount.Equal(decimal.RequireFromString("1234.56")) || p.UniqueCode == "" {
		t.Fatalf("after start: status %s amount %s unique code %q, want pending 1234.56 with a code", p.Status, p.Amount, p.UniqueCode)
	}
	if p.StaffEmail != "kasa@example.com" || p.StaffID == nil || *p.StaffID != env.staffUser.ID || p.Provider != "papara" {
		t.Errorf("staff %q/%v provider %q, want kasa@example.com, papara", p.StaffEmail, p.StaffID, p.Provider)
	}

	// The counter screen: QR, amount, polling status.
	doc := parseResp(t, env.viewer.Get(t, "/payments/"+code))
	if got := testID(doc, "payment-amount").Text(); got != "1.234,56 ₺" {
		t.Errorf("amount shown %q, want 1.234,56 ₺", got)
	}
	if href, _ := testID(doc, "wallet-link").Attr("href"); href != p.QRContent {
		t.Errorf("sandbox wallet link %q, want the QR's own URL %q", href, p.QRContent)
	}
	src, _ := testID(doc, "payment-qr").Attr("src")
	if src != "/payments/"+code+"/qr.png" {
		t.Errorf("QR src %q", src)
	}
	status := testID(doc, "payment-status")
	if trig, _ := status.Attr("hx-trigger"); !strings.HasPrefix(trig, "every 2s,") || !strings.Contains(trig, "pagevisible from:document") {
		t.Errorf("pending status hx-trigger %q, want every 2s and when the tab is shown again", trig)
	}
	if _, ok := status.Attr("data-poll"); !ok {
		t.Error("the pending status is not marked data-poll, so it would poll in a hidden tab")
	}

	// The QR decodes to exactly the wallet URL Paywall gave.
	resp := env.viewer.Get(t, src)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr.png: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// One payment's code, behind the sign-in: never in a shared cache, and
	// revalidated (so access is checked) on every use.
	if got := resp.Header.Get("Cache-Control"); got != "private, no-cache" {
		t.Errorf("qr.png Cache-Control %q, want private, no-cache", got)
	}
	want := env.ta.URL + "/sandbox/paywall/wallet/" + p.UniqueCode
	if got := decodeQR(t, resp.Body); got != want || got != p.QRContent {
		t.Errorf("QR decodes to %q, want %q", got, want)
	}
	// Revalidation is cheap.
	resp = env.viewer.Get(t, src, "If-None-Match", resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("qr.png with its ETag: got %d, want 304", resp.StatusCode)
	}

	if s, _, _ := env.status(t, env.viewer, code); s != "pending" {
		t.Errorf("status before paying %q, want pending", s)
	}
	env.wallet(t, p.UniqueCode, "pay")

	s, resp, doc := env.status(t, env.viewer, code)
	if s != "paid" {
		t.Fatalf("status after paying %q, want paid", s)
	}
	if got := resp.Header.Get("HX-Retarget"); got != "#payment-panel" || resp.Header.Get("HX-Reswap") != "outerHTML" {
		t.Errorf("final fragment retarget %q reswap %q, want the whole panel", got, resp.Header.Get("HX-Reswap"))
	}
	if _, polls := testID(doc, "payment-status").Attr("hx-trigger"); polls {
		t.Error("the settled status still polls")
	}
	if r, _ := testID(doc, "payment-result").Attr("data-result"); r != "paid" {
		t.Errorf("result marker %q, want paid", r)
	}

	p = env.payment(t, code)
	if p.Status != app.PaymentStatusPaid || p.SettledAt == nil {
		t.Errorf("stored %s settled %v, want paid with a time", p.Status, p.SettledAt)
	}
	cbs := env.callbacks(t, code)
	if len(cbs) != 1 || !cbs[0].Accepted || cbs[0].Reason != "settled" || cbs[0].Kind != app.CallbackKindSuccess {
		t.Errorf("callbacks %+v, want one accepted success", cbs)
	}
	events := env.audits(t, code)
	if got := strings.Join(actions(events), ","); got != "payment.start,payment.settle" {
		t.Errorf("audit %s, want payment.start,payment.settle", got)
	}
	if settle := events[len(events)-1]; settle.ActorID != nil || !strings.Contains(string(settle.After), `"source":"callback"`) {
		t.Errorf("settle audit actor %v after %s, want the system via callback", settle.ActorID, settle.After)
	}
	// The callback URL's token is a secret: neither the sandbox sending it
	// nor the dashboard receiving it may log it.
	if logs := env.ta.Logs.String(); strings.Contains(logs, p.CallbackToken) {
		t.Errorf("the callback token is in the log:\n%s", logs)
	}
}

func TestPaymentDeclinedThroughWallet(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("20", "TRY", "Kahve"))
	env.wallet(t, env.payment(t, code).UniqueCode, "decline")

	if s, _, doc := env.status(t, env.staff, code); s != "failed" || testID(doc, "payment-result").AttrOr("data-result", "") != "failed" {
		t.Errorf("status %q, want failed with the failed marker", s)
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusFailed {
		t.Errorf("stored %s, want failed", p.Status)
	}
	if cbs := env.callbacks(t, code); len(cbs) != 1 || cbs[0].Kind != app.CallbackKindFail || !cbs[0].Accepted {
		t.Errorf("callbacks %+v, want one accepted fail", cbs)
	}
}

func TestPaymentFormValidation(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	tests := []struct {
		name   string
		form   url.Values
		errors []string
	}{
		{"everything missing", url.Values{"currency": {"TRY"}}, []string{"amount", "description", "provider"}},
		{"bad amount", paymentForm("12,3,4", "TRY", "x"), []string{"amount"}},
		{"zero", paymentForm("0", "TRY", "x"), []string{"amount"}},
		{"three decimals", paymentForm("1.235", "TRY", "x"), nil}, // 1.235 is a thousands group: 1235
		{"three decimals with comma", paymentForm("1,2345", "TRY", "x"), []string{"amount"}},
		{"unknown currency", paymentForm("5", "GBP", "x"), []string{"currency", "provider"}},
		{"description too long", paymentForm("5", "TRY", strings.Repeat("ş", 201)), []string{"description"}},
		{"provider without QR", func() url.Values { f := paymentForm("5", "TRY", "x"); f.Set("provider", "64"); return f }(), []string{"provider"}},
		{"provider not for USD", func() url.Values { f := paymentForm("5", "USD", "x"); f.Set("provider", "63"); return f }(), []string{"provider"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.staff.PostForm(t, "/payments", tt.form)
			if tt.errors == nil {
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("got %d, want 303", resp.StatusCode)
				}
				return
			}
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", resp.StatusCode)
			}
			doc := parseResp(t, resp)
			for _, field := range tt.errors {
				if testID(doc, "error-"+field).Length() != 1 {
					t.Errorf("no error shown for %s", field)
				}
			}
			if n := testID(doc, "error-summary").Find("li").Length(); n != len(tt.errors) {
				t.Errorf("summary lists %d errors, want %d", n, len(tt.errors))
			}
			if got, _ := testID(doc, "field-description").Attr("value"); got != tt.form.Get("description") {
				t.Errorf("description not kept: %q", got)
			}
			if got, _ := testID(doc, "field-amount").Attr("value"); got != tt.form.Get("amount") {
				t.Errorf("amount not kept: %q", got)
			}
		})
	}
	if _, total, _ := env.ta.Store.ListPayments(context.Background(), app.PaymentFilter{}); total != 1 {
		t.Errorf("%d payments stored, want only the valid one", total)
	}
}

func TestPaymentProviderChoices(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	tests := []struct{ currency, want string }{
		{"TRY", "62,63,65"},
		{"USD", "62"},
		{"EUR", "62"},
	}
	for _, tt := range tests {
		resp := env.staff.Get(t, "/payments/providers?currency="+tt.currency, "HX-Request", "true")
		doc := parseFragment(t, resp)
		var got []string
		testID(doc, "field-provider").Find("option").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("value", "")) })
		if strings.Join(got, ",") != tt.want {
			t.Errorf("%s providers %v, want %s", tt.currency, got, tt.want)
		}
	}
	// The full form (no htmx) offers the default currency's providers.
	doc := parseResp(t, env.staff.Get(t, "/payments/new"))
	if n := testID(doc, "field-provider").Find("option").Length(); n != 3 {
		t.Errorf("new form offers %d providers, want 3 for TRY", n)
	}
	if v, _ := testID(doc, "field-currency").Attr("hx-get"); v != "/payments/providers" {
		t.Errorf("currency select hx-get %q", v)
	}
}

func TestPaymentRoles(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("10", "TRY", "Rol testi"))
	anon := env.ta.Anonymous(t)
	tests := []struct {
		name   string
		c      *webtest.Client
		method string
		path   string
		want   int
	}{
		{"viewer sees the list", env.viewer, "GET", "/payments", 200},
		{"viewer sees a payment", env.viewer, "GET", "/payments/" + code, 200},
		{"viewer may not start", env.viewer, "GET", "/payments/new", 403},
		{"viewer may not post", env.viewer, "POST", "/payments", 403},
		{"viewer may not check", env.viewer, "POST", "/payments/" + code + "/check", 403},
		{"staff may not refund", env.staff, "GET", "/payments/" + code + "/refund", 403},
		{"anonymous goes to login", anon, "GET", "/payments/" + code, 303},
		{"unknown code", env.viewer, "GET", "/payments/no-such-code", 404},
		{"unknown code QR", env.viewer, "GET", "/payments/no-such-code/qr.png", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.method == "POST" {
				resp = tt.c.PostForm(t, tt.path, url.Values{})
			} else {
				resp = tt.c.Get(t, tt.path)
			}
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestPaymentRetryAfterUpstreamFailure(t *testing.T) {
	fault := newFaultPaywall(t)
	env := newPayEnv(t, webtest.Options{PaywallURL: fault.URL})
	fault.pointAt(env.ta)
	fault.set(onGenerate(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "upstream maintenance", http.StatusServiceUnavailable)
	}))

	code := env.startPayment(t, env.staff, paymentForm("42,50", "TRY", "Yeniden dene"))
	p := env.payment(t, code)
	if p.Status != app.PaymentStatusPending || p.UniqueCode != "" || p.LastError == "" || p.Attempts != 1 {
		t.Fatalf("after a failed start: %+v, want pending, not started, with the error", p)
	}
	doc := parseResp(t, env.staff.Get(t, "/payments/"+code))
	if testID(doc, "payment-start-error").Length() != 1 || testID(doc, "payment-retry").Length() != 1 {
		t.Fatal("the counter screen shows no start error with a retry button")
	}

	fault.set(func(http.ResponseWriter, *http.Request) bool { return false })
	resp := env.staff.PostForm(t, "/payments/"+code+"/retry", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/payments/"+code {
		t.Fatalf("retry: %d to %q, want 303 to the same payment", resp.StatusCode, resp.Header.Get("Location"))
	}
	p = env.payment(t, code)
	if p.UniqueCode == "" || p.QRContent == "" || p.LastError != "" || p.Attempts != 2 {
		t.Fatalf("after retry: %+v, want started on the same row", p)
	}
	if _, total, _ := env.ta.Store.ListPayments(context.Background(), app.PaymentFilter{}); total != 1 {
		t.Errorf("%d payments, want the one row reused", total)
	}
	// A started payment is not retried again.
	if resp := env.staff.PostForm(t, "/payments/"+code+"/retry", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("second retry: got %d, want 409", resp.StatusCode)
	}
	if got := strings.Join(actions(env.audits(t, code)), ","); got != "payment.start,payment.retry" {
		t.Errorf("audit %s", got)
	}
}

// A start whose answer is lost (Paywall created it, we saw an error) is
// found on retry by its code, not generated twice.
func TestPaymentRetryFindsLostStart(t *testing.T) {
	fault := newFaultPaywall(t)
	env := newPayEnv(t, webtest.Options{PaywallURL: fault.URL})
	fault.pointAt(env.ta)
	fault.set(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/qr/generate") {
			return false
		}
		// Pass it on, then lose the answer.
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, fault.target.Load().String()+"/api/paywall/apm/pay/qr/generate", r.Body)
		req.Header = r.Header.Clone()
		if resp, err := (&http.Client{}).Do(req); err == nil {
			resp.Body.Close()
		}
		http.Error(w, "gateway timeout", http.StatusGatewayTimeout)
		return true
	})
	code := env.startPayment(t, env.staff, paymentForm("15", "TRY", "Kayıp yanıt"))
	if p := env.payment(t, code); p.UniqueCode != "" || p.LastError == "" {
		t.Fatalf("after the lost answer: %+v", p)
	}
	if resp := env.staff.PostForm(t, "/payments/"+code+"/retry", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: got %d", resp.StatusCode)
	}
	p := env.payment(t, code)
	tx, err := env.ta.Paywall.APM.Query(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if p.UniqueCode != tx.UniqueCode || p.APMTransactionID != tx.APMTransactionID || p.Status != app.PaymentStatusPending {
		t.Errorf("after retry %+v, want the provider's ids %s/%d adopted", p, tx.UniqueCode, tx.APMTransactionID)
	}
	doc := parseResp(t, env.staff.Get(t, "/payments/"+code))
	if testID(doc, "payment-qr-missing").Length() != 1 {
		t.Error("the screen does not say the QR could not be retrieved")
	}
}

func TestPaymentCheckNowSettlesLostCallback(t *testing.T) {
	env := newPayEnv(t, webtest.Options{CallbackURL: "http://127.0.0.1:1"})
	code := env.startPayment(t, env.staff, paymentForm("99.90", "TRY", "Kayıp bildirim"))
	// Callbacks reach Linkdesk by another host here; the counter screen
	// still links to the sandbox wallet.
	if href, _ := testID(parseResp(t, env.staff.Get(t, "/payments/"+code)), "wallet-link").Attr("href"); href != env.payment(t, code).QRContent {
		t.Errorf("wallet link %q, want the QR's own URL", href)
	}
	env.wallet(t, env.payment(t, code).UniqueCode, "pay")
	if p := env.payment(t, code); p.Status != app.PaymentStatusPending {
		t.Fatalf("the callback was not lost: %s", p.Status)
	}
	resp := env.staff.PostForm(t, "/payments/"+code+"/check", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("check: got %d", resp.StatusCode)
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusPaid {
		t.Errorf("after check now: %s, want paid", p.Status)
	}
	doc := parseResp(t, env.staff.Get(t, "/payments/"+code))
	if testID(doc, "flash-success").Length() != 1 {
		t.Error("no success message after the check")
	}
	events := env.audits(t, code)
	settle := events[len(events)-1]
	var after map[string]string
	_ = json.Unmarshal(settle.After, &after)
	if settle.Action != "payment.settle" || after["source"] != "reconcile" || settle.ActorEmail != "kasa@example.com" {
		t.Errorf("settle audit %s by %q after %v, want reconcile by the staff member", settle.Action, settle.ActorEmail, after)
	}
}

// The payment's code reads ?size= as the links' codes do: a number is
// clamped, anything else is refused with the same message.
func TestPaymentQRSize(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("5", "TRY", "Boyut"))
	tests := []struct {
		size   string
		status int
	}{
		{"", http.StatusOK},
		{"300", http.StatusOK},
		{"100000", http.StatusOK},
		{"-5", http.StatusOK},
		{"abc", http.StatusBadRequest},
		{"3.5", http.StatusBadRequest},
	}
	bad := views.NewLocale(views.LangTR).T("print.bad_size")
	for _, tt := range tests {
		t.Run(tt.size, func(t *testing.T) {
			resp := env.viewer.Get(t, "/payments/"+code+"/qr.png?size="+url.QueryEscape(tt.size))
			if resp.StatusCode != tt.status {
				t.Fatalf("got %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status == http.StatusBadRequest && !strings.Contains(body(t, resp), bad) {
				t.Errorf("refusal does not say %q", bad)
			}
		})
	}
}

// The counter screen polls its status every 2 s and the list's pager
// swaps only the results: those answers skip the reads only a full page
// or the settled panel shows (callbacks with their payloads, the staff
// filter's users).
func TestPaymentPagesReadOnlyWhatTheyShow(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	pending := env.startPayment(t, env.staff, paymentForm("5", "TRY", "Bekliyor"))
	paid := env.paidPayment(t, "6").MerchantUniqueCode
	tests := []struct {
		name                     string
		code                     string
		htmx                     bool
		handler                  func(*handlers.Payments, echo.Context) error
		wantCallbacks, wantUsers int
	}{
		{"status poll while pending", pending, true, (*handlers.Payments).Status, 0, 0},
		{"status poll once settled", paid, true, (*handlers.Payments).Status, 1, 0},
		{"status without htmx", pending, false, (*handlers.Payments).Status, 1, 0},
		{"counter screen", pending, false, (*handlers.Payments).Show, 1, 0},
		{"list pager", "", true, (*handlers.Payments).Index, 0, 0},
		{"list page", "", false, (*handlers.Payments).Index, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &countingStore{DB: env.ta.Store}
			var header []string
			if tt.htmx {
				header = []string{"HX-Request", "true"}
			}
			c, rec := echoContext(context.Background(), http.MethodGet, "/payments", tt.code, "", header...)
			handlers.SetUser(c, env.ownerUser)
			if err := tt.handler(env.paymentsOn(st, nil), c); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("got %d %v, want 200", rec.Code, err)
			}
			if st.callbacks != tt.wantCallbacks || st.users != tt.wantUsers {
				t.Errorf("read callbacks %d times and users %d times, want %d and %d", st.callbacks, st.users, tt.wantCallbacks, tt.wantUsers)
			}
		})
	}
}
