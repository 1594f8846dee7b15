package app

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// The sales totals (SalesEntry) are kept as sales change, in the
// transaction that changes them, per quarter hour and per day of the
// shop's zone, so the overview sums a hundred rows, not every payment.
// Revenue counts when it happens: a sale at the payment's time, a refund at
// the refund's.

// linkEntries are what a link payment adds to the totals: its sale or
// failed attempt at its time, and each refund at the refund's time.
func linkEntries(p *LinkPayment) []SalesEntry {
	if p == nil {
		return nil
	}
	base := SalesEntry{At: SalesBucketStart(p.CreatedAt), Source: SaleSourceLink, Currency: p.Currency}
	var out []SalesEntry
	switch {
	case IsSale(p.Status):
		e := base
		e.Sales, e.SalesAmount = 1, p.PaidPrice
		out = append(out, e)
	case p.Status == PaymentStatusFailed:
		e := base
		e.Failed = 1
		out = append(out, e)
	}
	for _, r := range p.Refunds {
		if r.Succeeded {
			e := base
			e.At, e.Refunds, e.RefundAmount = SalesBucketStart(r.CreatedAt), 1, r.Amount
			out = append(out, e)
		}
	}
	return out
}

// entryKey is what a total is kept under.
type entryKey struct {
	at       time.Time
	source   SaleSource
	currency Currency
}

// entriesDiff is what turns the totals of before into those of after:
// recording a payment again changes nothing, and a payment that changed
// (refunded since, or failed before and matched again) moves only the
// difference.
func entriesDiff(before, after []SalesEntry) []SalesEntry {
	sums := map[entryKey]*SalesEntry{}
	var order []entryKey
	add := func(e SalesEntry, sign int) {
		k := entryKey{e.At, e.Source, e.Currency}
		sum, ok := sums[k]
		if !ok {
			sum = &SalesEntry{At: e.At, Source: e.Source, Currency: e.Currency}
			sums[k] = sum
			order = append(order, k)
		}
		s := decimal.NewFromInt(int64(sign))
		sum.Sales += sign * e.Sales
		sum.SalesAmount = sum.SalesAmount.Add(e.SalesAmount.Mul(s))
		sum.Failed += sign * e.Failed
		sum.Refunds += sign * e.Refunds
		sum.RefundAmount = sum.RefundAmount.Add(e.RefundAmount.Mul(s))
	}
	for _, e := range before {
		add(e, -1)
	}
	for _, e := range after {
		add(e, 1)
	}
	var out []SalesEntry
	for _, k := range order {
		if e := sums[k]; !e.zero() {
			out = append(out, *e)
		}
	}
	return out
}

func (e *SalesEntry) zero() bool {
	return e.Sales == 0 && e.Failed == 0 && e.Refunds == 0 && e.SalesAmount.IsZero() && e.RefundAmount.IsZero()
}

// addEntries applies entries inside tx, days in loc, and moves the sales
// version, so every page showing sales renders again. It takes the sales
// lock, which a rebuild of the days takes too.
func addEntries(ctx context.Context, tx Tx, loc *time.Location, entries ...SalesEntry) error {
	if err := tx.Lock(ctx, salesLock); err != nil {
		return err
	}
	for _, e := range entries {
		if err := tx.AddSales(ctx, e, loc); err != nil {
			return err
		}
	}
	return tx.BumpSalesVersion(ctx)
}

// salesLock orders the transactions that read and then write sales: a link
// payment's record, a refund intent, a rebuild of the days.
const salesLock = "sales"

// countQRSettled counts a QR payment that just settled: a sale when paid,
// a failed attempt when failed (an expired payment was never attempted).
func countQRSettled(ctx context.Context, tx Tx, loc *time.Location, code string, to PaymentStatus) error {
	if to != PaymentStatusPaid && to != PaymentStatusFailed {
		return nil
	}
	p, err := tx.PaymentByCode(ctx, code)
	if err != nil {
		return err
	}
	e := SalesEntry{At: SalesBucketStart(p.CreatedAt), Source: SaleSourceQR, Currency: p.Currency}
	if to == PaymentStatusPaid {
		e.Sales, e.SalesAmount = 1, p.Amount
	} else {
		e.Failed = 1
	}
	return addEntries(ctx, tx, loc, e)
}

// countQRRefund counts amount refunded of a QR payment at at.
func countQRRefund(ctx context.Context, tx Tx, loc *time.Location, p *Payment, amount decimal.Decimal, at time.Time) error {
	return addEntries(ctx, tx, loc, SalesEntry{At: SalesBucketStart(at), Source: SaleSourceQR, Currency: p.Currency,
		Refunds: 1, RefundAmount: amount})
}
