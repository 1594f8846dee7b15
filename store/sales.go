package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

const linkPaymentColumns = `id, link_id, created_at, price, paid_price, refunded, currency, installment, status, payer,
	card_bin, card_last_four, card_association, error_code, error_group, order_id, conversation_id, external_id,
	product_id, synced_at`

func scanLinkPayment(s rowScanner) (app.LinkPayment, error) {
	var (
		p                        app.LinkPayment
		linkID                   sql.NullInt64
		created, synced          string
		price, paid, refundedTxt string
		err                      error
	)
	if err := s.Scan(&p.ID, &linkID, &created, &price, &paid, &refundedTxt, &p.Currency, &p.Installment, &p.Status, &p.Payer,
		&p.CardBIN, &p.CardLastFour, &p.CardAssociation, &p.ErrorCode, &p.ErrorGroup, &p.OrderID, &p.ConversationID,
		&p.ExternalID, &p.ProductID, &synced); err != nil {
		return app.LinkPayment{}, mapErr(err)
	}
	p.LinkID = linkID.Int64
	for _, f := range []struct {
		dst  *decimal.Decimal
		text string
	}{{&p.Price, price}, {&p.PaidPrice, paid}, {&p.Refunded, refundedTxt}} {
		if *f.dst, err = decimal.NewFromString(f.text); err != nil {
			return app.LinkPayment{}, fmt.Errorf("stored amount %q: %w", f.text, err)
		}
	}
	if p.CreatedAt, err = parseTime(created); err != nil {
		return app.LinkPayment{}, err
	}
	p.SyncedAt, err = parseTime(synced)
	return p, err
}

func scanProviderRefund(s rowScanner) (app.ProviderRefund, error) {
	var (
		r               app.ProviderRefund
		created, amount string
		err             error
	)
	if err := s.Scan(&r.ID, &r.PaymentID, &created, &amount, &r.Succeeded); err != nil {
		return r, mapErr(err)
	}
	if r.Amount, err = decimal.NewFromString(amount); err != nil {
		return r, fmt.Errorf("stored refund amount %q: %w", amount, err)
	}
	r.CreatedAt, err = parseTime(created)
	return r, err
}

// LinkPayment returns a link payment with its refunds, oldest first.
func (q queries) LinkPayment(ctx context.Context, id int64) (*app.LinkPayment, error) {
	var p app.LinkPayment
	err := q.inReadTx(ctx, func(tx queries) error {
		var err error
		if p, err = scanLinkPayment(tx.row(ctx, `SELECT `+linkPaymentColumns+` FROM link_payments WHERE id = ?`, id)); err != nil {
			return err
		}
		p.Refunds, err = queryAll(ctx, tx, scanProviderRefund, `SELECT id, payment_id, created_at, amount, succeeded
			FROM link_payment_refunds WHERE payment_id = ? ORDER BY created_at, id`, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: link payment %d: %w", id, err)
	}
	return &p, nil
}

// SaveLinkPayment stores p and its refunds under p.ID, replacing what was
// stored, and sets SyncedAt.
func (q queries) SaveLinkPayment(ctx context.Context, p *app.LinkPayment) error {
	if !p.Status.Valid() || p.Status == app.PaymentStatusExpired {
		return fmt.Errorf("store: save link payment %d: status %q", p.ID, p.Status)
	}
	p.SyncedAt = q.now()
	linkID := sql.NullInt64{Int64: p.LinkID, Valid: p.LinkID != 0}
	_, err := q.exec(ctx, `INSERT INTO link_payments (id, link_id, created_at, price, paid_price, paid_e6, refunded,
			refunded_e6, currency, installment, status, payer, card_bin, card_last_four, card_association, error_code,
			error_group, order_id, conversation_id, external_id, product_id, synced_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET link_id = excluded.link_id, created_at = excluded.created_at,
			price = excluded.price, paid_price = excluded.paid_price, paid_e6 = excluded.paid_e6,
			refunded = excluded.refunded, refunded_e6 = excluded.refunded_e6, currency = excluded.currency,
			installment = excluded.installment, status = excluded.status, payer = excluded.payer,
			card_bin = excluded.card_bin, card_last_four = excluded.card_last_four,
			card_association = excluded.card_association, error_code = excluded.error_code,
			error_group = excluded.error_group, order_id = excluded.order_id,
			conversation_id = excluded.conversation_id, external_id = excluded.external_id,
			product_id = excluded.product_id, synced_at = excluded.synced_at`,
		p.ID, linkID, formatTime(p.CreatedAt), p.Price.String(), p.PaidPrice.String(), units(p.PaidPrice),
		p.Refunded.String(), units(p.Refunded), p.Currency, p.Installment, p.Status, p.Payer, p.CardBIN, p.CardLastFour,
		p.CardAssociation, p.ErrorCode, p.ErrorGroup, p.OrderID, p.ConversationID, p.ExternalID, p.ProductID,
		formatTime(p.SyncedAt))
	if err != nil {
		return fmt.Errorf("store: save link payment %d: %w", p.ID, err)
	}
	if _, err := q.exec(ctx, `DELETE FROM link_payment_refunds WHERE payment_id = ?`, p.ID); err != nil {
		return fmt.Errorf("store: save refunds of link payment %d: %w", p.ID, err)
	}
	for _, r := range p.Refunds {
		if _, err := q.exec(ctx, `INSERT INTO link_payment_refunds (id, payment_id, created_at, amount, succeeded) VALUES (?, ?, ?, ?, ?)`,
			r.ID, p.ID, formatTime(r.CreatedAt), r.Amount.String(), r.Succeeded); err != nil {
			return fmt.Errorf("store: save refund %d of link payment %d: %w", r.ID, p.ID, err)
		}
	}
	return nil
}

const linkRefundColumns = `id, payment_id, amount, whole, status, refund_id, problem, actor_id, actor_email, ip, created_at, updated_at`

func scanLinkRefund(s rowScanner) (app.LinkRefund, error) {
	var (
		r                    app.LinkRefund
		amount               string
		refundID, actorID    sql.NullInt64
		createdAt, updatedAt string
		err                  error
	)
	if err := s.Scan(&r.ID, &r.PaymentID, &amount, &r.Whole, &r.Status, &refundID, &r.Problem, &actorID,
		&r.ActorEmail, &r.IP, &createdAt, &updatedAt); err != nil {
		return app.LinkRefund{}, mapErr(err)
	}
	if r.Amount, err = decimal.NewFromString(amount); err != nil {
		return app.LinkRefund{}, err
	}
	r.RefundID = refundID.Int64
	if actorID.Valid {
		r.ActorID = &actorID.Int64
	}
	if r.CreatedAt, err = parseTime(createdAt); err != nil {
		return app.LinkRefund{}, err
	}
	r.UpdatedAt, err = parseTime(updatedAt)
	return r, err
}

// CreateLinkRefund stores an open refund intent and sets its ID and times.
func (q queries) CreateLinkRefund(ctx context.Context, r *app.LinkRefund) error {
	if _, err := amountUnits(r.Amount); err != nil {
		return fmt.Errorf("store: create refund of link payment %d: %w", r.PaymentID, err)
	}
	now := q.now()
	r.Status, r.RefundID, r.CreatedAt, r.UpdatedAt = app.RefundOpen, 0, now, now
	err := q.row(ctx, `INSERT INTO link_refunds (payment_id, amount, whole, status, problem, actor_id, actor_email, ip,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.PaymentID, r.Amount.String(), r.Whole, r.Status, r.Problem, r.ActorID, r.ActorEmail, r.IP,
		formatTime(now), formatTime(now)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("store: create refund of link payment %d: %w", r.PaymentID, mapErr(err))
	}
	return nil
}

// FinishLinkRefund records an open intent's outcome: a compare-and-set on
// open, false when it was finished already. A Craftgate refund another
// intent claimed is app.ErrConflict.
func (q queries) FinishLinkRefund(ctx context.Context, r *app.LinkRefund) (bool, error) {
	r.UpdatedAt = q.now()
	refundID := sql.NullInt64{Int64: r.RefundID, Valid: r.RefundID != 0}
	err := q.execOne(ctx, `UPDATE link_refunds SET status = ?, refund_id = ?, problem = ?, updated_at = ? WHERE id = ? AND status = ?`,
		r.Status, refundID, r.Problem, formatTime(r.UpdatedAt), r.ID, app.RefundOpen)
	if errors.Is(err, app.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: finish link refund %d: %w", r.ID, err)
	}
	return true, nil
}

// LinkRefundsOf returns a payment's refund intents, oldest first.
func (q queries) LinkRefundsOf(ctx context.Context, paymentID int64) ([]app.LinkRefund, error) {
	rs, err := queryAll(ctx, q, scanLinkRefund, `SELECT `+linkRefundColumns+` FROM link_refunds WHERE payment_id = ? ORDER BY id`, paymentID)
	if err != nil {
		return nil, fmt.Errorf("store: refunds of link payment %d: %w", paymentID, err)
	}
	return rs, nil
}

// OpenLinkRefunds returns intents still open that began before
// createdBefore, at most a page of them.
func (q queries) OpenLinkRefunds(ctx context.Context, createdBefore time.Time) ([]app.LinkRefund, error) {
	rs, err := queryAll(ctx, q, scanLinkRefund, `SELECT `+linkRefundColumns+` FROM link_refunds WHERE status = ? AND created_at < ?
		ORDER BY id LIMIT ?`, app.RefundOpen, formatTime(createdBefore), app.MaxPageSize)
	if err != nil {
		return nil, fmt.Errorf("store: open link refunds: %w", err)
	}
	return rs, nil
}

// dayLayout is a day of the shop's zone as sales_days keys it.
const dayLayout = "2006-01-02"

// AddSales adds e to its quarter hour's totals and to its day's in zone.
func (q queries) AddSales(ctx context.Context, e app.SalesEntry, zone *time.Location) error {
	if !e.Source.Valid() || e.Currency == "" || !e.At.Equal(app.SalesBucketStart(e.At)) {
		return fmt.Errorf("store: add sales: bad entry %s %q at %s", e.Source, e.Currency, e.At)
	}
	figures := []any{e.Sales, units(e.SalesAmount), e.Failed, e.Refunds, units(e.RefundAmount)}
	_, err := q.exec(ctx, `INSERT INTO sales_totals (bucket, source, currency, sales, sales_e6, failed, refunds, refunds_e6)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, source, currency)`+upsertSet("sales_totals"),
		append([]any{formatTime(e.At), e.Source, e.Currency}, figures...)...)
	if err == nil {
		_, err = q.exec(ctx, `INSERT INTO sales_days (day, source, currency, sales, sales_e6, failed, refunds, refunds_e6)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, source, currency)`+upsertSet("sales_days"),
			append([]any{e.At.In(zone).Format(dayLayout), e.Source, e.Currency}, figures...)...)
	}
	if err != nil {
		return fmt.Errorf("store: add sales: %w", err)
	}
	return nil
}

// upsertSet is the DO UPDATE clause adding a row's figures to table's.
func upsertSet(table string) string {
	return ` DO UPDATE SET sales = ` + table + `.sales + excluded.sales, sales_e6 = ` + table + `.sales_e6 + excluded.sales_e6,
		failed = ` + table + `.failed + excluded.failed, refunds = ` + table + `.refunds + excluded.refunds,
		refunds_e6 = ` + table + `.refunds_e6 + excluded.refunds_e6`
}

// scanTotals reads a row of key, source, currency and the five figures.
func scanTotals(s rowScanner) (key string, e app.SalesEntry, err error) {
	var salesE6, refundedE6 int64
	if err := s.Scan(&key, &e.Source, &e.Currency, &e.Sales, &salesE6, &e.Failed, &e.Refunds, &refundedE6); err != nil {
		return "", e, mapErr(err)
	}
	e.SalesAmount, e.RefundAmount = fromUnits(salesE6), fromUnits(refundedE6)
	return key, e, nil
}

// SalesDays returns the totals of the days in zone from the day of from to
// the day before to's, oldest first; each entry's At is its day's midnight.
func (q queries) SalesDays(ctx context.Context, zone *time.Location, from, to time.Time) ([]app.SalesEntry, error) {
	entries, err := queryAll(ctx, q, func(s rowScanner) (app.SalesEntry, error) {
		day, e, err := scanTotals(s)
		if err != nil {
			return e, err
		}
		e.At, err = time.ParseInLocation(dayLayout, day, zone)
		return e, err
	}, `SELECT day, source, currency, sales, sales_e6, failed, refunds, refunds_e6 FROM sales_days
		WHERE day >= ? AND day < ? ORDER BY day, source, currency`, from.In(zone).Format(dayLayout), to.In(zone).Format(dayLayout))
	if err != nil {
		return nil, fmt.Errorf("store: sales days: %w", err)
	}
	return entries, nil
}

// SalesDaysZone names the zone the days are kept in, "" before any.
func (q queries) SalesDaysZone(ctx context.Context) (string, error) {
	var zone string
	err := q.row(ctx, `SELECT zone FROM sales_days_zone WHERE id = 1`).Scan(&zone)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: sales days zone: %w", mapErr(err))
	}
	return zone, nil
}

// RebuildSalesDays sums the quarter hours into days of zone, replacing the
// days kept, and records the zone. Run it in a transaction that holds the
// sales lock, so no sale is added meanwhile.
func (q queries) RebuildSalesDays(ctx context.Context, zone *time.Location) error {
	type key struct {
		day      string
		source   app.SaleSource
		currency app.Currency
	}
	days := map[key]*app.SalesEntry{}
	var order []key
	err := queryEach(ctx, q, func(s rowScanner) (app.SalesEntry, error) {
		bucket, e, err := scanTotals(s)
		if err != nil {
			return e, err
		}
		e.At, err = parseTime(bucket)
		return e, err
	}, func(e app.SalesEntry) error {
		k := key{e.At.In(zone).Format(dayLayout), e.Source, e.Currency}
		d, ok := days[k]
		if !ok {
			d = &app.SalesEntry{SalesAmount: decimal.Zero, RefundAmount: decimal.Zero}
			days[k] = d
			order = append(order, k)
		}
		d.Sales, d.Failed, d.Refunds = d.Sales+e.Sales, d.Failed+e.Failed, d.Refunds+e.Refunds
		d.SalesAmount, d.RefundAmount = d.SalesAmount.Add(e.SalesAmount), d.RefundAmount.Add(e.RefundAmount)
		return nil
	}, `SELECT bucket, source, currency, sales, sales_e6, failed, refunds, refunds_e6 FROM sales_totals ORDER BY bucket`)
	if err != nil {
		return fmt.Errorf("store: rebuild sales days: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM sales_days`); err != nil {
		return fmt.Errorf("store: rebuild sales days: %w", err)
	}
	for _, k := range order {
		d := days[k]
		if _, err := q.exec(ctx, `INSERT INTO sales_days (day, source, currency, sales, sales_e6, failed, refunds, refunds_e6)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.day, k.source, k.currency, d.Sales, units(d.SalesAmount), d.Failed, d.Refunds,
			units(d.RefundAmount)); err != nil {
			return fmt.Errorf("store: rebuild sales days: %w", err)
		}
	}
	_, err = q.exec(ctx, `INSERT INTO sales_days_zone (id, zone) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET zone = excluded.zone`, zone.String())
	if err != nil {
		return fmt.Errorf("store: rebuild sales days: %w", err)
	}
	return nil
}

const salesCounter = "sales"

// BumpSalesVersion moves the sales version.
func (q queries) BumpSalesVersion(ctx context.Context) error {
	_, err := q.exec(ctx, `INSERT INTO counters (name, n) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1`, salesCounter)
	if err != nil {
		return fmt.Errorf("store: bump sales version: %w", err)
	}
	return nil
}

// SalesVersion returns the sales version, 0 before any sale.
func (q queries) SalesVersion(ctx context.Context) (int64, error) {
	var n int64
	err := q.row(ctx, `SELECT n FROM counters WHERE name = ?`, salesCounter).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: sales version: %w", mapErr(err))
	}
	return n, nil
}

// saleSelects are the two halves of the sales list, QR payments and link
// payments, in the same columns.
const (
	qrSaleSelect = `SELECT 'qr' AS source, p.merchant_unique_code AS ref, 0 AS link_id, '' AS link_name,
		p.created_at AS created_at, p.amount AS amount, p.refunded_amount AS refunded, p.currency AS currency,
		p.status AS status, 0 AS installment, '' AS payer, p.description AS description, p.staff_email AS staff
		FROM payments p`
	linkSaleSelect = `SELECT 'link' AS source, CAST(lp.id AS TEXT) AS ref, COALESCE(lp.link_id, 0) AS link_id,
		COALESCE(l.name, '') AS link_name, lp.created_at AS created_at, lp.paid_price AS amount, lp.refunded AS refunded,
		lp.currency AS currency, lp.status AS status, lp.installment AS installment, lp.payer AS payer,
		'' AS description, '' AS staff
		FROM link_payments lp LEFT JOIN links l ON l.id = lp.link_id`
	saleOrder = ` ORDER BY created_at DESC, ref DESC`
)

// saleWheres are the conditions of each half; a half the filter rules out
// is nil.
func saleWheres(f app.SaleFilter) (qr, link *where, err error) {
	if f.Source != "" && !f.Source.Valid() {
		return nil, nil, fmt.Errorf("unknown sale source %q", f.Source)
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, nil, fmt.Errorf("unknown payment status %q", f.Status)
	}
	half := func(source app.SaleSource, prefix string) *where {
		if f.Source != "" && f.Source != source {
			return nil
		}
		var w where
		w.timeRange(prefix+"created_at", f.From, f.To)
		if f.Status != "" {
			w.add(prefix+"status = ?", f.Status)
		}
		if f.Currency != "" {
			w.add(prefix+"currency = ?", f.Currency)
		}
		return &w
	}
	qr, link = half(app.SaleSourceQR, "p."), half(app.SaleSourceLink, "lp.")
	if f.LinkID != 0 {
		qr = nil
		link.add("lp.link_id = ?", f.LinkID)
	}
	return qr, link, nil
}

// saleUnion is the query of both halves (or one) with their arguments.
func saleUnion(qr, link *where) (string, []any) {
	var (
		query string
		args  []any
	)
	if qr != nil {
		query, args = qrSaleSelect+qr.String(), qr.args
	}
	if link != nil {
		if query != "" {
			query += " UNION ALL "
		}
		query += linkSaleSelect + link.String()
		args = append(args, link.args...)
	}
	return query, args
}

func scanSale(s rowScanner) (app.Sale, error) {
	var (
		sale                  app.Sale
		created, amount, refd string
		err                   error
	)
	if err := s.Scan(&sale.Source, &sale.Ref, &sale.LinkID, &sale.LinkName, &created, &amount, &refd, &sale.Currency,
		&sale.Status, &sale.Installment, &sale.Payer, &sale.Description, &sale.Staff); err != nil {
		return app.Sale{}, mapErr(err)
	}
	if sale.Amount, err = decimal.NewFromString(amount); err != nil {
		return app.Sale{}, fmt.Errorf("stored amount %q: %w", amount, err)
	}
	if sale.Refunded, err = decimal.NewFromString(refd); err != nil {
		return app.Sale{}, fmt.Errorf("stored refunded amount %q: %w", refd, err)
	}
	sale.CreatedAt, err = parseTime(created)
	return sale, err
}

// ListSales returns one page of matching sales of both sources, newest
// first, and the number of all matching.
func (q queries) ListSales(ctx context.Context, f app.SaleFilter) ([]app.Sale, int, error) {
	qr, link, err := saleWheres(f)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list sales: %w", err)
	}
	limit, offset := page(f.Limit, f.Offset)
	var (
		sales []app.Sale
		total int
	)
	err = q.inReadTx(ctx, func(tx queries) error {
		for _, half := range []struct {
			w     *where
			table string
		}{{qr, "payments p"}, {link, "link_payments lp"}} {
			if half.w == nil {
				continue
			}
			var n int
			if err := tx.row(ctx, `SELECT COUNT(*) FROM `+half.table+half.w.String(), half.w.args...).Scan(&n); err != nil {
				return mapErr(err)
			}
			total += n
		}
		query, args := saleUnion(qr, link)
		var err error
		sales, err = queryAll(ctx, tx, scanSale, query+saleOrder+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: list sales: %w", err)
	}
	return sales, total, nil
}

// ForEachSale calls fn with every matching sale, newest first, without
// holding them all in memory (the CSV export). Limit and Offset are
// ignored.
func (q queries) ForEachSale(ctx context.Context, f app.SaleFilter, fn func(app.Sale) error) error {
	qr, link, err := saleWheres(f)
	if err != nil {
		return fmt.Errorf("store: export sales: %w", err)
	}
	query, args := saleUnion(qr, link)
	if err := queryEach(ctx, q, scanSale, fn, query+saleOrder, args...); err != nil {
		return fmt.Errorf("store: export sales: %w", err)
	}
	return nil
}

// LatestSales returns the n newest sales of both sources.
func (q queries) LatestSales(ctx context.Context, n int) ([]app.Sale, error) {
	query, args := saleUnion(&where{}, &where{})
	sales, err := queryAll(ctx, q, scanSale, query+saleOrder+` LIMIT ?`, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("store: latest sales: %w", err)
	}
	return sales, nil
}

// SyncCursor returns how far a catch-up has read, zero when it never ran.
func (q queries) SyncCursor(ctx context.Context, name string) (time.Time, error) {
	var at string
	err := q.row(ctx, `SELECT at FROM sync_cursors WHERE name = ?`, name).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: sync cursor %s: %w", name, mapErr(err))
	}
	return parseTime(at)
}

// AdvanceSyncCursor moves a cursor to to, never backwards: instances
// running the same catch-up may finish out of order.
func (q queries) AdvanceSyncCursor(ctx context.Context, name string, to time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO sync_cursors (name, at) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at WHERE sync_cursors.at < excluded.at`, name, formatTime(to))
	if err != nil {
		return fmt.Errorf("store: advance sync cursor %s: %w", name, err)
	}
	return nil
}

// RecordWebhook stores a verified event under its key and sets its ID and
// time; false (no error) when one with that key was recorded before.
func (q queries) RecordWebhook(ctx context.Context, w *app.WebhookRecord) (bool, error) {
	if w.Key == "" {
		return false, errors.New("store: record webhook: no key")
	}
	w.At = q.now()
	err := q.row(ctx, `INSERT INTO webhook_events (event_key, at, event_type, payload_id, reason, remote_ip)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING RETURNING id`,
		w.Key, formatTime(w.At), w.Type, w.PayloadID, w.Reason, w.RemoteIP).Scan(&w.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: record webhook %s: %w", w.Type, mapErr(err))
	}
	return true, nil
}

// WebhookSeen reports whether an event with key was recorded.
func (q queries) WebhookSeen(ctx context.Context, key string) (bool, error) {
	var n int
	if err := q.row(ctx, `SELECT COUNT(*) FROM webhook_events WHERE event_key = ?`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("store: webhook seen: %w", mapErr(err))
	}
	return n > 0, nil
}

// RecordStrayWebhook keeps a webhook that was not accepted and deletes all
// but the newest keep, so anyone posting them cannot grow the database.
func (q queries) RecordStrayWebhook(ctx context.Context, w *app.WebhookRecord, keep int) error {
	if len(w.Payload) > app.MaxCallbackPayload {
		return fmt.Errorf("store: record stray webhook: payload of %d bytes", len(w.Payload))
	}
	w.At = q.now()
	err := q.row(ctx, `INSERT INTO stray_webhooks (at, reason, remote_ip, payload) VALUES (?, ?, ?, ?) RETURNING id`,
		formatTime(w.At), w.Reason, w.RemoteIP, w.Payload).Scan(&w.ID)
	if err != nil {
		return fmt.Errorf("store: record stray webhook: %w", mapErr(err))
	}
	if _, err := q.exec(ctx, `DELETE FROM stray_webhooks WHERE id <= ?`, w.ID-int64(keep)); err != nil {
		return fmt.Errorf("store: trim stray webhooks: %w", err)
	}
	return nil
}

// StrayWebhooks returns the kept webhooks that were not accepted, newest
// first, for an operator (and tests) looking into them.
func (q queries) StrayWebhooks(ctx context.Context) ([]app.WebhookRecord, error) {
	ws, err := queryAll(ctx, q, func(s rowScanner) (app.WebhookRecord, error) {
		var (
			w   app.WebhookRecord
			at  string
			err error
		)
		if err := s.Scan(&w.ID, &at, &w.Reason, &w.RemoteIP, &w.Payload); err != nil {
			return w, mapErr(err)
		}
		w.At, err = parseTime(at)
		return w, err
	}, `SELECT id, at, reason, remote_ip, payload FROM stray_webhooks ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: stray webhooks: %w", err)
	}
	return ws, nil
}

// WebhookEvents returns the recorded events, newest first.
func (q queries) WebhookEvents(ctx context.Context) ([]app.WebhookRecord, error) {
	ws, err := queryAll(ctx, q, func(s rowScanner) (app.WebhookRecord, error) {
		var (
			w   app.WebhookRecord
			at  string
			err error
		)
		if err := s.Scan(&w.ID, &w.Key, &at, &w.Type, &w.PayloadID, &w.Reason, &w.RemoteIP); err != nil {
			return w, mapErr(err)
		}
		w.At, err = parseTime(at)
		return w, err
	}, `SELECT id, event_key, at, event_type, payload_id, reason, remote_ip FROM webhook_events ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: webhook events: %w", err)
	}
	return ws, nil
}

// LinkPaymentsSince returns a link's payments created from from on, with
// their refunds, oldest first.
func (q queries) LinkPaymentsSince(ctx context.Context, linkID int64, from time.Time) ([]app.LinkPayment, error) {
	var payments []app.LinkPayment
	err := q.inReadTx(ctx, func(tx queries) error {
		var err error
		payments, err = queryAll(ctx, tx, scanLinkPayment, `SELECT `+linkPaymentColumns+` FROM link_payments
			WHERE link_id = ? AND created_at >= ? ORDER BY created_at, id`, linkID, formatTime(from))
		if err != nil || len(payments) == 0 {
			return err
		}
		index := make(map[int64]int, len(payments))
		for i, p := range payments {
			index[p.ID] = i
		}
		return queryEach(ctx, tx, scanProviderRefund, func(r app.ProviderRefund) error {
			if i, ok := index[r.PaymentID]; ok {
				payments[i].Refunds = append(payments[i].Refunds, r)
			}
			return nil
		}, `SELECT r.id, r.payment_id, r.created_at, r.amount, r.succeeded FROM link_payment_refunds r
			JOIN link_payments p ON p.id = r.payment_id WHERE p.link_id = ? AND p.created_at >= ? ORDER BY r.created_at, r.id`,
			linkID, formatTime(from))
	})
	if err != nil {
		return nil, fmt.Errorf("store: payments of link %d: %w", linkID, err)
	}
	return payments, nil
}
