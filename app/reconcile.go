package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Where a settlement came from, as the audit log records it.
const (
	settleSourceCallback  = "callback"
	settleSourceReconcile = "reconcile"
)

// startLostKey is the start problem of a payment whose start was cut off
// (the server died waiting for Paywall) and that Paywall never stored.
const startLostKey = "payment.start_lost"

// leaseFor is how long an instance may work on a payment (start it, or
// ask the provider about it) before another instance may take it over:
// well past the API client's timeout (15 s by default), so a lease ends
// early only when its holder died.
const leaseFor = 2 * time.Minute

// Run reconciles at once and then every ReconcileInterval until ctx is
// done. It first takes back the leases this instance's previous run held
// (its starts cut off by a crash), so its first pass is the start-up
// recovery: payments and refunds a previous run left open are picked up.
// Leases other instances hold are theirs until they end.
func (s *Payments) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.ReconcileInterval)
	defer t.Stop()
	released := false
	for {
		if !released {
			err := s.TakeBackLeases(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("taking back this instance's payment leases failed; trying again next pass", "err", err)
			}
			released = err == nil
		}
		if err := s.ReconcileOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reconcile pass incomplete", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// TakeBackLeases ends the leases this instance's name holds. Run calls it
// at start-up, when nothing here is in flight: they are its previous
// run's, cut off by a crash, and its first pass picks them up at once.
func (s *Payments) TakeBackLeases(ctx context.Context) error {
	n, err := s.store.ReleaseLeases(ctx, s.instance)
	if err == nil && n > 0 {
		s.log.Info("took back the payments a previous run of this instance was working on", "instance", s.instance, "payments", n)
	}
	return err
}

// ReconcileOnce settles pending payments older than ReconcileMinAge by
// asking the provider, up to a page of them, least recently checked first,
// so a lost callback, a crash between the row write and the provider's
// answer, or a restart never leaves a payment open for good; then it
// finishes refunds whose answer was lost. Each payment is leased for the
// time it is worked on, so instances sharing the database never work on
// the same one at once. One failure does not stop the others; all are
// returned.
func (s *Payments) ReconcileOnce(ctx context.Context) error {
	err := s.reconcileOnce(ctx)
	if ctx.Err() == nil {
		s.observer.ReconcilePass(err == nil)
	}
	return err
}

func (s *Payments) reconcileOnce(ctx context.Context) error {
	now := s.now()
	claimed, err := s.store.ClaimPendingPayments(ctx, s.instance, now.Add(-s.cfg.ReconcileMinAge), now.Add(leaseFor), MaxPageSize)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	var errs []error
	for i := range claimed {
		// Past half the lease, the rest wait for the next pass: a query
		// must end well before the lease it runs under.
		if ctx.Err() == nil && s.now().Sub(now) < leaseFor/2 {
			if _, err := s.reconcile(ctx, &claimed[i], now, System); err != nil {
				errs = append(errs, err)
			}
		}
		s.release(ctx, claimed[i].MerchantUniqueCode)
	}
	if ctx.Err() == nil { // a stopping worker leaves the refunds to the next run
		if err := s.finishOpenRefunds(ctx, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// startLost reports whether p's start never reached the provider's
// records and never will: nothing was recorded about it, and its worker
// is gone, since the caller holds the lease the start held while it
// waited. Marking it failed lets staff retry it instead of waiting for
// the timeout.
func startLost(p *Payment) bool {
	return p.UniqueCode == "" && p.LastError == ""
}

// reconcile queries one pending payment, which the caller holds the lease
// of, and applies the answer: a final
// status settles it; still open past the timeout expires it (the query just
// made was the final one); refunded at the provider while pending here
// settles it as paid, with the refund when it can be recorded.
func (s *Payments) reconcile(ctx context.Context, p *Payment, now time.Time, by Actor) (bool, error) {
	code := p.MerchantUniqueCode
	overdue := now.Sub(p.CreatedAt) >= s.cfg.Timeout
	upstream, queryErr := s.provider.Query(ctx, code)
	if queryErr != nil && !IsProviderNotFound(queryErr) {
		return false, fmt.Errorf("reconcile payment %s: %w", code, queryErr)
	}
	if err := s.store.TouchPaymentChecked(ctx, code); err != nil {
		return false, err
	}
	if queryErr != nil {
		// The provider never stored it: the start failed or never arrived.
		// A retry may still start it, so only the timeout closes it.
		if !overdue && startLost(p) {
			s.log.Warn("payment start lost: unknown at the provider", "payment", code)
			return false, s.store.MarkPaymentStartFailed(ctx, code, startLostKey)
		}
		if !overdue {
			return false, nil
		}
		return s.settle(ctx, code, PaymentStatusExpired, settleSourceReconcile, by, nil)
	}
	return s.apply(ctx, p, upstream, overdue, by)
}

// apply acts on the provider's answer about a pending payment.
func (s *Payments) apply(ctx context.Context, p *Payment, upstream *ProviderPayment, overdue bool, by Actor) (bool, error) {
	code := p.MerchantUniqueCode
	if err := s.adopt(ctx, p, upstream); err != nil {
		return false, err
	}
	switch upstream.Status {
	case ProviderPaid:
		return s.settle(ctx, code, PaymentStatusPaid, settleSourceReconcile, by, nil)
	case ProviderFailed:
		return s.settle(ctx, code, PaymentStatusFailed, settleSourceReconcile, by, nil)
	case ProviderRefunded, ProviderPartiallyRefunded:
		return s.settleRefunded(ctx, p, upstream.Status, by)
	}
	if overdue {
		return s.settle(ctx, code, PaymentStatusExpired, settleSourceReconcile, by, nil)
	}
	return false, nil
}

// adopt stores the provider's identifiers of a payment whose start answer
// was lost (a timeout or a crash): refunds need them.
func (s *Payments) adopt(ctx context.Context, p *Payment, upstream *ProviderPayment) error {
	if p.UniqueCode != "" || upstream.UniqueCode == "" {
		return nil
	}
	start := PaymentStart{UniqueCode: upstream.UniqueCode, APMTransactionID: upstream.APMTransactionID,
		QRFormatType: p.QRFormatType, QRContent: p.QRContent}
	if err := s.store.MarkPaymentStarted(ctx, p.MerchantUniqueCode, start); err != nil {
		return err
	}
	p.UniqueCode, p.APMTransactionID = upstream.UniqueCode, upstream.APMTransactionID
	s.log.Info("payment found at the provider after a lost start answer", "payment", p.MerchantUniqueCode,
		"apm_transaction_id", upstream.APMTransactionID)
	return nil
}

// settleRefunded closes a payment the provider reports refunded while it
// is still pending here: its callback and checks were missed until someone
// refunded it at the provider. A refund follows a sale, so it settles as
// paid, and a full refund is recorded on top and audited like one made
// here, all in one transaction. A partial refund's amount is not in the
// provider's answer, so it is left to a person, logged once: a settled
// payment is not queried again.
func (s *Payments) settleRefunded(ctx context.Context, p *Payment, status ProviderStatus, by Actor) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	code := p.MerchantUniqueCode
	changed := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, lockRefunds); err != nil { // it records a refund
			return err
		}
		var err error
		if changed, err = tx.SettlePayment(ctx, code, PaymentStatusPaid); err != nil || !changed {
			return err
		}
		if err := countQRSettled(ctx, tx, s.loc, code, PaymentStatusPaid); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, by, change{Action: "payment.settle", TargetType: "payment", TargetID: code,
			Before: map[string]string{"status": string(PaymentStatusPending)},
			After:  map[string]string{"status": string(PaymentStatusPaid), "source": settleSourceReconcile}}); err != nil {
			return err
		}
		if status == ProviderPartiallyRefunded {
			return nil
		}
		paid, err := tx.PaymentByCode(ctx, code)
		if err != nil {
			return err
		}
		return recordRefund(ctx, tx, by, paid, paid.Remaining(), settleSourceReconcile, s.now(), s.loc)
	})
	if err == nil && changed && status == ProviderPartiallyRefunded {
		s.log.Error("payment partially refunded at the provider while pending here: settled as paid, record the refund by hand",
			"payment", code, "unique_code", p.UniqueCode)
	}
	return changed, err
}
