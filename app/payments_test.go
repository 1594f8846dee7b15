package app_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"linkdesk/app"
)

// reconcileMinAge is past app.DefaultReconcileMinAge: the reconciler
// leaves younger payments to their callback.
const reconcileMinAge = app.DefaultReconcileMinAge + time.Second

func draft(amount string) app.PaymentDraft {
	return app.PaymentDraft{Amount: amount, Currency: "TRY", Description: "Kahve", Wallet: "7"}
}

// MustStartPayment starts a QR payment through the core with the fake
// Paywall as it is set.
func MustStartPayment(tb testing.TB, e *Env, amount string) *app.Payment {
	tb.Helper()
	p, err := e.App.Payments.Start(ctx, app.System, draft(amount))
	if err != nil {
		tb.Fatalf("start payment: %v", err)
	}
	return p
}

// MustPaidPayment starts a payment and has Paywall report it paid.
func MustPaidPayment(tb testing.TB, e *Env, amount string) *app.Payment {
	tb.Helper()
	p := MustStartPayment(tb, e, amount)
	e.Payments.set(p.MerchantUniqueCode, app.ProviderPaid, "")
	p, changed, err := e.App.Payments.Check(ctx, app.System, p.MerchantUniqueCode)
	if err != nil || !changed || p.Status != app.PaymentStatusPaid {
		tb.Fatalf("settle paid: got %v, %v, %v", p, changed, err)
	}
	return p
}

func mustPayment(tb testing.TB, e *Env, code string) *app.Payment {
	tb.Helper()
	p, err := e.App.Payments.Get(ctx, code)
	if err != nil {
		tb.Fatalf("payment %s: %v", code, err)
	}
	return p
}

func TestPayments_StartWritesRowFirst(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	start := e.Paywall.StartQRFn
	var seenBefore error
	e.Paywall.StartQRFn = func(ctx context.Context, req app.QRRequest) (*app.PaymentStart, error) {
		// When Paywall is asked, the payment and its audit row are stored.
		p, err := e.DB.PaymentByCode(ctx, req.Code)
		switch {
		case err != nil:
			seenBefore = fmt.Errorf("no payment row: %w", err)
		case p.Status != app.PaymentStatusPending || p.UniqueCode != "" || p.Attempts != 0:
			seenBefore = fmt.Errorf("payment row %+v, want a fresh pending one", p)
		default:
			evs, _, err := e.DB.ListAudit(ctx, app.AuditFilter{Action: "payment.start", TargetID: req.Code})
			if err != nil || len(evs) != 1 {
				seenBefore = fmt.Errorf("payment.start rows: got %d (%v), want 1", len(evs), err)
			}
		}
		return start(ctx, req)
	}

	p, err := e.App.Payments.Start(ctx, actor(owner), draft("149,90"))
	if err != nil {
		t.Fatal(err)
	}
	if seenBefore != nil {
		t.Fatalf("when Paywall was called: %v", seenBefore)
	}
	if p.Status != app.PaymentStatusPending || p.UniqueCode != "PW-1" || p.APMTransactionID != 9001 || p.QRContent != "qr:PW-1" ||
		p.LastError != "" || p.Attempts != 1 || p.StartedAt == nil || !p.Amount.Equal(dec("149.90")) || p.Currency != "TRY" ||
		p.Provider != "papara" || p.ConnectionID == nil || *p.ConnectionID != 7 || p.StaffID == nil || *p.StaffID != owner.ID ||
		p.StaffEmail != owner.Email || len(p.CallbackToken) < app.MinCallbackTokenLen {
		t.Fatalf("started payment: got %+v", p)
	}
	req := e.Payments.lastStart()
	success, fail := callbackURLs(p.CallbackToken)
	if req.Code != p.MerchantUniqueCode || req.Wallet != "papara" || *req.ConnectionID != 7 || !req.Amount.Equal(p.Amount) ||
		req.SuccessURL != success || req.FailURL != fail {
		t.Errorf("QR request: got %+v", req)
	}
	evs := auditEvents(t, e, app.AuditFilter{TargetID: p.MerchantUniqueCode})
	if len(evs) != 1 || evs[0].Action != "payment.start" || *evs[0].ActorID != owner.ID {
		t.Errorf("audit: got %+v, want one payment.start by the owner", evs)
	}
	other := MustStartPayment(t, e, "10")
	if other.MerchantUniqueCode == p.MerchantUniqueCode || other.CallbackToken == p.CallbackToken {
		t.Error("two payments share a code or a callback token")
	}
}

func TestPayments_StartRefused(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	tests := []struct {
		name string
		d    app.PaymentDraft
		want app.FieldErrors
	}{
		{"zero", app.PaymentDraft{Amount: "0", Currency: "TRY", Description: "Kahve", Wallet: "7"}, app.FieldErrors{"amount": "payment.amount_positive"}},
		{"three decimals", app.PaymentDraft{Amount: "0,505", Currency: "TRY", Description: "Kahve", Wallet: "7"}, app.FieldErrors{"amount": "payment.amount_decimals"}},
		{"not an amount", app.PaymentDraft{Amount: "on beş", Currency: "TRY", Description: "Kahve", Wallet: "7"}, app.FieldErrors{"amount": "payment.amount_invalid"}},
		{"currency", app.PaymentDraft{Amount: "10", Currency: "JPY", Description: "Kahve", Wallet: "7"},
			app.FieldErrors{"currency": "payment.currency_invalid", "provider": "payment.provider_unavailable"}},
		{"no description", app.PaymentDraft{Amount: "10", Currency: "TRY", Description: " ", Wallet: "7"}, app.FieldErrors{"description": "payment.description_required"}},
		{"unknown wallet", app.PaymentDraft{Amount: "10", Currency: "TRY", Description: "Kahve", Wallet: "99"}, app.FieldErrors{"provider": "payment.provider_unavailable"}},
		{"no wallet", app.PaymentDraft{Amount: "10", Currency: "TRY", Description: "Kahve"}, app.FieldErrors{"provider": "payment.provider_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.App.Payments.Start(ctx, app.System, tt.d)
			wantCode(t, err, app.CodeInvalid, "")
			if got := app.ErrorFields(err); !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Wallets unavailable: the form says so, and they are asked again next
	// time (a failure is not kept).
	e2 := MustOpenEnv(t)
	e2.Paywall.WalletsFn = func(context.Context, app.Currency) ([]app.Wallet, error) {
		return nil, &app.ProviderError{Provider: "paywall", Kind: app.ProviderUnreachable}
	}
	_, err := e2.App.Payments.Start(ctx, app.System, draft("10"))
	if got := app.ErrorFields(err); got["provider"] != "payment.providers_unavailable" {
		t.Errorf("wallets unavailable: got %v", err)
	}
	for _, env := range []*Env{e, e2} {
		if _, n, err := env.App.Payments.List(ctx, app.PaymentFilter{}); err != nil || n != 0 {
			t.Errorf("payments stored by refused starts: got %d, %v, want 0", n, err)
		}
		if n := env.Paywall.Calls("StartQR"); n != 0 {
			t.Errorf("refused starts reached Paywall %d times", n)
		}
	}
}

func TestPayments_StartProviderFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", &app.ProviderError{Provider: "paywall", Kind: app.ProviderFailedCall, Code: "1001", Description: "wallet closed"}, "error.502: 1001 wallet closed"},
		{"timeout", &app.ProviderError{Provider: "paywall", Kind: app.ProviderTimeout}, "error.504"},
		{"unreachable", &app.ProviderError{Provider: "paywall", Kind: app.ProviderUnreachable}, "error.503"},
		{"not ours", errors.New("boom"), "error.500"},
	}
	e := MustOpenEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Paywall.StartQRFn = func(context.Context, app.QRRequest) (*app.PaymentStart, error) { return nil, tt.err }
			p, err := e.App.Payments.Start(ctx, app.System, draft("10"))
			if err != nil {
				t.Fatalf("a provider failure is recorded, not returned: %v", err)
			}
			if p.Status != app.PaymentStatusPending || p.LastError != tt.want || p.Attempts != 1 || p.UniqueCode != "" || p.StartedAt != nil {
				t.Errorf("got %+v, want pending with problem %q after 1 attempt", p, tt.want)
			}
			if n := auditCount(t, e, "payment.start", p.MerchantUniqueCode); n != 1 {
				t.Errorf("payment.start rows: got %d, want 1", n)
			}
		})
	}
}

func TestPayments_Retry(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	start := e.Paywall.StartQRFn
	timeout := &app.ProviderError{Provider: "paywall", Kind: app.ProviderTimeout}
	failStart := func() *app.Payment {
		t.Helper()
		e.Paywall.StartQRFn = func(context.Context, app.QRRequest) (*app.PaymentStart, error) { return nil, timeout }
		defer func() { e.Paywall.StartQRFn = start }()
		p := MustStartPayment(t, e, "25")
		if p.LastError == "" {
			t.Fatal("start did not fail")
		}
		return p
	}

	t.Run("adopts what Paywall got", func(t *testing.T) {
		p := failStart()
		e.Payments.set(p.MerchantUniqueCode, app.ProviderOpen, "PW-77") // the timed-out start arrived
		starts := e.Paywall.Calls("StartQR")
		adopted, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode)
		if err != nil || !adopted {
			t.Fatalf("got %v, %v, want adopted", adopted, err)
		}
		p = mustPayment(t, e, p.MerchantUniqueCode)
		if p.UniqueCode != "PW-77" || p.APMTransactionID != 9077 || p.LastError != "" || p.Status != app.PaymentStatusPending {
			t.Errorf("adopted payment: got %+v", p)
		}
		if e.Paywall.Calls("StartQR") != starts {
			t.Error("a payment Paywall knows was started again")
		}
		if n := auditCount(t, e, "payment.retry", p.MerchantUniqueCode); n != 1 {
			t.Errorf("payment.retry rows: got %d, want 1", n)
		}
		if _, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode); !errors.Is(err, app.ErrRetryRefused) {
			t.Errorf("retry of a started payment: got %v, want ErrRetryRefused", err)
		}
	})
	t.Run("adopts a paid one and settles it", func(t *testing.T) {
		p := failStart()
		e.Payments.set(p.MerchantUniqueCode, app.ProviderPaid, "PW-78")
		if adopted, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode); err != nil || !adopted {
			t.Fatalf("got %v, %v, want adopted", adopted, err)
		}
		if p := mustPayment(t, e, p.MerchantUniqueCode); p.Status != app.PaymentStatusPaid || p.UniqueCode != "PW-78" {
			t.Errorf("got %+v, want paid as PW-78", p)
		}
		if _, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode); !errors.Is(err, app.ErrRetryRefused) {
			t.Errorf("retry of a paid payment: got %v, want ErrRetryRefused", err)
		}
	})
	t.Run("starts again what Paywall never got", func(t *testing.T) {
		p := failStart()
		adopted, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode)
		if err != nil || adopted {
			t.Fatalf("got %v, %v, want started anew", adopted, err)
		}
		p = mustPayment(t, e, p.MerchantUniqueCode)
		if p.UniqueCode == "" || p.LastError != "" || p.Attempts != 2 {
			t.Errorf("started again: got %+v", p)
		}
		if req := e.Payments.lastStart(); req.Code != p.MerchantUniqueCode {
			t.Errorf("the retry started %s, want the same code %s", req.Code, p.MerchantUniqueCode)
		}
	})
	t.Run("Paywall cannot say", func(t *testing.T) {
		p := failStart()
		e.Paywall.QueryFn = func(context.Context, string) (*app.ProviderPayment, error) { return nil, timeout }
		defer func() { e.Paywall.QueryFn = e.Payments.query }()
		starts := e.Paywall.Calls("StartQR")
		adopted, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode)
		if err != nil || adopted {
			t.Fatalf("got %v, %v, want not adopted, recorded", adopted, err)
		}
		if p := mustPayment(t, e, p.MerchantUniqueCode); p.LastError != "error.504" || p.Attempts != 2 || p.UniqueCode != "" {
			t.Errorf("got %+v, want the query's problem recorded", p)
		}
		if e.Paywall.Calls("StartQR") != starts {
			t.Error("started again although Paywall may have it")
		}
	})
	if _, err := e.App.Payments.Retry(ctx, app.System, "no-such-code"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown payment: got %v, want ErrNotFound", err)
	}
}

func TestReconcile_LostCallbackSettledPaid(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	p := MustStartPayment(t, e, "40")
	e.Payments.set(p.MerchantUniqueCode, app.ProviderPaid, "")

	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, p.MerchantUniqueCode); got.Status != app.PaymentStatusPending || e.Paywall.Calls("Query") != 0 {
		t.Fatalf("a fresh payment was reconciled: %s after %d queries", got.Status, e.Paywall.Calls("Query"))
	}
	e.Clock.Advance(reconcileMinAge)
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := mustPayment(t, e, p.MerchantUniqueCode)
	if got.Status != app.PaymentStatusPaid || got.SettledAt == nil || got.CheckedAt == nil {
		t.Fatalf("got %+v, want paid", got)
	}
	evs := auditEvents(t, e, app.AuditFilter{Action: "payment.settle", TargetID: p.MerchantUniqueCode})
	if len(evs) != 1 || evs[0].ActorID != nil || string(evs[0].After) != `{"source":"reconcile","status":"paid"}` {
		t.Fatalf("settle audit: got %+v, want one by the system from the reconciler", evs)
	}
	// Settled payments are not asked about again.
	queries := e.Paywall.Calls("Query")
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil || e.Paywall.Calls("Query") != queries {
		t.Errorf("second pass: %v, %d more queries, want none", err, e.Paywall.Calls("Query")-queries)
	}
}

func TestReconcile_OverdueExpired(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	open := MustStartPayment(t, e, "40")
	failed := MustStartPayment(t, e, "41")
	e.Payments.set(failed.MerchantUniqueCode, app.ProviderFailed, "")
	e.Clock.Advance(reconcileMinAge)
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, open.MerchantUniqueCode); got.Status != app.PaymentStatusPending || got.CheckedAt == nil {
		t.Fatalf("open payment before the timeout: got %+v, want pending and checked", got)
	}
	if got := mustPayment(t, e, failed.MerchantUniqueCode); got.Status != app.PaymentStatusFailed {
		t.Fatalf("failed at Paywall: got %s, want failed", got.Status)
	}
	e.Clock.Advance(app.DefaultPaymentTimeout - reconcileMinAge - time.Second)
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, open.MerchantUniqueCode); got.Status != app.PaymentStatusPending {
		t.Fatalf("a second before the timeout: got %s, want pending", got.Status)
	}
	e.Clock.Advance(time.Second)
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, open.MerchantUniqueCode); got.Status != app.PaymentStatusExpired || got.SettledAt == nil {
		t.Fatalf("at the timeout: got %+v, want expired", got)
	}
	if n := auditCount(t, e, "payment.settle", open.MerchantUniqueCode); n != 1 {
		t.Errorf("settle rows: got %d, want 1", n)
	}
}

// TestReconcile_StartLostAfterCrash: a payment whose process died while
// waiting for Paywall's answer, and that Paywall never got, is marked
// failed so staff can retry it: at once by the same instance restarted
// (it takes back its own leases), by others when the start's lease ends.
// A start another instance may still be waiting on is left alone.
func TestReconcile_StartLostAfterCrash(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, func(c *app.Config) { c.Instance = "counter-1" })
	until := e.Clock.Now().Add(2 * time.Minute) // the lease a start holds
	crashed := &app.Payment{MerchantUniqueCode: "crashed-1", CallbackToken: "0123456789abcdef0123456789abcdef",
		Amount: dec("30"), Currency: "TRY", Description: "Kahve", Provider: "papara", LeaseOwner: "counter-1", LeaseUntil: &until}
	if err := e.DB.CreatePayment(ctx, crashed); err != nil { // what Start wrote before the crash
		t.Fatal(err)
	}
	// A start of another instance, Paywall's answer still awaited.
	inFlight := &app.Payment{MerchantUniqueCode: "in-flight-1", CallbackToken: "fedcba9876543210fedcba9876543210",
		Amount: dec("30"), Currency: "TRY", Description: "Kahve", Provider: "papara", LeaseOwner: "counter-2", LeaseUntil: &until}
	if err := e.DB.CreatePayment(ctx, inFlight); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(reconcileMinAge)
	restarted := e.Restart()
	if err := restarted.Payments.TakeBackLeases(ctx); err != nil {
		t.Fatal(err)
	}
	if err := restarted.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, crashed.MerchantUniqueCode); got.LastError != "payment.start_lost" || got.Status != app.PaymentStatusPending {
		t.Errorf("start cut off by a crash: got %+v, want pending with payment.start_lost", got)
	}
	if got := mustPayment(t, e, inFlight.MerchantUniqueCode); got.LastError != "" {
		t.Errorf("start maybe in flight: got problem %q, want none yet", got.LastError)
	}
	e.Clock.Advance(2 * time.Minute) // its lease ended: counter-2 is gone
	if err := restarted.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, inFlight.MerchantUniqueCode); got.LastError != "payment.start_lost" {
		t.Errorf("start long gone: got problem %q, want payment.start_lost", got.LastError)
	}
	// Staff retry it: Paywall still does not know it, so it starts anew.
	if adopted, err := restarted.Payments.Retry(ctx, app.System, crashed.MerchantUniqueCode); err != nil || adopted {
		t.Fatalf("retry: got %v, %v", adopted, err)
	}
	if got := mustPayment(t, e, crashed.MerchantUniqueCode); got.UniqueCode == "" || got.LastError != "" {
		t.Errorf("after the retry: got %+v, want started", got)
	}
}

func TestReconcile_RefundedWhilePending(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	whole := MustStartPayment(t, e, "149,90")
	part := MustStartPayment(t, e, "50")
	e.Payments.set(whole.MerchantUniqueCode, app.ProviderRefunded, "")
	e.Payments.set(part.MerchantUniqueCode, app.ProviderPartiallyRefunded, "")
	e.Clock.Advance(reconcileMinAge)
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := mustPayment(t, e, whole.MerchantUniqueCode)
	if got.Status != app.PaymentStatusRefunded || !got.RefundedAmount.Equal(got.Amount) || got.SettledAt == nil {
		t.Errorf("refunded at Paywall: got %+v, want refunded in full", got)
	}
	for action, want := range map[string]int{"payment.settle": 1, "payment.refund": 1} {
		if n := auditCount(t, e, action, whole.MerchantUniqueCode); n != want {
			t.Errorf("%s rows: got %d, want %d", action, n, want)
		}
	}
	got = mustPayment(t, e, part.MerchantUniqueCode)
	if got.Status != app.PaymentStatusPaid || !got.RefundedAmount.IsZero() {
		t.Errorf("partly refunded at Paywall: got %s %s, want paid, left to a person", got.Status, got.RefundedAmount)
	}
	if n := auditCount(t, e, "payment.refund", part.MerchantUniqueCode); n != 0 {
		t.Errorf("refund rows for an unknown partial amount: got %d, want 0", n)
	}
}
