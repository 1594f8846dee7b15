package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/store"
)

// Defaults of ReconcilerConfig.
const (
	DefaultReconcileInterval = 5 * time.Second
	DefaultReconcileMinAge   = 3 * time.Second
	DefaultPaymentTimeout    = 15 * time.Minute
)

// Where a settlement came from, as the audit log records it.
const (
	settleSourceCallback  = "callback"
	settleSourceReconcile = "reconcile"
)

// APMQuerier asks Paywall where a payment stands (*craftclient.APMService).
type APMQuerier interface {
	Query(ctx context.Context, merchantUniqueCode string) (*craftclient.APMTransaction, error)
}

// SettleStore is the part of the store that settles payments.
type SettleStore interface {
	AuditLog
	PaymentByCode(ctx context.Context, code string) (*store.Payment, error)
	PendingPayments(ctx context.Context, createdBefore time.Time, limit int) ([]store.Payment, error)
	MarkPaymentStarted(ctx context.Context, code, uniqueCode string, apmTransactionID int64, qrFormatType int, qrContent string) error
	SettlePayment(ctx context.Context, code string, to store.PaymentStatus) (bool, error)
	RecordRefund(ctx context.Context, code string, amount decimal.Decimal) (*store.Payment, error)
	TouchPaymentChecked(ctx context.Context, code string) error
	MarkPaymentStartFailed(ctx context.Context, code, errMsg string) error
}

// ReconcilerConfig tunes the reconciliation worker; zero fields take the
// defaults.
type ReconcilerConfig struct {
	Interval time.Duration // between passes
	// MinAge leaves a fresh payment to its callback: the customer is
	// still scanning, and its start may still be in flight.
	MinAge time.Duration
	// Timeout expires a payment that is still unpaid this long after it
	// was created.
	Timeout time.Duration
	Now     func() time.Time
}

// startLostKey is the start problem of a payment whose start was cut
// off (the server died waiting for Paywall) and that Paywall never stored.
const startLostKey = "payment.start_lost"

// startGrace is how long a start in this process may still be waiting
// for Paywall: well past the API client's timeout.
const startGrace = 2 * time.Minute

// startLost reports whether p's start can no longer be in flight and so,
// unknown at Paywall, never happened: nothing was recorded about it, and
// it began before this process did or longer ago than startGrace. Marking
// it failed lets staff retry it instead of waiting for the timeout.
func (r *Reconciler) startLost(p *store.Payment, now time.Time) bool {
	if p.UniqueCode != "" || p.LastError != "" {
		return false
	}
	return p.CreatedAt.Before(r.born) || now.Sub(p.CreatedAt) >= startGrace
}

// Reconciler settles pending payments by asking Paywall, so a lost
// callback, a crash between the row write and the provider's answer, or a
// restart never leaves a payment open for good. Its loop is the start-up
// recovery too: payments left pending by a previous run are picked up on
// the first pass.
type Reconciler struct {
	log   *slog.Logger
	store SettleStore
	apm   APMQuerier
	cfg   ReconcilerConfig
	// born is when this process began: a start begun before it cannot
	// still be in flight, so an unknown one was cut off by a crash.
	born time.Time
}

// NewReconciler returns the worker; start it with Run.
func NewReconciler(log *slog.Logger, st SettleStore, apm APMQuerier, cfg ReconcilerConfig) *Reconciler {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultReconcileInterval
	}
	if cfg.MinAge <= 0 {
		cfg.MinAge = DefaultReconcileMinAge
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultPaymentTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Reconciler{log: log, store: st, apm: apm, cfg: cfg, born: cfg.Now()}
}

// Run reconciles at once and then every Interval until ctx is done.
func (r *Reconciler) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		if err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("reconcile pass incomplete", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce checks pending payments older than MinAge, up to a page of them,
// least recently checked first, so a backlog larger than a page is worked
// through across passes. One payment's failure does not stop the others;
// all are returned.
func (r *Reconciler) RunOnce(ctx context.Context) error {
	now := r.cfg.Now()
	pending, err := r.store.PendingPayments(ctx, now.Add(-r.cfg.MinAge), store.MaxPageSize)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	var errs []error
	for i := range pending {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := r.reconcile(ctx, &pending[i], now, actor{}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// check reconciles one payment now, whatever its age ("check now"), and
// returns it as it is afterwards with whether its status changed.
func (r *Reconciler) check(ctx context.Context, code string, by actor) (*store.Payment, bool, error) {
	p, err := r.store.PaymentByCode(ctx, code)
	if err != nil || p.Status.Final() {
		return p, false, err
	}
	changed, err := r.reconcile(ctx, p, r.cfg.Now(), by)
	if err != nil {
		return p, false, err
	}
	p, err = r.store.PaymentByCode(ctx, code)
	return p, changed, err
}

// reconcile queries one pending payment and applies the answer: a final
// status settles it; still open past the timeout expires it (the query
// just made was the final one); refunded at the provider while pending
// here settles it as paid, with the refund when it can be recorded.
func (r *Reconciler) reconcile(ctx context.Context, p *store.Payment, now time.Time, by actor) (bool, error) {
	code := p.MerchantUniqueCode
	overdue := now.Sub(p.CreatedAt) >= r.cfg.Timeout
	tx, queryErr := r.apm.Query(ctx, code)
	if queryErr != nil && !craftclient.IsNotFound(queryErr) {
		return false, fmt.Errorf("reconcile payment %s: %w", code, queryErr)
	}
	if err := r.store.TouchPaymentChecked(ctx, code); err != nil {
		return false, err
	}
	if queryErr != nil {
		// Paywall never stored it: the start failed or never arrived.
		// A retry may still start it, so only the timeout closes it.
		if !overdue && r.startLost(p, now) {
			r.log.Warn("payment start lost: unknown at the provider", "payment", code)
			return false, r.store.MarkPaymentStartFailed(ctx, code, startLostKey)
		}
		if !overdue {
			return false, nil
		}
		return r.settle(ctx, code, store.PaymentStatusExpired, settleSourceReconcile, by)
	}
	return r.apply(ctx, p, tx, overdue, by)
}

// apply acts on Paywall's answer about a pending payment.
func (r *Reconciler) apply(ctx context.Context, p *store.Payment, tx *craftclient.APMTransaction, overdue bool, by actor) (bool, error) {
	code := p.MerchantUniqueCode
	if err := r.adopt(ctx, p, tx); err != nil {
		return false, err
	}
	if to, ok := settledStatus(tx.StatusID); ok {
		return r.settle(ctx, code, to, settleSourceReconcile, by)
	}
	switch tx.StatusID {
	case craftclient.APMStatusRefunded, craftclient.APMStatusPartiallyRefunded:
		return r.settleRefunded(ctx, p, tx.StatusID, by)
	}
	if overdue {
		return r.settle(ctx, code, store.PaymentStatusExpired, settleSourceReconcile, by)
	}
	return false, nil
}

// settleRefunded closes a payment Paywall reports refunded while it is
// still pending here: its callback and checks were missed until someone
// refunded it at the provider. A refund follows a sale, so it settles as
// paid, and a full refund is recorded on top and audited like one made
// here. A partial refund's amount is not in Paywall's answer, so it is
// left to a person, logged once: a settled payment is not queried again.
func (r *Reconciler) settleRefunded(ctx context.Context, p *store.Payment, status craftclient.APMStatus, by actor) (bool, error) {
	ctx = context.WithoutCancel(ctx) // the status and the refund go together
	code := p.MerchantUniqueCode
	changed, err := r.settle(ctx, code, store.PaymentStatusPaid, settleSourceReconcile, by)
	if err != nil || !changed {
		return changed, err
	}
	log := r.log.With("payment", code, "unique_code", p.UniqueCode)
	if status == craftclient.APMStatusPartiallyRefunded {
		log.Error("payment partially refunded at the provider while pending here: settled as paid, record the refund by hand")
		return true, nil
	}
	after, err := r.store.RecordRefund(ctx, code, p.Amount)
	if err != nil {
		log.Error("payment refunded at the provider while pending here: settled as paid, the refund not recorded", "err", err)
		return true, err
	}
	paid := *p
	paid.Status = store.PaymentStatusPaid
	refunded := refundAudit(after, p.Amount)
	refunded["source"] = settleSourceReconcile
	return true, appendAudit(ctx, r.store, r.log, by, Change{
		Action: "payment.refund", TargetType: "payment", TargetID: code,
		Before: refundAudit(&paid, decimal.Zero), After: refunded,
	})
}

// adopt stores the provider's identifiers of a payment whose start answer
// was lost (a timeout or a crash): refunds need them.
func (r *Reconciler) adopt(ctx context.Context, p *store.Payment, tx *craftclient.APMTransaction) error {
	if p.UniqueCode != "" || tx.UniqueCode == "" {
		return nil
	}
	if err := r.store.MarkPaymentStarted(ctx, p.MerchantUniqueCode, tx.UniqueCode, tx.APMTransactionID, p.QRFormatType, p.QRContent); err != nil {
		return err
	}
	p.UniqueCode, p.APMTransactionID = tx.UniqueCode, tx.APMTransactionID
	r.log.Info("payment found at the provider after a lost start answer", "payment", p.MerchantUniqueCode,
		"apm_transaction_id", tx.APMTransactionID)
	return nil
}

// settledStatus maps Paywall's final sale statuses onto ours.
func settledStatus(id craftclient.APMStatus) (store.PaymentStatus, bool) {
	switch id {
	case craftclient.APMStatusSuccessful:
		return store.PaymentStatusPaid, true
	case craftclient.APMStatusFailed:
		return store.PaymentStatusFailed, true
	}
	return "", false
}

// settle moves a pending payment to its final status and audits the change.
// changed is false when it was settled already: callbacks, the worker and
// "check now" may race, and exactly one of them wins and audits. by is
// nobody (the system) for callbacks and the worker, the staff member for
// "check now". The status and its audit row go together, so a caller
// hanging up or the worker stopping between the two writes cancels neither.
func (r *Reconciler) settle(ctx context.Context, code string, to store.PaymentStatus, source string, by actor) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	changed, err := r.store.SettlePayment(ctx, code, to)
	if err != nil || !changed {
		return false, err
	}
	r.log.Info("payment settled", "payment", code, "status", string(to), "source", source)
	return true, appendAudit(ctx, r.store, r.log, by, Change{
		Action: "payment.settle", TargetType: "payment", TargetID: code,
		Before: map[string]string{"status": string(store.PaymentStatusPending)},
		After:  map[string]string{"status": string(to), "source": source},
	})
}
