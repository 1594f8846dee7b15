package app_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
)

// engines are the databases the rules across instances are checked on.
var engines = []string{"sqlite", "postgres"}

// race runs a and b at the same moment and returns their errors.
func race(a, b func() error) [2]error {
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	wg.Go(func() { errs[0] = a() })
	wg.Go(func() { errs[1] = b() })
	wg.Wait()
	return errs
}

// countRefused counts the errors that are want, or the invalid-field
// error of field's key when key is set; any other error fails t.
func countRefused(t *testing.T, errs [2]error, want error, field, key string) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, want), key != "" && app.ErrorFields(err)[field] == key:
			n++
		case err != nil:
			t.Fatal(err)
		}
	}
	return n
}

// TestInstances_LastOwner: two owners, each signed in on another
// instance, demote each other at the same moment. The owners lock makes
// the two transactions take turns on any engine, so one is refused and
// one owner remains.
func TestInstances_LastOwner(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			for round := range 5 {
				e := MustOpenEnvOn(t, engine)
				peer := e.Peer(t, "instance-b")
				a := MustCreateUser(t, e, "a@shop.example", app.RoleOwner, "owner password")
				b := MustCreateUser(t, e, "b@shop.example", app.RoleOwner, "owner password")
				errs := race(func() error {
					_, err := e.App.Users.SetRole(ctx, actor(b), a.ID, app.RoleStaff)
					return err
				}, func() error {
					_, err := peer.Users.SetRole(ctx, actor(a), b.ID, app.RoleStaff)
					return err
				})
				refused := countRefused(t, errs, app.ErrLastOwner, "", "")
				if n, err := e.DB.CountEnabledOwners(ctx); err != nil || n != 1 || refused != 1 {
					t.Fatalf("round %d: %d owners left (%v), %d refused; want 1 and 1", round, n, err, refused)
				}
			}
		})
	}
}

// TestInstances_Refund: two people refund more than half of one payment
// each, on two instances at the same moment. Intents take turns, so one
// refund is made and the other refused (as not refundable, or as more
// than remains when the first was done before it began), never both.
func TestInstances_Refund(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			for round := range 5 {
				e := MustOpenEnvOn(t, engine)
				peer := e.Peer(t, "instance-b")
				owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
				p := MustPaidPayment(t, e, "100")
				refund := func(core *app.App) func() error {
					return func() error {
						_, _, err := core.Payments.Refund(ctx, actor(owner), p.MerchantUniqueCode, "60")
						return err
					}
				}
				refused := countRefused(t, race(refund(e.App), refund(peer)), app.ErrNotRefundable, "amount", "refund.amount_over")
				got := mustPayment(t, e, p.MerchantUniqueCode)
				if refused != 1 || !got.RefundedAmount.Equal(dec("60")) || len(mustRefunds(t, e, p.MerchantUniqueCode)) != 1 {
					t.Fatalf("round %d: %d refused, %s refunded, %d intents; want 1, 60 and 1", round, refused, got.RefundedAmount, len(mustRefunds(t, e, p.MerchantUniqueCode)))
				}
			}
		})
	}
}

// TestInstances_LeaseKeepsOthersOff: while another instance holds a
// payment's lease (its start waiting for Paywall, or its reconciler
// asking), "check now" here leaves it as it is without asking Paywall, a
// retry is refused as busy, and the reconciler passes it over; once the
// lease has ended, all of them may work on it again.
func TestInstances_LeaseKeepsOthersOff(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	until := e.Clock.Now().Add(2 * time.Minute)
	p := &app.Payment{MerchantUniqueCode: "leased-1", CallbackToken: "0123456789abcdef0123456789abcdef",
		Amount: dec("30"), Currency: "TRY", Description: "Kahve", Provider: "papara", LeaseOwner: "instance-b", LeaseUntil: &until}
	if err := e.DB.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	if got, changed, err := e.App.Payments.Check(ctx, app.System, p.MerchantUniqueCode); err != nil || changed || got.LastError != "" {
		t.Errorf("check now under another's lease: got %+v, %t, %v; want it unchanged", got, changed, err)
	}
	if _, err := e.App.Payments.Retry(ctx, app.System, p.MerchantUniqueCode); !errors.Is(err, app.ErrPaymentBusy) {
		t.Errorf("retry under another's lease: got %v, want %v", err, app.ErrPaymentBusy)
	}
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.Paywall.Calls("Query"); n != 0 {
		t.Errorf("Paywall asked %d times about a payment another instance holds, want 0", n)
	}
	e.Clock.Advance(time.Minute + time.Second) // the lease ended: instance-b is gone
	if _, _, err := e.App.Payments.Check(ctx, app.System, p.MerchantUniqueCode); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, p.MerchantUniqueCode); got.LastError != "payment.start_lost" || e.Paywall.Calls("Query") != 1 {
		t.Errorf("check now after the lease ended: got %q after %d queries, want payment.start_lost after 1", got.LastError, e.Paywall.Calls("Query"))
	}
}
