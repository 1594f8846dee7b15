package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// refundClockSlack is how far Craftgate's clock may be behind ours when
// the catch-up looks for the refund an open intent asked for.
const refundClockSlack = 5 * time.Minute

// ParseLinkRefundAmount checks an amount typed for a refund of p: positive,
// no more decimals than the currency has, no more than what remains.
func ParseLinkRefundAmount(p *LinkPayment, text string) (decimal.Decimal, FieldErrors) {
	key := ""
	amount, err := ParseMoney(text)
	switch {
	case len(text) > 64 || err != nil:
		key = "amount_invalid"
	case !amount.IsPositive():
		key = "amount_positive"
	case !amount.Equal(amount.Round(p.Currency.Places())):
		key = "amount_decimals"
	case amount.Cmp(p.Remaining()) > 0:
		key = "amount_over"
	}
	if key != "" {
		return decimal.Zero, FieldErrors{"amount": "refund." + key}
	}
	return amount, nil
}

// Refund gives amount (as typed) of a link payment back through Craftgate.
// The intent is written first, Craftgate is asked, and its refund is
// recorded with the payment's new totals and the audit row in one
// transaction. A refusal marks the intent failed and changes nothing; an
// answer lost to a timeout or a crash leaves the intent open for the
// catch-up, which looks for the refund in reporting. Open intents count
// against what remains, so two refunds at once cannot exceed it.
func (s *Sales) Refund(ctx context.Context, by Actor, paymentID int64, amountText string) (*LinkPayment, decimal.Decimal, error) {
	ctx = context.WithoutCancel(ctx) // once money may move, see it through
	p, err := s.store.LinkPayment(ctx, paymentID)
	if err != nil {
		return nil, decimal.Zero, err
	}
	if !p.Refundable() {
		return nil, decimal.Zero, ErrNotRefundable
	}
	amount, fe := ParseLinkRefundAmount(p, amountText)
	if err := fe.err(); err != nil {
		return nil, decimal.Zero, err
	}
	r := &LinkRefund{PaymentID: paymentID, Amount: amount, Status: RefundOpen, IP: by.IP}
	r.ActorID, r.ActorEmail = by.recorded()
	if err := s.store.InTx(ctx, func(tx Tx) error { return openLinkRefund(ctx, tx, r) }); err != nil {
		return nil, decimal.Zero, err
	}
	rf, err := s.provider.Refund(ctx, paymentID, amount, r.Whole)
	if err != nil {
		s.log.Warn("craftgate refund failed", "payment", paymentID, "amount", amount.String(), "err", err)
		if !outcomeUnknown(err) {
			r.Status, r.Problem = RefundFailed, StartProblem(err)
			if _, ferr := s.store.FinishLinkRefund(ctx, r); ferr != nil {
				return nil, decimal.Zero, errors.Join(err, ferr)
			}
		}
		return nil, decimal.Zero, err
	}
	if rf.ID == 0 {
		// Craftgate names no refund id in some answers: the catch-up finds
		// the refund in reporting and finishes the intent.
		s.log.Warn("craftgate refund answer without an id: left to the catch-up", "payment", paymentID)
		return nil, rf.Amount, ErrRefundUnrecorded
	}
	p.Refunds = append(p.Refunds, *rf)
	after, err := s.finishRefund(ctx, r, p, rf.ID, by, "")
	if err != nil {
		s.log.Error("refund made at Craftgate but not recorded yet: the catch-up will record it",
			"payment", paymentID, "refund", rf.ID, "amount", rf.Amount.String(), "err", err)
		return nil, rf.Amount, &Error{Code: ErrRefundUnrecorded.Code, Message: ErrRefundUnrecorded.Message, Err: err}
	}
	return after, rf.Amount, nil
}

// openLinkRefund checks inside tx that r still fits what remains, open
// intents included, and writes it.
func openLinkRefund(ctx context.Context, tx Tx, r *LinkRefund) error {
	if err := tx.Lock(ctx, salesLock); err != nil {
		return err
	}
	current, err := tx.LinkPayment(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	intents, err := tx.LinkRefundsOf(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	open := decimal.Zero
	for _, o := range intents {
		if o.Status == RefundOpen {
			open = open.Add(o.Amount)
		}
	}
	if !current.Refundable() || r.Amount.Cmp(current.Remaining().Sub(open)) > 0 {
		return ErrNotRefundable
	}
	r.Whole = open.IsZero() && r.Amount.Equal(current.Remaining())
	return tx.CreateLinkRefund(ctx, r)
}

// finishRefund records refund refundID of payment p (whose Refunds hold
// it): the intent done, the payment and its totals, the audit row,
// together.
func (s *Sales) finishRefund(ctx context.Context, r *LinkRefund, p *LinkPayment, refundID int64, by Actor, source string) (*LinkPayment, error) {
	before := *p
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, salesLock); err != nil {
			return err
		}
		r.Status, r.RefundID = RefundDone, refundID
		ok, err := tx.FinishLinkRefund(ctx, r)
		if err != nil || !ok {
			return errors.Join(err, ErrConflict)
		}
		stored, err := tx.LinkPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		before = *stored
		if _, err := recordPayment(ctx, tx, s.loc, p, by); err != nil {
			return err
		}
		after := map[string]string{"status": string(p.Status), "refunded": p.Refunded.String(), "amount": r.Amount.String(),
			"refund_id": strconv.FormatInt(refundID, 10)}
		if source != "" {
			after["source"] = source
		}
		return appendAudit(ctx, tx, by, change{Action: "link_payment.refund", TargetType: "link_payment",
			TargetID: strconv.FormatInt(p.ID, 10),
			Before:   map[string]string{"status": string(before.Status), "refunded": before.Refunded.String()},
			After:    after})
	})
	if err != nil {
		return nil, err
	}
	s.links.announce(ctx, 0) // the list's revenue column, here and on the other instances
	return p, nil
}

// finishOpenRefunds finishes refund intents whose answer was lost (a
// timeout, a crash between "refund sent" and "refund recorded"), from the
// payment's refunds in reporting: a refund of the intent's amount made
// since the intent was written, and not claimed by another intent, is
// its; none means the refund never happened.
func (s *Sales) finishOpenRefunds(ctx context.Context) error {
	open, err := s.store.OpenLinkRefunds(ctx, s.now().Add(-refundGrace))
	if err != nil {
		return err
	}
	var errs []error
	for i := range open {
		if err := s.finishOpenRefund(ctx, &open[i]); err != nil {
			errs = append(errs, fmt.Errorf("refund %d: %w", open[i].ID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sales) finishOpenRefund(ctx context.Context, r *LinkRefund) error {
	rp, err := s.provider.LinkPayment(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	intents, err := s.store.LinkRefundsOf(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	claimed := map[int64]bool{}
	for _, o := range intents {
		claimed[o.RefundID] = o.RefundID != 0
	}
	for _, rf := range rp.Payment.Refunds {
		if rf.Succeeded && !claimed[rf.ID] && rf.Amount.Equal(r.Amount) && !rf.CreatedAt.Before(r.CreatedAt.Add(-refundClockSlack)) {
			_, err := s.finishRefund(ctx, r, &rp.Payment, rf.ID, System, settleSourceReconcile)
			return err
		}
	}
	r.Status, r.Problem = RefundFailed, "refund.not_made"
	if _, err := s.store.FinishLinkRefund(ctx, r); err != nil {
		return err
	}
	_, _, err = s.record(ctx, rp, nil, System)
	return err
}
