package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// lockRefunds (Tx.Lock) orders the transactions that write refund
// intents or record refunds, so an intent is checked against a payment and
// its intents as one consistent whole.
const lockRefunds = "refunds"

// ErrNotRefundable refuses a refund of a payment no money can go back from
// (not paid, fully refunded, or never started at the provider).
var ErrNotRefundable = &Error{Code: CodeConflict, Message: "refund.not_refundable"}

// ErrRefundUnrecorded says the provider refunded but the refund could not
// be recorded here yet; the reconciler records it from the intent.
var ErrRefundUnrecorded = &Error{Code: CodeInternal, Message: "refund.unrecorded"}

// refundGrace is how long an open refund may still be waiting for the
// provider's answer in some request before the reconciler takes it over:
// well past the API client's timeout.
const refundGrace = leaseFor

// ParseRefundAmount checks an amount typed for a refund of p: positive, at
// most two decimals, no more than what remains.
func ParseRefundAmount(p *Payment, text string) (decimal.Decimal, FieldErrors) {
	amount, key := checkAmount(text)
	switch {
	case key == "amount_too_large", key == "" && amount.Cmp(p.Remaining()) > 0:
		key = "amount_over"
	}
	if key != "" {
		return decimal.Zero, FieldErrors{"amount": "refund." + key}
	}
	return amount, nil
}

// Refund gives amount (as typed) of a payment back. The intent is written
// first, the provider is asked, and its answer is recorded with the
// payment's new refunded total and the audit row in one transaction. A
// refusal marks the intent failed and changes nothing; an answer lost to a
// timeout or a crash leaves the intent open for the reconciler, which asks
// the provider and finishes it. Two refunds at once cannot together exceed
// what remains: open intents count against it.
func (s *Payments) Refund(ctx context.Context, by Actor, code, amountText string) (*Payment, decimal.Decimal, error) {
	ctx = context.WithoutCancel(ctx) // once money may move, see it through
	p, err := s.store.PaymentByCode(ctx, code)
	if err != nil {
		return nil, decimal.Zero, err
	}
	if !p.Refundable() {
		return nil, decimal.Zero, ErrNotRefundable
	}
	amount, fe := ParseRefundAmount(p, amountText)
	if err := fe.err(); err != nil {
		return nil, decimal.Zero, err
	}
	r := &Refund{PaymentCode: code, Amount: amount, Status: RefundOpen, IP: by.IP}
	r.ActorID, r.ActorEmail = by.recorded()
	err = s.store.InTx(ctx, func(tx Tx) error {
		// Without the lock, two instances on PostgreSQL could each read
		// the other's intent as not there yet, or read the payment before
		// a refund was recorded and its intent after, and together ask for
		// more than remains; SQLite's write transactions take turns anyway.
		if err := tx.Lock(ctx, lockRefunds); err != nil {
			return err
		}
		current, err := tx.PaymentByCode(ctx, code)
		if err != nil {
			return err
		}
		open, err := openRefundTotal(ctx, tx, code)
		if err != nil {
			return err
		}
		if !current.Refundable() || amount.Cmp(current.Remaining().Sub(open)) > 0 {
			return ErrNotRefundable
		}
		r.Whole = open.IsZero() && amount.Equal(current.Remaining())
		return tx.CreateRefund(ctx, r)
	})
	if err != nil {
		return nil, decimal.Zero, err
	}
	refunded, err := s.provider.Refund(ctx, p.UniqueCode, amount, r.Whole)
	if err != nil {
		s.log.Warn("paywall refund failed", "payment", code, "amount", amount.String(), "err", err)
		if !outcomeUnknown(err) {
			r.Status, r.Problem = RefundFailed, StartProblem(err)
			if _, ferr := s.store.FinishRefund(ctx, r); ferr != nil {
				return nil, decimal.Zero, errors.Join(err, ferr)
			}
		}
		return nil, decimal.Zero, err
	}
	if !refunded.IsPositive() {
		refunded = amount
	}
	after, err := s.finishRefund(ctx, r, refunded, by, "")
	if err != nil {
		s.log.Error("refund made at the provider but not recorded yet: the reconciler will record it",
			"payment", code, "unique_code", p.UniqueCode, "amount", refunded.String(), "err", err)
		return nil, refunded, &Error{Code: ErrRefundUnrecorded.Code, Message: ErrRefundUnrecorded.Message, Err: err}
	}
	return after, refunded, nil
}

// openRefundTotal is what open refund intents of a payment ask for.
func openRefundTotal(ctx context.Context, tx Tx, code string) (decimal.Decimal, error) {
	rs, err := tx.RefundsOf(ctx, code)
	if err != nil {
		return decimal.Zero, err
	}
	total := decimal.Zero
	for _, r := range rs {
		if r.Status == RefundOpen {
			total = total.Add(r.Amount)
		}
	}
	return total, nil
}

// finishRefund records a refund the provider made: the intent done, the
// payment's refunded total and status, the audit row, together.
func (s *Payments) finishRefund(ctx context.Context, r *Refund, refunded decimal.Decimal, by Actor, source string) (*Payment, error) {
	var after *Payment
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, lockRefunds); err != nil {
			return err
		}
		r.Status, r.Refunded = RefundDone, refunded
		ok, err := tx.FinishRefund(ctx, r)
		if err != nil || !ok {
			return errors.Join(err, ErrConflict)
		}
		p, err := tx.PaymentByCode(ctx, r.PaymentCode)
		if err != nil {
			return err
		}
		if err := recordRefund(ctx, tx, by, p, refunded, source, s.now(), s.loc); err != nil {
			return err
		}
		after, err = tx.PaymentByCode(ctx, r.PaymentCode)
		return err
	})
	return after, err
}

// recordRefund adds amount to a payment's refunded total inside tx (a
// compare-and-set on the payment as read), counts it in the sales totals
// at at (days in loc), and audits it.
func recordRefund(ctx context.Context, tx Tx, by Actor, p *Payment, amount decimal.Decimal, source string, at time.Time, loc *time.Location) error {
	if !p.Status.Refundable() || amount.Cmp(p.Remaining()) > 0 {
		return fmt.Errorf("refund %s of payment %s (%s, %s remaining): %w", amount, p.MerchantUniqueCode, p.Status, p.Remaining(), ErrConflict)
	}
	refunded := p.RefundedAmount.Add(amount)
	status := PaymentStatusPartiallyRefunded
	if refunded.Equal(p.Amount) {
		status = PaymentStatusRefunded
	}
	if err := tx.SetPaymentRefunded(ctx, p, refunded, status); err != nil {
		return err
	}
	if err := countQRRefund(ctx, tx, loc, p, amount, at); err != nil {
		return err
	}
	after := map[string]string{"status": string(status), "refunded_amount": refunded.String(), "amount": amount.String()}
	if source != "" {
		after["source"] = source
	}
	return appendAudit(ctx, tx, by, change{Action: "payment.refund", TargetType: "payment", TargetID: p.MerchantUniqueCode,
		Before: map[string]string{"status": string(p.Status), "refunded_amount": p.RefundedAmount.String()},
		After:  after})
}

// finishOpenRefunds asks the provider about refunds whose answer was lost
// (a timeout, a crash between "refund sent" and "refund recorded") and
// finishes them from where the payment stands there:
//   - still paid, not refunded: the refund never happened, it failed;
//   - fully refunded: this refund made it so when it was for everything
//     that remained;
//   - partially refunded: this refund did it when no other refund was
//     recorded before; otherwise the provider's answer cannot tell, and a
//     person must look (unresolved, logged).
func (s *Payments) finishOpenRefunds(ctx context.Context, now time.Time) error {
	open, err := s.store.OpenRefunds(ctx, now.Add(-refundGrace))
	if err != nil {
		return fmt.Errorf("reconcile refunds: %w", err)
	}
	var errs []error
	for i := range open {
		if err := s.finishOpenRefund(ctx, &open[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// finishOpenRefund finishes one open refund under its payment's lease, so
// two instances never ask about it at once; one held is left for a later
// pass.
func (s *Payments) finishOpenRefund(ctx context.Context, r *Refund) error {
	claimed, err := s.store.ClaimPayment(ctx, r.PaymentCode, s.instance, s.now().Add(leaseFor))
	if err != nil || !claimed {
		return err
	}
	defer s.release(ctx, r.PaymentCode)
	p, err := s.store.PaymentByCode(ctx, r.PaymentCode)
	if err != nil {
		return err
	}
	upstream, err := s.provider.Query(ctx, r.PaymentCode)
	if err != nil {
		return fmt.Errorf("reconcile refund %d: %w", r.ID, err)
	}
	whole := r.Whole || r.Amount.Equal(p.Remaining())
	switch {
	case upstream.Status == ProviderPaid:
		r.Status, r.Problem = RefundFailed, "refund.not_made"
	case upstream.Status == ProviderRefunded && whole:
		_, err := s.finishRefund(ctx, r, p.Remaining(), System, settleSourceReconcile)
		return err
	case upstream.Status == ProviderPartiallyRefunded && !whole && p.RefundedAmount.IsZero():
		_, err := s.finishRefund(ctx, r, r.Amount, System, settleSourceReconcile)
		return err
	default:
		r.Status, r.Problem = RefundUnresolved, "refund.unresolved"
		s.log.Error("refund outcome unknown: check it at the provider and record it by hand",
			"payment", r.PaymentCode, "refund", r.ID, "amount", r.Amount.String())
	}
	_, err = s.store.FinishRefund(ctx, r)
	return err
}
