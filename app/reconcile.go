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

// startGrace is how long a start in this process may still be waiting for
// Paywall: well past the API client's timeout.
const startGrace = 2 * time.Minute

// Run reconciles at once and then every ReconcileInterval until ctx is
// done. Its first pass is the start-up recovery: payments and refunds a
// previous run left open are picked up.
func (s *Payments) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.ReconcileInterval)
	defer t.Stop()
	for {
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

// ReconcileOnce settles pending payments older than ReconcileMinAge by
// asking the provider, up to a page of them, least recently checked first,
// so a lost callback, a crash between the row write and the provider's
// answer, or a restart never leaves a payment open for good; then it
// finishes refunds whose answer was lost. One failure does not stop the
// others; all are returned.
func (s *Payments) ReconcileOnce(ctx context.Context) error {
	err := s.reconcileOnce(ctx)
	if ctx.Err() == nil {
		s.observer.ReconcilePass(err == nil)
	}
	return err
}

func (s *Payments) reconcileOnce(ctx context.Context) error {
	now := s.now()
	pending, err := s.store.PendingPayments(ctx, now.Add(-s.cfg.ReconcileMinAge), MaxPageSize)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	var errs []error
	for i := range pending {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := s.reconcile(ctx, &pending[i], now, System); err != nil {
			errs = append(errs, err)
		}
	}
	if ctx.Err() == nil { // a stopping worker leaves the refunds to the next run
		if err := s.finishOpenRefunds(ctx, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// startLost reports whether p's start can no longer be in flight and so,
// unknown at the provider, never happened: nothing was recorded about it,
// and it began before this process did or longer ago than startGrace.
// Marking it failed lets staff retry it instead of waiting for the timeout.
func (s *Payments) startLost(p *Payment, now time.Time) bool {
	if p.UniqueCode != "" || p.LastError != "" {
		return false
	}
	return p.CreatedAt.Before(s.born) || now.Sub(p.CreatedAt) >= startGrace
}

// reconcile queries one pending payment and applies the answer: a final
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
		if !overdue && s.startLost(p, now) {
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
