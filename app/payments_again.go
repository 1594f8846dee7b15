package app

import (
	"context"
	"strconv"
)

// ErrAgainRefused refuses to take again a payment that did not fail or
// expire: a paid one is done, a pending one may still be paid.
var ErrAgainRefused = &Error{Code: CodeConflict, Message: "payment.again_refused"}

// StartAgain takes a declined or expired payment again: a new payment with
// the same amount, currency, description and wallet, started as Start
// does. The old one is kept as it was, so the record shows both tries.
func (s *Payments) StartAgain(ctx context.Context, by Actor, code string) (*Payment, error) {
	p, err := s.store.PaymentByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if p.Status != PaymentStatusFailed && p.Status != PaymentStatusExpired {
		return nil, ErrAgainRefused
	}
	d := PaymentDraft{Amount: p.Amount.String(), Currency: string(p.Currency), Description: p.Description}
	if p.ConnectionID != nil {
		d.Wallet = strconv.Itoa(*p.ConnectionID)
	} else if ws, err := s.Wallets(ctx, p.Currency); err == nil {
		for _, w := range ws {
			if w.Key == p.Provider {
				d.Wallet = strconv.Itoa(w.ConnectionID)
				break
			}
		}
	}
	return s.Start(ctx, by, d)
}

// Next is the newest payment the same staff member started after p, if
// any: a counter's customer screen moves on to it by itself. A payment
// started by no person (the shell, the demo) has no next.
func (s *Payments) Next(ctx context.Context, p *Payment) (*Payment, bool, error) {
	if p.StaffID == nil {
		return nil, false, nil
	}
	list, _, err := s.store.ListPayments(ctx, PaymentFilter{StaffID: p.StaffID, From: p.CreatedAt, Limit: 1})
	if err != nil || len(list) == 0 || list[0].ID <= p.ID {
		return nil, false, err
	}
	return &list[0], true, nil
}
