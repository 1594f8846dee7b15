package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/providers"
	"linkdesk/store"
	"linkdesk/web"
	"linkdesk/web/webtest"
)

func TestReconcileSettlesLostCallbacks(t *testing.T) {
	env := newPayEnv(t, webtest.Options{CallbackURL: "http://127.0.0.1:1"})
	paid := env.startPayment(t, env.staff, paymentForm("10", "TRY", "Ödendi, bildirim yok"))
	declined := env.startPayment(t, env.staff, paymentForm("11", "TRY", "Reddedildi, bildirim yok"))
	open := env.startPayment(t, env.staff, paymentForm("12", "TRY", "Bekliyor"))
	env.wallet(t, env.payment(t, paid).UniqueCode, "pay")
	env.wallet(t, env.payment(t, declined).UniqueCode, "decline")
	ctx := context.Background()

	// Fresh payments are left to their callbacks. (The clock goes back so
	// a slow machine cannot age them past the minimum meanwhile.)
	env.clock.Advance(-time.Minute)
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if p := env.payment(t, paid); p.Status != app.PaymentStatusPending || p.CheckedAt != nil {
		t.Errorf("a fresh payment was reconciled: %s, checked %v", p.Status, p.CheckedAt)
	}

	env.clock.Advance(time.Minute + 10*time.Second)
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]app.PaymentStatus{
		paid: app.PaymentStatusPaid, declined: app.PaymentStatusFailed, open: app.PaymentStatusPending,
	} {
		p := env.payment(t, code)
		if p.Status != want || p.CheckedAt == nil {
			t.Errorf("%s: %s checked %v, want %s and checked", p.Description, p.Status, p.CheckedAt, want)
		}
	}
	events := env.audits(t, paid)
	last := events[len(events)-1]
	if last.Action != "payment.settle" || last.ActorID != nil || !strings.Contains(string(last.After), `"source":"reconcile"`) {
		t.Errorf("audit %s by %v after %s, want a system settle from reconcile", last.Action, last.ActorID, last.After)
	}
	// A second pass changes nothing and audits nothing.
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := settleCount(env.audits(t, paid)); n != 1 {
		t.Errorf("%d settle audits after two passes, want 1", n)
	}
}

func TestReconcileExpiresUnpaid(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("30", "TRY", "Süresi dolacak"))
	ctx := context.Background()

	env.clock.Advance(14 * time.Minute)
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusPending {
		t.Fatalf("before the timeout: %s, want pending", p.Status)
	}
	env.clock.Advance(2 * time.Minute)
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	p := env.payment(t, code)
	if p.Status != app.PaymentStatusExpired {
		t.Fatalf("after the timeout: %s, want expired", p.Status)
	}
	if s, _, doc := env.status(t, env.viewer, code); s != "expired" || testID(doc, "payment-result").AttrOr("data-result", "") != "expired" {
		t.Errorf("status %q, want expired", s)
	}

	// The customer pays anyway: the late callback is refused and flagged.
	env.wallet(t, p.UniqueCode, "pay")
	if got := env.payment(t, code).Status; got != app.PaymentStatusExpired {
		t.Errorf("after a late payment: %s, want still expired", got)
	}
	cbs := env.callbacks(t, code)
	if len(cbs) != 1 || cbs[0].Accepted || cbs[0].Reason != "already_final" {
		t.Errorf("late callback recorded as %+v, want refused already_final", cbs)
	}
	if !strings.Contains(env.ta.Logs.String(), "refund it at the provider") {
		t.Error("a payment taken after expiry was not logged for a person to refund")
	}
}

func TestReconcileNeverStarted(t *testing.T) {
	fault := newFaultPaywall(t)
	env := newPayEnv(t, webtest.Options{PaywallURL: fault.URL})
	fault.pointAt(env.ta)
	fault.set(onGenerate(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	code := env.startPayment(t, env.staff, paymentForm("5", "TRY", "Hiç başlamadı"))
	ctx := context.Background()

	env.clock.Advance(time.Minute)
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusPending || p.CheckedAt == nil {
		t.Fatalf("unknown upstream before the timeout: %s checked %v, want pending and checked", p.Status, p.CheckedAt)
	}

	// While Paywall cannot answer, nothing is decided, even past the timeout.
	fault.set(func(w http.ResponseWriter, _ *http.Request) bool {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return true
	})
	env.clock.Advance(20 * time.Minute)
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err == nil {
		t.Error("RunOnce hid the failed query")
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusPending {
		t.Fatalf("with Paywall down: %s, want pending", p.Status)
	}

	fault.set(func(http.ResponseWriter, *http.Request) bool { return false })
	if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusExpired {
		t.Errorf("never started, past the timeout: %s, want expired", p.Status)
	}
}

// A start cut off by a crash leaves a pending row Paywall never heard of.
// The restarted instance takes back its own leases and marks it failed so
// staff can retry it, instead of showing "waiting for the provider" until
// the timeout; a start another instance may still be waiting on is left
// alone.
func TestReconcileMarksStartLostInCrash(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	ctx := context.Background()
	until := time.Now().Add(time.Minute)
	later := func() time.Time { return time.Now().Add(10 * time.Second) }
	tests := []struct {
		name, owner, wantErr string
	}{
		{"another instance's start may be in flight", "counter-2", ""},
		{"this instance's start, cut off by its crash", "counter-1", "payment.start_lost"},
	}
	var lost string
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &app.Payment{MerchantUniqueCode: fmt.Sprintf("cut-off-start-%d", i), CallbackToken: fmt.Sprintf("token-of-a-cut-off-start-%d", i),
				Amount: decimal.New(5, 0), Currency: "TRY", Description: "Yarıda kesildi", Provider: "papara", LeaseOwner: tt.owner, LeaseUntil: &until}
			if err := env.ta.Store.CreatePayment(ctx, p); err != nil {
				t.Fatal(err)
			}
			core := app.New(app.Config{Store: env.ta.Store, Payments: providers.NewPayments(env.ta.Paywall, webtest.SandboxHashKey),
				Now: later, Instance: "counter-1", PaymentsConfig: app.PaymentsConfig{CallbackURLs: web.CallbackURLs(env.ta.URL)}})
			if err := core.Payments.TakeBackLeases(ctx); err != nil {
				t.Fatal(err)
			}
			if err := core.Payments.ReconcileOnce(ctx); err != nil {
				t.Fatal(err)
			}
			got := env.payment(t, p.MerchantUniqueCode)
			if got.Status != app.PaymentStatusPending || got.LastError != tt.wantErr {
				t.Errorf("got %s with error %q, want pending with %q", got.Status, got.LastError, tt.wantErr)
			}
			if tt.wantErr != "" {
				lost = p.MerchantUniqueCode
			}
		})
	}
	doc := parseResp(t, env.staff.Get(t, "/payments/"+lost))
	if testID(doc, "payment-start-error").Length() != 1 || testID(doc, "payment-retry").Length() != 1 {
		t.Error("the counter screen should show the lost start and offer a retry")
	}
}

// hangUpStore cancels the caller's context inside each transaction, once
// its writes are made and before it commits: a callback's sender hanging
// up, or the worker stopping, mid-settlement.
type hangUpStore struct {
	*store.DB
	cancel context.CancelFunc
}

func (s hangUpStore) InTx(ctx context.Context, fn func(tx app.Tx) error) error {
	return s.DB.InTx(ctx, func(tx app.Tx) error {
		err := fn(tx)
		s.cancel()
		return err
	})
}

// A settlement is audited, and its callback recorded, even when the caller
// is gone between the status write and the audit row.
func TestSettleOutlivesCancel(t *testing.T) {
	env := newPayEnv(t, webtest.Options{CallbackURL: "http://127.0.0.1:1"})
	tests := []struct {
		name       string
		settle     func(ctx context.Context, core *app.App, p *app.Payment) error
		wantSource string
	}{
		{"callback sender hangs up", func(ctx context.Context, core *app.App, p *app.Payment) error {
			h := handlers.NewCallbacks(testSite, core.Payments)
			c, resp := echoContext(ctx, http.MethodPost, "/callbacks/paywall/"+p.CallbackToken+"/success", "",
				callbackForm(p, true, "10.00").Encode(), "Content-Type", "application/x-www-form-urlencoded")
			c.SetParamNames("token")
			c.SetParamValues(p.CallbackToken)
			if err := h.Success(c); err != nil || resp.Code != http.StatusOK {
				return fmt.Errorf("callback: got %d %v, want 200", resp.Code, err)
			}
			cbs := env.callbacks(t, p.MerchantUniqueCode)
			if len(cbs) != 1 || !cbs[0].Accepted || cbs[0].Reason != "settled" {
				return fmt.Errorf("callbacks recorded %+v, want one accepted settled", cbs)
			}
			return nil
		}, "callback"},
		{"worker stops", func(ctx context.Context, core *app.App, _ *app.Payment) error {
			return core.Payments.ReconcileOnce(ctx)
		}, "reconcile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := env.startPayment(t, env.staff, paymentForm("10", "TRY", "Yarıda kapandı"))
			env.wallet(t, env.payment(t, code).UniqueCode, "pay") // its callback is lost
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			core := env.coreOn(hangUpStore{DB: env.ta.Store, cancel: cancel}, nil, func() time.Time { return time.Now().Add(time.Minute) })
			if err := tt.settle(ctx, core, env.payment(t, code)); err != nil {
				t.Fatal(err)
			}
			if p := env.payment(t, code); p.Status != app.PaymentStatusPaid {
				t.Errorf("payment %s, want paid", p.Status)
			}
			events := env.audits(t, code)
			if last := events[len(events)-1]; last.Action != "payment.settle" || !strings.Contains(string(last.After), `"source":"`+tt.wantSource+`"`) {
				t.Errorf("last audit %s after %s, want the settle from %s", last.Action, last.After, tt.wantSource)
			}
		})
	}
}

// A payment refunded at Paywall while still pending here (its callback
// lost) is settled once, as paid with its refund when the amount is known,
// and not queried again.
func TestReconcileSettlesRefundedUpstream(t *testing.T) {
	env := newPayEnv(t, webtest.Options{CallbackURL: "http://127.0.0.1:1"})
	ctx := context.Background()
	tests := []struct {
		name         string
		refund       func(uniqueCode string) error
		wantStatus   app.PaymentStatus
		wantRefunded string
		wantAudit    string
		wantLogged   string
	}{
		{"full refund", func(uniqueCode string) error {
			_, err := env.ta.Paywall.APM.Refund(ctx, uniqueCode)
			return err
		}, app.PaymentStatusRefunded, "10", "payment.start,payment.settle,payment.refund", ""},
		{"partial refund", func(uniqueCode string) error {
			_, err := env.ta.Paywall.APM.RefundPartial(ctx, uniqueCode, craftclient.NewAmount(decimal.NewFromInt(4)))
			return err
		}, app.PaymentStatusPaid, "0", "payment.start,payment.settle", "payment partially refunded at the provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := env.startPayment(t, env.staff, paymentForm("10", "TRY", "Sağlayıcıda iade"))
			uniqueCode := env.payment(t, code).UniqueCode
			env.wallet(t, uniqueCode, "pay") // its callback is lost
			if err := tt.refund(uniqueCode); err != nil {
				t.Fatal(err)
			}
			env.clock.Advance(time.Minute)
			if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
				t.Fatal(err)
			}
			p := env.payment(t, code)
			if p.Status != tt.wantStatus || !p.RefundedAmount.Equal(decimal.RequireFromString(tt.wantRefunded)) || p.CheckedAt == nil {
				t.Fatalf("after a pass: %s refunded %s checked %v, want %s refunded %s", p.Status, p.RefundedAmount, p.CheckedAt, tt.wantStatus, tt.wantRefunded)
			}
			if got := strings.Join(actions(env.audits(t, code)), ","); got != tt.wantAudit {
				t.Errorf("audit %s, want %s", got, tt.wantAudit)
			}
			// Settled, it is not asked about again, nor logged again.
			env.clock.Advance(time.Minute)
			if err := env.ta.Core.Payments.ReconcileOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if again := env.payment(t, code); !again.CheckedAt.Equal(*p.CheckedAt) {
				t.Errorf("queried again at %v after %v", again.CheckedAt, p.CheckedAt)
			}
			if tt.wantLogged != "" {
				if n := strings.Count(env.ta.Logs.String(), tt.wantLogged); n != 1 {
					t.Errorf("%q logged %d times, want once", tt.wantLogged, n)
				}
			}
		})
	}
}
