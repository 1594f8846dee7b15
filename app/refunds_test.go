package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// refundGrace is how long the reconciler leaves an open refund to the
// request that opened it (app's refundGrace, two minutes).
const refundGrace = 2 * time.Minute

func mustRefunds(tb testing.TB, e *Env, code string) []app.Refund {
	tb.Helper()
	rs, err := e.DB.RefundsOf(ctx, code)
	if err != nil {
		tb.Fatalf("refunds of %s: %v", code, err)
	}
	return rs
}

func TestRefund_IntentFirst(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	p := MustPaidPayment(t, e, "100")
	var (
		seen error
		was  = p.RefundedAmount // before the refund under way
	)
	e.Paywall.RefundFn = func(ctx context.Context, unique string, amount decimal.Decimal, whole bool) (decimal.Decimal, error) {
		// When Paywall is asked, the intent is stored and nothing else changed.
		rs, err := e.DB.RefundsOf(ctx, p.MerchantUniqueCode)
		switch {
		case err != nil:
			seen = err
		case len(rs) == 0 || rs[len(rs)-1].Status != app.RefundOpen || !rs[len(rs)-1].Amount.Equal(amount):
			seen = fmt.Errorf("intents %+v, want an open one for %s", rs, amount)
		case unique != p.UniqueCode:
			seen = fmt.Errorf("refund of %s, want Paywall's code %s", unique, p.UniqueCode)
		}
		if now := mustPayment(t, e, p.MerchantUniqueCode); seen == nil && !now.RefundedAmount.Equal(was) {
			seen = fmt.Errorf("payment already shows %s refunded", now.RefundedAmount)
		}
		return amount, nil
	}

	steps := []struct {
		amount   string
		whole    bool
		status   app.PaymentStatus
		refunded string
	}{
		{"30,50", false, app.PaymentStatusPartiallyRefunded, "30.50"},
		{"69.50", true, app.PaymentStatusRefunded, "100"}, // everything that remains
	}
	for i, s := range steps {
		after, refunded, err := e.App.Payments.Refund(ctx, actor(owner), p.MerchantUniqueCode, s.amount)
		if err != nil {
			t.Fatalf("refund %d: %v", i, err)
		}
		if seen != nil {
			t.Fatalf("refund %d, when Paywall was asked: %v", i, seen)
		}
		was = after.RefundedAmount
		if after.Status != s.status || !after.RefundedAmount.Equal(dec(s.refunded)) {
			t.Errorf("refund %d: payment %s with %s refunded, want %s with %s", i, after.Status, after.RefundedAmount, s.status, s.refunded)
		}
		if want, _ := app.ParseMoney(s.amount); !refunded.Equal(want) {
			t.Errorf("refund %d: refunded %s, want %s", i, refunded, want)
		}
		rs := mustRefunds(t, e, p.MerchantUniqueCode)
		if r := rs[len(rs)-1]; len(rs) != i+1 || r.Status != app.RefundDone || !r.Refunded.Equal(refunded) || r.Whole != s.whole || *r.ActorID != owner.ID {
			t.Errorf("refund %d: intents %+v, want the last done by the owner", i, rs)
		}
		if n := auditCount(t, e, "payment.refund", p.MerchantUniqueCode); n != i+1 {
			t.Errorf("refund %d: payment.refund rows: got %d, want %d", i, n, i+1)
		}
	}
	if _, _, err := e.App.Payments.Refund(ctx, actor(owner), p.MerchantUniqueCode, "1"); !errors.Is(err, app.ErrNotRefundable) {
		t.Errorf("refund of a refunded payment: got %v, want ErrNotRefundable", err)
	}
	if n := e.Paywall.Calls("Refund"); n != 2 {
		t.Errorf("Paywall refunds: got %d, want 2", n)
	}

	whole := MustPaidPayment(t, e, "25")
	if _, _, err := e.App.Payments.Refund(ctx, actor(owner), whole.MerchantUniqueCode, "25"); err != nil {
		t.Fatal(err)
	}
	if rs := mustRefunds(t, e, whole.MerchantUniqueCode); len(rs) != 1 || !rs[0].Whole {
		t.Errorf("refund of everything: got %+v, want it sent as whole", rs)
	}
}

func TestRefund_Refused(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	p := MustPaidPayment(t, e, "100")
	pending := MustStartPayment(t, e, "100")

	tests := []struct {
		name   string
		code   string
		amount string
		field  string // the field error's key, or "" for ErrNotRefundable
	}{
		{"more than paid", p.MerchantUniqueCode, "100,01", "refund.amount_over"},
		{"zero", p.MerchantUniqueCode, "0", "refund.amount_positive"},
		{"three decimals", p.MerchantUniqueCode, "0,005", "refund.amount_decimals"},
		{"not an amount", p.MerchantUniqueCode, "all", "refund.amount_invalid"},
		{"not paid yet", pending.MerchantUniqueCode, "10", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.App.Payments.Refund(ctx, app.System, tt.code, tt.amount)
			if tt.field == "" {
				if !errors.Is(err, app.ErrNotRefundable) {
					t.Fatalf("got %v, want ErrNotRefundable", err)
				}
				return
			}
			if got := app.ErrorFields(err); got["amount"] != tt.field {
				t.Fatalf("got %v, want amount: %s", err, tt.field)
			}
		})
	}

	refusal := &app.ProviderError{Provider: "paywall", Kind: app.ProviderFailedCall, Code: "4003", Description: "refund window closed"}
	refund := e.Paywall.RefundFn
	e.Paywall.RefundFn = func(context.Context, string, decimal.Decimal, bool) (decimal.Decimal, error) {
		return decimal.Zero, refusal
	}
	_, _, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "40")
	if pe, ok := app.AsProviderError(err); !ok || pe != refusal {
		t.Fatalf("Paywall's refusal: got %v, want it returned", err)
	}
	rs := mustRefunds(t, e, p.MerchantUniqueCode)
	if len(rs) != 1 || rs[0].Status != app.RefundFailed || rs[0].Problem != "error.502: 4003 refund window closed" {
		t.Errorf("intents: got %+v, want one failed with Paywall's code", rs)
	}
	if got := mustPayment(t, e, p.MerchantUniqueCode); got.Status != app.PaymentStatusPaid || !got.RefundedAmount.IsZero() {
		t.Errorf("payment: got %s with %s refunded, want untouched", got.Status, got.RefundedAmount)
	}
	if n := auditCount(t, e, "payment.refund", ""); n != 0 {
		t.Errorf("payment.refund rows: got %d, want 0", n)
	}
	// A failed intent does not hold the amount back.
	e.Paywall.RefundFn = refund
	if _, _, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "100"); err != nil {
		t.Errorf("refund of everything after a refused one: %v", err)
	}
}

// TestRefund_ConcurrentExceed: two refunds at once that together ask for
// more than remains: one goes through, the other is refused, and Paywall
// is asked once.
func TestRefund_ConcurrentExceed(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)

	t.Run("at once", func(t *testing.T) {
		p := MustPaidPayment(t, e, "100")
		calls := e.Paywall.Calls("Refund")
		errs := make([]error, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				<-start
				_, _, errs[i] = e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "60")
			})
		}
		close(start)
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, app.ErrNotRefundable), app.ErrorFields(err)["amount"] == "refund.amount_over":
				refused++
			default:
				t.Fatalf("got %v, want success or a refusal", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("got %d through and %d refused, want 1 and 1", ok, refused)
		}
		if got := mustPayment(t, e, p.MerchantUniqueCode); !got.RefundedAmount.Equal(dec("60")) {
			t.Errorf("refunded: got %s, want 60", got.RefundedAmount)
		}
		if n := e.Paywall.Calls("Refund") - calls; n != 1 {
			t.Errorf("Paywall refunds: got %d, want 1", n)
		}
	})

	t.Run("while the first waits for Paywall", func(t *testing.T) {
		p := MustPaidPayment(t, e, "100")
		entered, release := make(chan struct{}), make(chan struct{})
		refund := e.Paywall.RefundFn
		var once sync.Once
		e.Paywall.RefundFn = func(ctx context.Context, unique string, amount decimal.Decimal, whole bool) (decimal.Decimal, error) {
			first := false
			once.Do(func() { first = true })
			if first {
				close(entered)
				<-release
			}
			return refund(ctx, unique, amount, whole)
		}
		defer func() { e.Paywall.RefundFn = refund }()
		first := make(chan error, 1)
		go func() {
			_, _, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "60")
			first <- err
		}()
		within(t, entered, "the first refund to reach Paywall")
		// The open intent holds 60 of the 100 back.
		if _, _, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "60"); !errors.Is(err, app.ErrNotRefundable) {
			t.Errorf("second refund: got %v, want ErrNotRefundable", err)
		}
		close(release)
		if err := within(t, first, "the first refund"); err != nil {
			t.Fatalf("first refund: %v", err)
		}
		if got := mustPayment(t, e, p.MerchantUniqueCode); !got.RefundedAmount.Equal(dec("60")) || got.Status != app.PaymentStatusPartiallyRefunded {
			t.Errorf("payment: got %s with %s refunded, want 60 partially refunded", got.Status, got.RefundedAmount)
		}
	})
}

// TestRefund_CrashAfterPaywallRefunded: Paywall refunds, then recording it
// fails as a dying process would; the intent stays open, and the
// reconciler finishes it once its grace is over.
func TestRefund_CrashAfterPaywallRefunded(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	p := MustPaidPayment(t, e, "100")
	refund := e.Paywall.RefundFn
	e.Paywall.RefundFn = func(ctx context.Context, unique string, amount decimal.Decimal, whole bool) (decimal.Decimal, error) {
		e.Payments.set(p.MerchantUniqueCode, app.ProviderRefunded, "")
		e.Store.setHooks(nil, func(tx app.Tx) app.Tx { return failFinishTx{tx} }) // the crash
		return refund(ctx, unique, amount, whole)
	}
	_, refunded, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "100")
	e.Store.setHooks(nil, nil)
	if !errors.Is(err, app.ErrRefundUnrecorded) || !errors.Is(err, errCrash) {
		t.Fatalf("got %v, want ErrRefundUnrecorded caused by the crash", err)
	}
	wantCode(t, err, app.CodeInternal, "refund.unrecorded")
	if !refunded.Equal(dec("100")) {
		t.Errorf("refunded: got %s, want what Paywall refunded", refunded)
	}
	if got := mustPayment(t, e, p.MerchantUniqueCode); got.Status != app.PaymentStatusPaid || !got.RefundedAmount.IsZero() {
		t.Fatalf("payment after the crash: got %+v, want nothing recorded", got)
	}
	if rs := mustRefunds(t, e, p.MerchantUniqueCode); len(rs) != 1 || rs[0].Status != app.RefundOpen {
		t.Fatalf("intents after the crash: got %+v, want one open", rs)
	}
	if n := auditCount(t, e, "payment.refund", ""); n != 0 {
		t.Fatalf("payment.refund rows after the crash: got %d, want 0", n)
	}

	// Within its grace the intent is left to the request.
	restarted := e.Restart()
	if err := restarted.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if rs := mustRefunds(t, e, p.MerchantUniqueCode); rs[0].Status != app.RefundOpen {
		t.Fatalf("intent within its grace: got %s, want open", rs[0].Status)
	}
	e.Clock.Advance(refundGrace + time.Second)
	if err := restarted.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := mustPayment(t, e, p.MerchantUniqueCode)
	if got.Status != app.PaymentStatusRefunded || !got.RefundedAmount.Equal(dec("100")) {
		t.Errorf("payment after reconciling: got %s with %s refunded, want refunded", got.Status, got.RefundedAmount)
	}
	if rs := mustRefunds(t, e, p.MerchantUniqueCode); rs[0].Status != app.RefundDone || !rs[0].Refunded.Equal(dec("100")) {
		t.Errorf("intent after reconciling: got %+v, want done", rs[0])
	}
	if n := auditCount(t, e, "payment.refund", p.MerchantUniqueCode); n != 1 {
		t.Errorf("payment.refund rows: got %d, want 1", n)
	}
	if err := restarted.Payments.ReconcileOnce(ctx); err != nil || auditCount(t, e, "payment.refund", "") != 1 {
		t.Errorf("another pass: %v, want nothing more recorded", err)
	}
}

// TestReconcile_OpenRefunds finishes intents a crashed process left open,
// written here as it would have left them, from what Paywall says.
func TestReconcile_OpenRefunds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		amount       string // the payment
		recorded     string // refunded before the crash, "" for none
		intent       string
		whole        bool
		paywall      app.ProviderStatus
		status       app.RefundStatus
		payment      app.PaymentStatus
		refundedThen string
	}{
		{"whole, refunded at Paywall", "100", "", "100", true, app.ProviderRefunded, app.RefundDone, app.PaymentStatusRefunded, "100"},
		{"the rest, refunded at Paywall", "100", "40", "60", false, app.ProviderRefunded, app.RefundDone, app.PaymentStatusRefunded, "100"},
		{"part, the first", "100", "", "30", false, app.ProviderPartiallyRefunded, app.RefundDone, app.PaymentStatusPartiallyRefunded, "30"},
		{"never made", "100", "", "100", true, app.ProviderPaid, app.RefundFailed, app.PaymentStatusPaid, "0"},
		{"part after another part", "100", "40", "30", false, app.ProviderPartiallyRefunded, app.RefundUnresolved, app.PaymentStatusPartiallyRefunded, "40"},
		{"part, but all refunded at Paywall", "100", "", "30", false, app.ProviderRefunded, app.RefundUnresolved, app.PaymentStatusPaid, "0"},
		{"whole, but only part at Paywall", "100", "", "100", true, app.ProviderPartiallyRefunded, app.RefundUnresolved, app.PaymentStatusPaid, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := MustOpenEnv(t)
			p := MustPaidPayment(t, e, tt.amount)
			if tt.recorded != "" {
				if _, _, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, tt.recorded); err != nil {
					t.Fatal(err)
				}
				p = mustPayment(t, e, p.MerchantUniqueCode)
			}
			r := &app.Refund{PaymentCode: p.MerchantUniqueCode, Amount: dec(tt.intent), Whole: tt.whole, Status: app.RefundOpen, ActorEmail: "staff@shop.example"}
			if err := e.DB.CreateRefund(ctx, r); err != nil {
				t.Fatal(err)
			}
			e.Payments.set(p.MerchantUniqueCode, tt.paywall, "")
			before := auditCount(t, e, "payment.refund", p.MerchantUniqueCode)
			e.Clock.Advance(refundGrace + time.Second)
			if err := e.Restart().Payments.ReconcileOnce(ctx); err != nil {
				t.Fatal(err)
			}
			rs := mustRefunds(t, e, p.MerchantUniqueCode)
			got := rs[len(rs)-1]
			if got.ID != r.ID || got.Status != tt.status {
				t.Errorf("intent: got %s (%s), want %s", got.Status, got.Problem, tt.status)
			}
			if tt.status != app.RefundDone && got.Problem == "" {
				t.Error("a failed or unresolved intent gives no reason")
			}
			now := mustPayment(t, e, p.MerchantUniqueCode)
			if now.Status != tt.payment || !now.RefundedAmount.Equal(dec(tt.refundedThen)) {
				t.Errorf("payment: got %s with %s refunded, want %s with %s", now.Status, now.RefundedAmount, tt.payment, tt.refundedThen)
			}
			wantRows := 0
			if tt.status == app.RefundDone {
				wantRows = 1
			}
			if n := auditCount(t, e, "payment.refund", p.MerchantUniqueCode) - before; n != wantRows {
				t.Errorf("payment.refund rows: got %d, want %d", n, wantRows)
			}
		})
	}
}
