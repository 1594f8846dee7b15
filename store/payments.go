package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

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
	switch {
	case a.Sign() <= 0:
		return 0, fmt.Errorf("amount %s must be greater than 0", a)
	case a.Cmp(maxAmount) >= 0:
		return 0, fmt.Errorf("amount %s must be below %s", a, maxAmount)
	}
	units := a.Shift(amountScale)
	if !units.IsInteger() {
		return 0, fmt.Errorf("amount %s has more than %d decimal places", a, amountScale)
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
// and sets its ID and times. A duplicate code or token is an app.ErrConflict.
func (q queries) CreatePayment(ctx context.Context, p *app.Payment) error {
	units, err := checkNewPayment(p)
	if err != nil {
		return fmt.Errorf("store: create payment %s: %w", p.MerchantUniqueCode, err)
	}
	now := q.now()
	p.Status, p.RefundedAmount, p.Attempts = app.PaymentStatusPending, decimal.Zero, 0
	p.CreatedAt, p.UpdatedAt = now, now
	p.StartedAt, p.SettledAt, p.CheckedAt = nil, nil, nil
	if p.LeaseUntil == nil {
		p.LeaseOwner = ""
	}
	err = q.row(ctx, `INSERT INTO payments
		(merchant_unique_code, callback_token, amount, amount_e6, currency, description, provider,
		 connection_id, staff_id, staff_email, status, refunded_amount, attempts, created_at, updated_at,
		 lease_owner, lease_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.MerchantUniqueCode, p.CallbackToken, p.Amount.String(), units, p.Currency, p.Description, p.Provider,
		p.ConnectionID, p.StaffID, app.NormalizeEmail(p.StaffEmail), p.Status, p.RefundedAmount.String(), p.Attempts,
		formatTime(now), formatTime(now), p.LeaseOwner, nullTime(p.LeaseUntil)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store: create payment %s: %w", p.MerchantUniqueCode, mapErr(err))
	}
	return nil
}

func checkNewPayment(p *app.Payment) (int64, error) {
	switch {
	case p.MerchantUniqueCode == "":
		return 0, errors.New("empty merchant unique code")
	case len(p.CallbackToken) < app.MinCallbackTokenLen:
		return 0, fmt.Errorf("callback token shorter than %d characters", app.MinCallbackTokenLen)
	case p.Currency == "":
		return 0, errors.New("empty currency")
	case p.Status != "" && p.Status != app.PaymentStatusPending:
		return 0, fmt.Errorf("a new payment is pending, not %s", p.Status)
	}
	return amountUnits(p.Amount)
}

const paymentColumns = `id, merchant_unique_code, callback_token, amount, currency, description, provider,
	connection_id, staff_id, staff_email, status, unique_code, apm_transaction_id, qr_format_type, qr_content,
	last_error, refunded_amount, attempts, created_at, updated_at, started_at, settled_at, checked_at,
	lease_owner, lease_until`

func scanPayment(s rowScanner) (app.Payment, error) {
	var (
		p                               app.Payment
		amount, refunded                string
		connectionID, staffID           sql.NullInt64
		createdAt, updatedAt            string
		startedAt, settledAt, checkedAt sql.NullString
		leaseUntil                      sql.NullString
		err                             error
	)
	if err := s.Scan(&p.ID, &p.MerchantUniqueCode, &p.CallbackToken, &amount, &p.Currency, &p.Description, &p.Provider,
		&connectionID, &staffID, &p.StaffEmail, &p.Status, &p.UniqueCode, &p.APMTransactionID, &p.QRFormatType, &p.QRContent,
		&p.LastError, &refunded, &p.Attempts, &createdAt, &updatedAt, &startedAt, &settledAt, &checkedAt,
		&p.LeaseOwner, &leaseUntil); err != nil {
		return app.Payment{}, mapErr(err)
	}
	if p.Amount, err = decimal.NewFromString(amount); err != nil {
		return app.Payment{}, fmt.Errorf("stored amount %q: %w", amount, err)
	}
	if p.RefundedAmount, err = decimal.NewFromString(refunded); err != nil {
		return app.Payment{}, fmt.Errorf("stored refunded amount %q: %w", refunded, err)
	}
	if connectionID.Valid {
		id := int(connectionID.Int64)
		p.ConnectionID = &id
	}
	if staffID.Valid {
		p.StaffID = &staffID.Int64
	}
	if p.CreatedAt, err = parseTime(createdAt); err != nil {
		return app.Payment{}, err
	}
	if p.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return app.Payment{}, err
	}
	if p.StartedAt, err = parseNullTime(startedAt); err != nil {
		return app.Payment{}, err
	}
	if p.SettledAt, err = parseNullTime(settledAt); err != nil {
		return app.Payment{}, err
	}
	if p.CheckedAt, err = parseNullTime(checkedAt); err != nil {
		return app.Payment{}, err
	}
	if p.LeaseUntil, err = parseNullTime(leaseUntil); err != nil {
		return app.Payment{}, err
	}
	if p.LeaseUntil == nil {
		p.LeaseOwner = ""
	}
	return p, nil
}

func (q queries) paymentBy(ctx context.Context, column, value string) (*app.Payment, error) {
	p, err := scanPayment(q.row(ctx, `SELECT `+paymentColumns+` FROM payments WHERE `+column+` = ?`, value))
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// PaymentByCode returns the payment with our merchant unique code, or app.ErrNotFound.
func (q queries) PaymentByCode(ctx context.Context, code string) (*app.Payment, error) {
	p, err := q.paymentBy(ctx, "merchant_unique_code", code)
	if err != nil {
		return nil, fmt.Errorf("store: payment %s: %w", code, err)
	}
	return p, nil
}

// PaymentByToken returns the payment with a callback token, or
// app.ErrNotFound. The token is never put in the error: it is a secret.
func (q queries) PaymentByToken(ctx context.Context, token string) (*app.Payment, error) {
	p, err := q.paymentBy(ctx, "callback_token", token)
	if err != nil {
		return nil, fmt.Errorf("store: payment by callback token: %w", err)
	}
	return p, nil
}

// MarkPaymentStarted records what the provider returned for a started
// payment, clears LastError, sets StartedAt and counts the attempt. The
// status is left alone and not checked: these are the provider's
// identifiers, needed for queries and refunds even if the payment was
// settled meanwhile.
func (q queries) MarkPaymentStarted(ctx context.Context, code string, s app.PaymentStart) error {
	now := formatTime(q.now())
	err := q.execOne(ctx, `UPDATE payments SET unique_code = ?, apm_transaction_id = ?, qr_format_type = ?,
		qr_content = ?, last_error = ?, started_at = ?, attempts = attempts + 1, updated_at = ?
		WHERE merchant_unique_code = ?`,
		s.UniqueCode, s.APMTransactionID, s.QRFormatType, s.QRContent, "", now, now, code)
	if err != nil {
		return fmt.Errorf("store: mark payment %s started: %w", code, err)
	}
	return nil
}

// MarkPaymentStartFailed records why a start attempt failed and counts the
// attempt; the payment stays as it was (pending), ready for a retry.
func (q queries) MarkPaymentStartFailed(ctx context.Context, code, problem string) error {
	err := q.execOne(ctx, `UPDATE payments SET last_error = ?, attempts = attempts + 1, updated_at = ?
		WHERE merchant_unique_code = ?`, problem, formatTime(q.now()), code)
	if err != nil {
		return fmt.Errorf("store: mark payment %s start failed: %w", code, err)
	}
	return nil
}

// SettlePayment moves a pending payment to paid, failed or expired and sets
// SettledAt: a compare-and-set on pending, so a settled payment never
// changes and changed is false (no error) for a repeat or a late contrary
// report. An unknown code is app.ErrNotFound.
func (q queries) SettlePayment(ctx context.Context, code string, to app.PaymentStatus) (bool, error) {
	switch to {
	case app.PaymentStatusPaid, app.PaymentStatusFailed, app.PaymentStatusExpired:
	default:
		return false, fmt.Errorf("store: settle payment %s: cannot settle as %q", code, to)
	}
	now := formatTime(q.now())
	err := q.execOne(ctx, `UPDATE payments SET status = ?, settled_at = ?, updated_at = ?
		WHERE merchant_unique_code = ? AND status = ?`, to, now, now, code, app.PaymentStatusPending)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, app.ErrNotFound) {
		return false, fmt.Errorf("store: settle payment %s: %w", code, err)
	}
	// No pending row: either the payment is settled already or it does not exist.
	if _, err := q.PaymentByCode(ctx, code); err != nil {
		return false, fmt.Errorf("store: settle payment: %w", err)
	}
	return false, nil
}

// SetPaymentRefunded records a new refunded total and status. The WHERE
// repeats what was read, so it is a compare-and-set on any engine: a
// payment changed meanwhile is app.ErrConflict.
func (q queries) SetPaymentRefunded(ctx context.Context, was *app.Payment, refunded decimal.Decimal, status app.PaymentStatus) error {
	if refunded.GreaterThan(was.Amount) || refunded.IsNegative() {
		return fmt.Errorf("store: refund payment %s: refunded %s of %s", was.MerchantUniqueCode, refunded, was.Amount)
	}
	err := q.execOne(ctx, `UPDATE payments SET refunded_amount = ?, status = ?, updated_at = ?
		WHERE merchant_unique_code = ? AND status = ? AND refunded_amount = ?`,
		refunded.String(), status, formatTime(q.now()), was.MerchantUniqueCode, was.Status, was.RefundedAmount.String())
	if errors.Is(err, app.ErrNotFound) {
		return fmt.Errorf("store: refund payment %s: changed meanwhile: %w", was.MerchantUniqueCode, app.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: refund payment %s: %w", was.MerchantUniqueCode, err)
	}
	return nil
}

// TouchPaymentChecked records that the payment was just reconciled.
func (q queries) TouchPaymentChecked(ctx context.Context, code string) error {
	err := q.execOne(ctx, `UPDATE payments SET checked_at = ? WHERE merchant_unique_code = ?`, formatTime(q.now()), code)
	if err != nil {
		return fmt.Errorf("store: touch payment %s checked: %w", code, err)
	}
	return nil
}

// leaseFree is the condition of a payment no live lease holds, with the
// store's clock as its one argument.
const leaseFree = `(lease_until IS NULL OR lease_until < ?)`

// pendingOrder is the reconciler's order: never-checked payments first,
// then the least recently checked, oldest first among equals. Ordering by
// the last check, not by age, means more than a page of pending payments
// are all reached in turn instead of the oldest being checked forever.
const pendingOrder = ` ORDER BY checked_at IS NOT NULL, checked_at, created_at, id`

// ClaimPendingPayments leases to owner up to limit pending payments
// created before createdBefore that no live lease holds, in the
// reconciler's order. One statement chooses and leases them: on
// PostgreSQL the choosing subquery skips rows another claim is leasing
// (FOR UPDATE SKIP LOCKED) and the outer condition is checked again on
// the row as it is, so two claims never get the same payment; SQLite runs
// one write at a time.
func (q queries) ClaimPendingPayments(ctx context.Context, owner string, createdBefore, until time.Time, limit int) ([]app.Payment, error) {
	limit, _ = page(limit, 0)
	now := formatTime(q.now())
	payments, err := queryAll(ctx, q, scanPayment, `UPDATE payments SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM payments WHERE status = ? AND created_at < ? AND `+leaseFree+pendingOrder+` LIMIT ?`+q.d.skipLocked+`)
		AND `+leaseFree+` RETURNING `+paymentColumns,
		owner, formatTime(until), app.PaymentStatusPending, formatTime(createdBefore), now, limit, now)
	if err != nil {
		return nil, fmt.Errorf("store: claim pending payments: %w", err)
	}
	// RETURNING keeps no order.
	slices.SortFunc(payments, func(a, b app.Payment) int {
		return cmp.Or(cmpChecked(a.CheckedAt, b.CheckedAt), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return payments, nil
}

// cmpChecked orders never-checked first, then by the time of the check.
func cmpChecked(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// ClaimPayment leases one payment to owner unless a live lease holds it.
func (q queries) ClaimPayment(ctx context.Context, code, owner string, until time.Time) (bool, error) {
	err := q.execOne(ctx, `UPDATE payments SET lease_owner = ?, lease_until = ? WHERE merchant_unique_code = ? AND `+leaseFree,
		owner, formatTime(until), code, formatTime(q.now()))
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, app.ErrNotFound) {
		return false, fmt.Errorf("store: claim payment %s: %w", code, err)
	}
	if _, err := q.PaymentByCode(ctx, code); err != nil {
		return false, fmt.Errorf("store: claim payment: %w", err)
	}
	return false, nil
}

// ReleasePayment ends owner's lease on a payment.
func (q queries) ReleasePayment(ctx context.Context, code, owner string) error {
	_, err := q.exec(ctx, `UPDATE payments SET lease_owner = '', lease_until = NULL WHERE merchant_unique_code = ? AND lease_owner = ?`, code, owner)
	if err != nil {
		return fmt.Errorf("store: release payment %s: %w", code, err)
	}
	return nil
}

// ReleaseLeases ends every lease owner holds.
func (q queries) ReleaseLeases(ctx context.Context, owner string) (int64, error) {
	res, err := q.exec(ctx, `UPDATE payments SET lease_owner = '', lease_until = NULL WHERE lease_owner = ? AND lease_until IS NOT NULL`, owner)
	if err != nil {
		return 0, fmt.Errorf("store: release leases of %s: %w", owner, err)
	}
	return res.RowsAffected()
}

func paymentWhere(f app.PaymentFilter) (*where, error) {
	var w where
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, fmt.Errorf("unknown payment status %q", f.Status)
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
func (q queries) ListPayments(ctx context.Context, f app.PaymentFilter) ([]app.Payment, int, error) {
	w, err := paymentWhere(f)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list payments: %w", err)
	}
	limit, offset := page(f.Limit, f.Offset)
	var (
		payments []app.Payment
		total    int
	)
	err = q.inReadTx(ctx, func(tx queries) error {
		if err := tx.row(ctx, `SELECT COUNT(*) FROM payments`+w.String(), w.args...).Scan(&total); err != nil {
			return mapErr(err)
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

// CountPaymentsByStatus counts the payments of each status.
func (q queries) CountPaymentsByStatus(ctx context.Context) (map[app.PaymentStatus]int, error) {
	counts := map[app.PaymentStatus]int{}
	type row struct {
		status app.PaymentStatus
		n      int
	}
	err := queryEach(ctx, q, func(s rowScanner) (row, error) {
		var r row
		return r, s.Scan(&r.status, &r.n)
	}, func(r row) error {
		counts[r.status] = r.n
		return nil
	}, `SELECT status, COUNT(*) FROM payments GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("store: count payments: %w", err)
	}
	return counts, nil
}

// ForEachPayment calls fn with every matching payment, newest first,
// without holding them all in memory (for CSV export). Limit and Offset
// are ignored. The read stays open while fn runs; in WAL mode that blocks
// no writer.
func (q queries) ForEachPayment(ctx context.Context, f app.PaymentFilter, fn func(app.Payment) error) error {
	w, err := paymentWhere(f)
	if err != nil {
		return fmt.Errorf("store: export payments: %w", err)
	}
	err = queryEach(ctx, q, scanPayment, fn, `SELECT `+paymentColumns+` FROM payments`+w.String()+paymentOrder, w.args...)
	if err != nil {
		return fmt.Errorf("store: export payments: %w", err)
	}
	return nil
}

const refundColumns = `id, payment_code, amount, whole, status, refunded, problem, actor_id, actor_email, ip, created_at, updated_at`

func scanRefund(s rowScanner) (app.Refund, error) {
	var (
		r                    app.Refund
		amount, refunded     string
		actorID              sql.NullInt64
		createdAt, updatedAt string
		err                  error
	)
	if err := s.Scan(&r.ID, &r.PaymentCode, &amount, &r.Whole, &r.Status, &refunded, &r.Problem, &actorID,
		&r.ActorEmail, &r.IP, &createdAt, &updatedAt); err != nil {
		return app.Refund{}, mapErr(err)
	}
	if r.Amount, err = decimal.NewFromString(amount); err != nil {
		return app.Refund{}, err
	}
	if r.Refunded, err = decimal.NewFromString(refunded); err != nil {
		return app.Refund{}, err
	}
	if actorID.Valid {
		r.ActorID = &actorID.Int64
	}
	if r.CreatedAt, err = parseTime(createdAt); err != nil {
		return app.Refund{}, err
	}
	r.UpdatedAt, err = parseTime(updatedAt)
	return r, err
}

// CreateRefund stores an open refund intent and sets its ID and times.
func (q queries) CreateRefund(ctx context.Context, r *app.Refund) error {
	if _, err := amountUnits(r.Amount); err != nil {
		return fmt.Errorf("store: create refund of %s: %w", r.PaymentCode, err)
	}
	now := q.now()
	r.Status, r.CreatedAt, r.UpdatedAt = app.RefundOpen, now, now
	err := q.row(ctx, `INSERT INTO refunds (payment_code, amount, whole, status, refunded, problem, actor_id, actor_email, ip, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.PaymentCode, r.Amount.String(), r.Whole, r.Status, r.Refunded.String(), r.Problem, r.ActorID, r.ActorEmail, r.IP,
		formatTime(now), formatTime(now)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("store: create refund of %s: %w", r.PaymentCode, mapErr(err))
	}
	return nil
}

// FinishRefund records an open refund's outcome: a compare-and-set on
// open, false when it was finished already.
func (q queries) FinishRefund(ctx context.Context, r *app.Refund) (bool, error) {
	r.UpdatedAt = q.now()
	err := q.execOne(ctx, `UPDATE refunds SET status = ?, refunded = ?, problem = ?, updated_at = ? WHERE id = ? AND status = ?`,
		r.Status, r.Refunded.String(), r.Problem, formatTime(r.UpdatedAt), r.ID, app.RefundOpen)
	if errors.Is(err, app.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: finish refund %d: %w", r.ID, err)
	}
	return true, nil
}

// RefundsOf returns a payment's refund intents, oldest first.
func (q queries) RefundsOf(ctx context.Context, code string) ([]app.Refund, error) {
	rs, err := queryAll(ctx, q, scanRefund, `SELECT `+refundColumns+` FROM refunds WHERE payment_code = ? ORDER BY id`, code)
	if err != nil {
		return nil, fmt.Errorf("store: refunds of %s: %w", code, err)
	}
	return rs, nil
}

// OpenRefunds returns the refunds still open that began before createdBefore.
func (q queries) OpenRefunds(ctx context.Context, createdBefore time.Time) ([]app.Refund, error) {
	rs, err := queryAll(ctx, q, scanRefund, `SELECT `+refundColumns+` FROM refunds WHERE status = ? AND created_at < ? ORDER BY id LIMIT ?`,
		app.RefundOpen, formatTime(createdBefore), app.MaxPageSize)
	if err != nil {
		return nil, fmt.Errorf("store: open refunds: %w", err)
	}
	return rs, nil
}
