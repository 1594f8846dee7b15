package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linkdesk/app"
	"linkdesk/providers"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/web/webtest"
)

// paidPayment starts a payment and pays it in the wallet.
func (e *payEnv) paidPayment(t *testing.T, amount string) *app.Payment {
	t.Helper()
	code := e.startPayment(t, e.staff, paymentForm(amount, "TRY", "İade edilecek"))
	e.wallet(t, e.payment(t, code).UniqueCode, "pay")
	p := e.payment(t, code)
	if p.Status != app.PaymentStatusPaid {
		t.Fatalf("payment not paid: %s", p.Status)
	}
	return p
}

func (e *payEnv) refund(t *testing.T, c *webtest.Client, code, amount string) *http.Response {
	t.Helper()
	return c.PostForm(t, "/payments/"+code+"/refund", url.Values{"amount": {amount}})
}

func TestRefundPartialThenFull(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	p := env.paidPayment(t, "100")
	code := p.MerchantUniqueCode

	doc := parseResp(t, env.owner.Get(t, "/payments/"+code+"/refund"))
	if got, _ := testID(doc, "field-amount").Attr("value"); got != "100,00" {
		t.Errorf("refund form defaults to %q, want the remainder as Turkish writes it, 100,00", got)
	}
	for _, c := range []*webtest.Client{env.staff, env.viewer} {
		if resp := env.refund(t, c, code, "1"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("refund by a non-owner: got %d, want 403", resp.StatusCode)
		}
	}

	if resp := env.refund(t, env.owner, code, "40,00"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("partial refund: got %d\n%s", resp.StatusCode, body(t, resp))
	}
	p = env.payment(t, code)
	if p.Status != app.PaymentStatusPartiallyRefunded || !p.RefundedAmount.Equal(decimal.NewFromInt(40)) {
		t.Fatalf("after 40: %s refunded %s", p.Status, p.RefundedAmount)
	}

	resp := env.refund(t, env.owner, code, "60.01")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("over-refund: got %d, want 422", resp.StatusCode)
	}
	if doc := parseResp(t, resp); testID(doc, "error-amount").Length() != 1 {
		t.Error("over-refund shows no amount error")
	}

	if resp := env.refund(t, env.owner, code, "60"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refund of the remainder: got %d", resp.StatusCode)
	}
	p = env.payment(t, code)
	if p.Status != app.PaymentStatusRefunded || !p.RefundedAmount.Equal(decimal.NewFromInt(100)) {
		t.Errorf("after the remainder: %s refunded %s, want refunded 100", p.Status, p.RefundedAmount)
	}
	tx, err := env.ta.Paywall.APM.Query(context.Background(), code)
	if err != nil || tx.StatusID != craftclient.APMStatusRefunded {
		t.Errorf("upstream after refunds: %+v %v, want status 4", tx, err)
	}
	if resp := env.refund(t, env.owner, code, "1"); resp.StatusCode != http.StatusConflict {
		t.Errorf("refund of a refunded payment: got %d, want 409", resp.StatusCode)
	}
	if got := strings.Join(actions(env.audits(t, code)), ","); got != "payment.start,payment.settle,payment.refund,payment.refund" {
		t.Errorf("audit %s", got)
	}
}

func TestRefundRefusals(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	ctx := context.Background()

	pending := env.startPayment(t, env.staff, paymentForm("10", "TRY", "Bekliyor"))
	if resp := env.owner.Get(t, "/payments/"+pending+"/refund"); resp.StatusCode != http.StatusConflict {
		t.Errorf("refund form of a pending payment: got %d, want 409", resp.StatusCode)
	}

	// Paywall refuses: its code is shown and nothing is recorded.
	p := env.paidPayment(t, "50")
	if _, err := env.ta.Paywall.APM.RefundPartial(ctx, p.UniqueCode, craftclient.NewAmount(decimal.NewFromInt(45))); err != nil {
		t.Fatal(err)
	}
	resp := env.refund(t, env.owner, p.MerchantUniqueCode, "10")
	doc := parseResp(t, resp)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(testID(doc, "refund-problem-detail").Text(), "373") {
		t.Errorf("provider refusal: got %d detail %q, want 502 naming code 373", resp.StatusCode, testID(doc, "refund-problem-detail").Text())
	}
	if got := env.payment(t, p.MerchantUniqueCode); !got.RefundedAmount.IsZero() || got.Status != app.PaymentStatusPaid {
		t.Errorf("after a refused refund: %s refunded %s, want nothing recorded", got.Status, got.RefundedAmount)
	}

	// Paywall refunds more than the store can take: loud, never silent.
	q := env.paidPayment(t, "20")
	env.recordRefund(t, q.MerchantUniqueCode, decimal.NewFromInt(15))
	resp = env.refund(t, env.owner, q.MerchantUniqueCode, "5")
	doc = parseResp(t, resp)
	if resp.StatusCode != http.StatusInternalServerError || testID(doc, "refund-unrecorded").Length() != 1 || testID(doc, "refund-form").Length() != 0 {
		t.Errorf("unrecorded refund: got %d, want 500 with the support message and no form", resp.StatusCode)
	}
	if logs := env.ta.Logs.String(); !strings.Contains(logs, "refund made at the provider but not recorded") || !strings.Contains(logs, "level=ERROR") {
		t.Error("the unrecorded refund was not logged at Error")
	}
}

// hangUpPaywall is Paywall as the core sees it while the owner closes the
// tab: the request's context is cancelled as the refund call begins, or
// once it has returned (the money has gone back).
type hangUpPaywall struct {
	app.PaymentProvider
	cancel       context.CancelFunc
	afterTheCall bool
}

func (a hangUpPaywall) Refund(ctx context.Context, uniqueCode string, amount decimal.Decimal, whole bool) (decimal.Decimal, error) {
	if !a.afterTheCall {
		a.cancel()
	}
	refunded, err := a.PaymentProvider.Refund(ctx, uniqueCode, amount, whole)
	if a.afterTheCall {
		a.cancel()
	}
	return refunded, err
}

// A refund is made, recorded and audited even when the owner's request is
// cancelled half-way, before the provider call or between it and the
// record.
func TestRefundOutlivesClosedTab(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	tests := []struct {
		name         string
		amount       string
		afterTheCall bool
		wantStatus   app.PaymentStatus
	}{
		{"tab closed as the refund starts", "30", false, app.PaymentStatusRefunded},
		{"tab closed once Paywall refunded", "10", true, app.PaymentStatusPartiallyRefunded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := env.paidPayment(t, "30")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			real := providers.NewPayments(env.ta.Paywall, webtest.SandboxHashKey)
			h := env.paymentsOn(nil, hangUpPaywall{PaymentProvider: real, cancel: cancel, afterTheCall: tt.afterTheCall})
			c, rec := echoContext(ctx, http.MethodPost, "/payments/"+p.MerchantUniqueCode+"/refund", p.MerchantUniqueCode,
				url.Values{"amount": {tt.amount}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
			handlers.SetUser(c, env.ownerUser)
			if err := h.Refund(c); err != nil || rec.Code != http.StatusSeeOther {
				t.Fatalf("refund: got %d %v, want 303\n%s", rec.Code, err, rec.Body)
			}
			got := env.payment(t, p.MerchantUniqueCode)
			if got.Status != tt.wantStatus || !got.RefundedAmount.Equal(decimal.RequireFromString(tt.amount)) {
				t.Errorf("after the refund: %s refunded %s, want %s %s", got.Status, got.RefundedAmount, tt.wantStatus, tt.amount)
			}
			if got := strings.Join(actions(env.audits(t, p.MerchantUniqueCode)), ","); got != "payment.start,payment.settle,payment.refund" {
				t.Errorf("audit %s, want the refund audited", got)
			}
		})
	}
}

// TestRefundFormRoundTripsInEitherLanguage: the form offers the remainder
// written the way the page's language writes money (#14: "75.00" on a
// Turkish page read as a mistake), and sending it back unchanged refunds
// exactly that remainder.
func TestRefundFormRoundTripsInEitherLanguage(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	for _, tt := range []struct{ lang, want string }{
		{"tr-TR,tr;q=0.9", "1.075,50"},
		{"en-GB,en;q=0.9", "1,075.50"},
	} {
		code := env.paidPayment(t, "1075.50").MerchantUniqueCode
		doc := parseResp(t, env.owner.Get(t, "/payments/"+code+"/refund", "Accept-Language", tt.lang))
		got, _ := testID(doc, "field-amount").Attr("value")
		if got != tt.want {
			t.Errorf("%s: refund form pre-fills %q, want %q", tt.lang, got, tt.want)
		}
		resp := env.owner.PostForm(t, "/payments/"+code+"/refund", url.Values{"amount": {got}}, "Accept-Language", tt.lang)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: refunding the pre-filled %q: got %d\n%s", tt.lang, got, resp.StatusCode, body(t, resp))
		}
		if p := env.payment(t, code); p.Status != app.PaymentStatusRefunded || !p.RefundedAmount.Equal(decimal.RequireFromString("1075.50")) {
			t.Errorf("%s: after refunding %q: %s refunded %s, want refunded 1075.50", tt.lang, got, p.Status, p.RefundedAmount)
		}
	}
}
