package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// PaymentStatus is where an APM QR payment stands. The values are stable
// machine values, used as they are in the CSV export.
type PaymentStatus string

// Payment statuses. Only pending is open; every other status is settled.
const (
	PaymentStatusPending           PaymentStatus = "pending"
	PaymentStatusPaid              PaymentStatus = "paid"
	PaymentStatusFailed            PaymentStatus = "failed"
	PaymentStatusExpired           PaymentStatus = "expired"
	PaymentStatusRefunded          PaymentStatus = "refunded"
	PaymentStatusPartiallyRefunded PaymentStatus = "partially_refunded"
)

// Valid reports whether s is a known status.
func (s PaymentStatus) Valid() bool {
	switch s {
	case PaymentStatusPending, PaymentStatusPaid, PaymentStatusFailed, PaymentStatusExpired,
		PaymentStatusRefunded, PaymentStatusPartiallyRefunded:
		return true
	}
	return false
}

// Final reports whether the payment is settled: every known status but pending.
func (s PaymentStatus) Final() bool {
	return s.Valid() && s != PaymentStatusPending
}

// Refundable reports whether money can still be given back from this status.
func (s PaymentStatus) Refundable() bool {
	return s == PaymentStatusPaid || s == PaymentStatusPartiallyRefunded
}

// ParsePaymentStatus parses a status's machine value.
func ParsePaymentStatus(v string) (PaymentStatus, error) {
	s := PaymentStatus(v)
	if !s.Valid() {
		return "", invalidf("unknown payment status %q", v)
	}
	return s, nil
}

// Payment is one APM QR payment taken at the counter. It is written as
// pending before the provider is called, so none is ever lost.
type Payment struct {
	ID                 int64
	MerchantUniqueCode string // our code, unique; sent to the provider
	CallbackToken      string // unique and unguessable, in the callback URLs; set by the caller
	Amount             decimal.Decimal
	Currency           string
	Description        string
	Provider           string
	ConnectionID       *int
	StaffID            *int64
	StaffEmail         string // kept as it was at the time
	Status             PaymentStatus
	UniqueCode         string // the provider's code, once started
	APMTransactionID   int64
	QRFormatType       int
	QRContent          string
	LastError          string // why the last start attempt failed; empty after a success
	RefundedAmount     decimal.Decimal
	Attempts           int // start attempts, successful or not
	CreatedAt          time.Time
	UpdatedAt          time.Time
	StartedAt          *time.Time
	SettledAt          *time.Time
	CheckedAt          *time.Time // last reconciliation query
}

// Remaining is the amount that can still be refunded.
func (p *Payment) Remaining() decimal.Decimal {
	return p.Amount.Sub(p.RefundedAmount)
}

// MinCallbackTokenLen is the shortest callback token accepted: the token is
// what protects the public callback URL, so it must not be guessable.
const MinCallbackTokenLen = 16

// Amounts are also stored as integer millionths (amount_e6) so that range
// filters compare numbers, not text; that allows up to amountScale decimal
// places and amounts below maxAmount, well inside int64.
const amountScale = 6

var (
	maxAmount = decimal.New(1, 12)
	// unitsBound clamps filter bounds; every stored amount is inside it.
	unitsBound = decimal.New(1, 18)
)

// amountUnits checks a money amount and returns it in millionths.
func amountUnits(a decimal.Decimal) (int64, error) {
	if a.Sign() <= 0 {
		return 0, invalidf("amount %s must be greater than 0", a)
	}
	if a.Cmp(maxAmount) >= 0 {
		return 0, invalidf("amount %s must be below %s", a, maxAmount)
	}
	units := a.Shift(amountScale)
	if !units.IsInteger() {
		return 0, invalidf("amount %s has more than %d decimal places", a, amountScale)
	}
	return units.IntPart(), nil
}

// boundUnits converts a filter bound to millionths, rounding towards the
// inside of the range (up for a minimum, down for a maximum) so the integer
// comparison gives exactly the decimal one.
func boundUnits(d decimal.Decimal, isMin bool) int64 {
	units := d.Shift(amountScale)
	if isMin {
		units = units.Ceil()
	} else {
		units = units.Floor()
	}
	if units.Cmp(unitsBound) > 0 {
		units = unitsBound
	}
	if units.Cmp(unitsBound.Neg()) < 0 {
		units = unitsBound.Neg()
	}
	return units.IntPart()
}

// CreatePayment stores p as pending (a new payment is never anything else)
// and sets its ID and times. A duplicate code or token is an ErrConflict.
func (db *DB) CreatePayment(ctx context.Context, p *Payment) error {
	if err := db.prepareNewPayment(p); err != nil {
		return fmt.Errorf("store: create payment %s: %w", p.MerchantUniqueCode, err)
	}
	units, _ := amountUnits(p.Amount) // checked by prepareNewPayment
	err := db.db.QueryRowContext(ctx, `INSERT INTO payments
		(merchant_unique_code, callback_token, amount, amount_e6, currency, description, provider,
		 connection_id, staff_id, staff_email, status, refunded_amount, attempts, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.MerchantUniqueCode, p.CallbackToken, p.Amount.String(), units, p.Currency, p.Description, p.Provider,
		p.ConnectionID, p.StaffID, NormalizeEmail(p.StaffEmail), p.Status, p.RefundedAmount.String(), p.Attempts,
		formatTime(p.CreatedAt), formatTime(p.UpdatedAt)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store: create payment %s: %w", p.MerchantUniqueCode, mapErr(err))
	}
	return nil
}

func (db *DB) prepareNewPayment(p *Payment) error {
	switch {
	case p.MerchantUniqueCode == "":
		return invalidf("empty merchant unique code")
	case len(p.CallbackToken) < MinCallbackTokenLen:
		return invalidf("callback token shorter than %d characters", MinCallbackTokenLen)
	case p.Currency == "":
		return invalidf("empty currency")
	case p.Status != "" && p.Status != PaymentStatusPending:
		return invalidf("a new payment is pending, not %s", p.Status)
	}
	if _, err := amountUnits(p.Amount); err != nil {
		return err
	}
	now := db.now()
	p.Status = PaymentStatusPending
	p.RefundedAmount = decimal.Zero
	p.Attempts = 0
	p.CreatedAt, p.UpdatedAt = now, now
	p.StartedAt, p.SettledAt, p.CheckedAt = nil, nil, nil
	return nil
}

const paymentColumns = `id, merchant_unique_code, callback_token, amount, currency, description, provider,
	connection_id, staff_id, staff_email, status, unique_code, apm_transaction_id, qr_format_type, qr_content,
	last_error, refunded_amount, attempts, created_at, updated_at, started_at, settled_at, checked_at`

func scanPayment(s rowScanner) (Payment, error) {
	var (
		p                               Payment
		amount, refunded                string
		connectionID, staffID           sql.NullInt64
		createdAt, updatedAt            string
		startedAt, settledAt, checkedAt sql.NullString
		err                             error
	)
	if err := s.Scan(&p.ID, &p.MerchantUniqueCode, &p.CallbackToken, &amount, &p.Currency, &p.Description, &p.Provider,
		&connectionID, &staffID, &p.StaffEmail, &p.Status, &p.UniqueCode, &p.APMTransactionID, &p.QRFormatType, &p.QRContent,
		&p.LastError, &refunded, &p.Attempts, &createdAt, &updatedAt, &startedAt, &settledAt, &checkedAt); err != nil {
		return Payment{}, err
	}
	if p.Amount, err = decimal.NewFromString(amount); err != nil {
		return Payment{}, fmt.Errorf("stored amount %q: %w", amount, err)
	}
	if p.RefundedAmount, err = decimal.NewFromString(refunded); err != nil {
		return Payment{}, fmt.Errorf("stored refunded amount %q: %w", refunded, err)
	}
	if connectionID.Valid {
		id := int(connectionID.Int64)
		p.ConnectionID = &id
	}
	if staffID.Valid {
		p.StaffID = &staffID.Int64
	}
	if p.CreatedAt, err = parseTime(createdAt); err != nil {
		return Payment{}, err
	}
	if p.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return Payment{}, err
	}
	if p.StartedAt, err = parseNullTime(startedAt); err != nil {
		return Payment{}, err
	}
	if p.SettledAt, err = parseNullTime(settledAt); err != nil {
		return Payment{}, err
	}
	if p.CheckedAt, err = parseNullTime(checkedAt); err != nil {
		return Payment{}, err
	}
	return p, nil
}

// rowQuerier is what *sql.DB and *sql.Tx have in common for single rows.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func paymentBy(ctx context.Context, q rowQuerier, column, value string) (*Payment, error) {
	p, err := scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE `+column+` = ?`, value))
	if err != nil {
		return nil, mapErr(err)
	}
	return &p, nil
}

// PaymentByCode returns the payment with our merchant unique code, or ErrNotFound.
func (db *DB) PaymentByCode(ctx context.Context, merchantUniqueCode string) (*Payment, error) {
	p, err := paymentBy(ctx, db.db, "merchant_unique_code", merchantUniqueCode)
	if err != nil {
		return nil, fmt.Errorf("store: payment %s: %w", merchantUniqueCode, err)
	}
	return p, nil
}

// PaymentByToken returns the payment with a callback token, or ErrNotFound.
// The token is never put in the error: it is a secret.
func (db *DB) PaymentByToken(ctx context.Context, token string) (*Payment, error) {
	p, err := paymentBy(ctx, db.db, "callback_token", token)
	if err != nil {
		return nil, fmt.Errorf("store: payment by callback token: %w", err)
	}
	return p, nil
}

// MarkPaymentStarted records what the provider returned for a started
// payment, clears LastError, sets StartedAt and counts the attempt. The
// status is left alone and not checked: these are the provider's
// identifiers, needed for queries and refunds even if the payment was
// settled meanwhile. Whether a retry is allowed is the caller's decision.
func (db *DB) MarkPaymentStarted(ctx context.Context, code, uniqueCode string, apmTransactionID int64, qrFormatType int, qrContent string) error {
	now := formatTime(db.now())
	err := execOne(ctx, db.db, `UPDATE payments SET unique_code = ?, apm_transaction_id = ?, qr_format_type = ?,
		qr_content = ?, last_error = ?, started_at = ?, attempts = attempts + 1, updated_at = ?
		WHERE merchant_unique_code = ?`,
		uniqueCode, apmTransactionID, qrFormatType, qrContent, "", now, now, code)
	if err != nil {
		return fmt.Errorf("store: mark payment %s started: %w", code, err)
	}
	return nil
}

// MarkPaymentStartFailed records why a start attempt failed and counts the
// attempt; the payment stays as it was (pending), ready for a retry.
func (db *DB) MarkPaymentStartFailed(ctx context.Context, code, errMsg string) error {
	err := execOne(ctx, db.db, `UPDATE payments SET last_error = ?, attempts = attempts + 1, updated_at = ?
		WHERE merchant_unique_code = ?`, errMsg, formatTime(db.now()), code)
	if err != nil {
		return fmt.Errorf("store: mark payment %s start failed: %w", code, err)
	}
	return nil
}

// SettlePayment moves a pending payment to paid, failed or expired and sets
// SettledAt. It is a compare-and-set on pending: a settled payment never
// changes, and changed is false (with no error) for a repeat or a late
// contrary report, so callbacks can be replayed safely. Refunds go through
// RecordRefund.
func (db *DB) SettlePayment(ctx context.Context, code string, to PaymentStatus) (bool, error) {
	switch to {
	case PaymentStatusPaid, PaymentStatusFailed, PaymentStatusExpired:
	default:
		return false, fmt.Errorf("store: settle payment %s: %w", code, invalidf("cannot settle as %q", to))
	}
	now := formatTime(db.now())
	err := execOne(ctx, db.db, `UPDATE payments SET status = ?, settled_at = ?, updated_at = ?
		WHERE merchant_unique_code = ? AND status = ?`, to, now, now, code, PaymentStatusPending)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("store: settle payment %s: %w", code, err)
	}
	// No pending row: either the payment is already settled or it does not exist.
	if _, err := db.PaymentByCode(ctx, code); err != nil {
		return false, fmt.Errorf("store: settle payment: %w", err)
	}
	return false, nil
}

// RecordRefund adds a refund of amount to a paid or partially refunded
// payment, in one transaction, and returns the updated payment: refunded
// when nothing remains, else partially_refunded. A refund from another
// status or above the remaining amount is an ErrConflict; a non-positive
// amount is an ErrInvalid.
func (db *DB) RecordRefund(ctx context.Context, code string, amount decimal.Decimal) (*Payment, error) {
	if _, err := amountUnits(amount); err != nil {
		return nil, fmt.Errorf("store: refund payment %s: %w", code, err)
	}
	var updated *Payment
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		p, err := paymentBy(ctx, tx, "merchant_unique_code", code)
		if err != nil {
			return err
		}
		if !p.Status.Refundable() {
			return fmt.Errorf("%w: payment is %s", ErrConflict, p.Status)
		}
		if amount.Cmp(p.Remaining()) > 0 {
			return fmt.Errorf("%w: refund %s is more than the remaining %s", ErrConflict, amount, p.Remaining())
		}
		refunded := p.RefundedAmount.Add(amount)
		status := PaymentStatusPartiallyRefunded
		if refunded.Equal(p.Amount) {
			status = PaymentStatusRefunded
		}
		// The WHERE repeats what was read, so the update is a compare-and-set
		// even where the transaction does not hold the write lock from its
		// start (SQLite's _txlock=immediate does; PostgreSQL would not).
		err = execOne(ctx, tx, `UPDATE payments SET refunded_amount = ?, status = ?, updated_at = ?
			WHERE merchant_unique_code = ? AND status = ? AND refunded_amount = ?`,
			refunded.String(), status, formatTime(db.now()), code, p.Status, p.RefundedAmount.String())
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: payment changed during the refund", ErrConflict)
		}
		if err != nil {
			return err
		}
		updated, err = paymentBy(ctx, tx, "merchant_unique_code", code)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: refund %s of payment %s: %w", amount, code, err)
	}
	return updated, nil
}

// TouchPaymentChecked records that the payment was just reconciled with
// the provider.
func (db *DB) TouchPaymentChecked(ctx context.Context, code string) error {
	err := execOne(ctx, db.db, `UPDATE payments SET checked_at = ? WHERE merchant_unique_code = ?`,
		formatTime(db.now()), code)
	if err != nil {
		return fmt.Errorf("store: touch payment %s checked: %w", code, err)
	}
	return nil
}

// PendingPayments returns up to limit pending payments created before
// createdBefore for the reconciliation worker: never-checked ones first,
// then the least recently checked, oldest first among equals. Ordering by
// the last check, not by age, means more than limit pending payments are
// all reached in turn instead of the oldest being checked forever. Limit 0
// means DefaultPageSize, and it is capped at MaxPageSize.
func (db *DB) PendingPayments(ctx context.Context, createdBefore time.Time, limit int) ([]Payment, error) {
	limit, _ = page(limit, 0)
	payments, err := queryAll(ctx, db.db, scanPayment, `SELECT `+paymentColumns+` FROM payments
		WHERE status = ? AND created_at < ? ORDER BY checked_at IS NOT NULL, checked_at, created_at, id LIMIT ?`,
		PaymentStatusPending, formatTime(createdBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending payments: %w", err)
	}
	return payments, nil
}

// PaymentFilter selects payments; zero fields do not filter. From is
// inclusive and To exclusive, on CreatedAt. The amount bounds are
// inclusive and compared as decimals. Limit 0 means DefaultPageSize, and
// Limit is capped at MaxPageSize.
type PaymentFilter struct {
	Status               PaymentStatus
	From, To             time.Time
	MinAmount, MaxAmount *decimal.Decimal
	StaffID              *int64
	Limit, Offset        int
}

func (f PaymentFilter) where() (*where, error) {
	var w where
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, invalidf("unknown payment status %q", f.Status)
		}
		w.add("status = ?", f.Status)
	}
	w.timeRange("created_at", f.From, f.To)
	if f.MinAmount != nil {
		w.add("amount_e6 >= ?", boundUnits(*f.MinAmount, true))
	}
	if f.MaxAmount != nil {
		w.add("amount_e6 <= ?", boundUnits(*f.MaxAmount, false))
	}
	if f.StaffID != nil {
		w.add("staff_id = ?", *f.StaffID)
	}
	return &w, nil
}

const paymentOrder = ` ORDER BY created_at DESC, id DESC`

// ListPayments returns one page of matching payments, newest first, and
// the number of all matching payments.
func (db *DB) ListPayments(ctx context.Context, f PaymentFilter) ([]Payment, int, error) {
	w, err := f.where()
	if err != nil {
		return nil, 0, fmt.Errorf("store: list payments: %w", err)
	}
	limit, offset := page(f.Limit, f.Offset)
	var (
		payments []Payment
		total    int
	)
	err = db.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		var err error
		payments, err = queryAll(ctx, tx, scanPayment,
			`SELECT `+paymentColumns+` FROM payments`+w.String()+paymentOrder+` LIMIT ? OFFSET ?`,
			append(w.args, limit, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: list payments: %w", err)
	}
	return payments, total, nil
}

// ForEachPayment calls fn with every matching payment, newest first,
// without holding them all in memory (for CSV export). Limit and Offset
// are ignored. The read stays open while fn runs; in WAL mode that blocks
// no writer.
func (db *DB) ForEachPayment(ctx context.Context, f PaymentFilter, fn func(Payment) error) error {
	w, err := f.where()
	if err != nil {
		return fmt.Errorf("store: export payments: %w", err)
	}
	err = queryEach(ctx, db.db, scanPayment, fn, `SELECT `+paymentColumns+` FROM payments`+w.String()+paymentOrder, w.args...)
	if err != nil {
		return fmt.Errorf("store: export payments: %w", err)
	}
	return nil
}
