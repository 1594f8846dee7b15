package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// units is an amount Craftgate reported, in millionths, for sums and
// comparisons: rounded to six places and clamped, since Craftgate's own
// values need not obey the limits Linkdesk puts on what people type.
func units(d decimal.Decimal) int64 {
	u := d.Shift(amountScale).Round(0)
	switch {
	case u.Cmp(unitsBound) > 0:
		u = unitsBound
	case u.Cmp(unitsBound.Neg()) < 0:
		u = unitsBound.Neg()
	}
	return u.IntPart()
}

// fromUnits turns millionths back into an amount.
func fromUnits(u int64) decimal.Decimal { return decimal.New(u, -amountScale) }

const linkColumns = `l.id, l.name, l.description, l.price, l.currency, l.status, l.stock, l.sold_count, l.token,
	l.url, l.channel, l.order_id, l.conversation_id, l.external_id, l.basket_identifier, l.installments,
	l.multi_payment, l.expires_at`

func scanLink(s rowScanner) (app.Link, error) {
	var (
		l            app.Link
		price, insts string
		stock        sql.NullInt64
		expires      sql.NullString
		err          error
	)
	if err := s.Scan(&l.ID, &l.Name, &l.Description, &price, &l.Currency, &l.Status, &stock, &l.SoldCount, &l.Token,
		&l.URL, &l.Channel, &l.OrderID, &l.ConversationID, &l.ExternalID, &l.BasketIdentifier, &insts,
		&l.MultiPayment, &expires); err != nil {
		return app.Link{}, mapErr(err)
	}
	if l.Price, err = decimal.NewFromString(price); err != nil {
		return app.Link{}, fmt.Errorf("stored price %q: %w", price, err)
	}
	if stock.Valid {
		n := int(stock.Int64)
		l.Stock = &n
	}
	for part := range strings.SplitSeq(insts, ",") {
		if n, err := strconv.Atoi(part); err == nil {
			l.EnabledInstallments = append(l.EnabledInstallments, n)
		}
	}
	l.ExpiresAt, err = parseNullTime(expires)
	return l, err
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// SaveLinks writes links as Craftgate showed them at seen, replacing what
// was stored and bringing back any marked deleted; every one is marked seen.
func (q queries) SaveLinks(ctx context.Context, links []app.Link, seen time.Time) error {
	return q.saveLinks(ctx, links, seen, true)
}

// RefreshLinks writes the links that differ from the record (new, changed
// or marked deleted) as SaveLinks does. The others are not written and
// keep their seen time: a list paging through a large catalogue reads
// mostly unchanged links, and rewriting each took SQLite's write lock.
func (q queries) RefreshLinks(ctx context.Context, links []app.Link, seen time.Time) error {
	return q.saveLinks(ctx, links, seen, false)
}

// saveLinks writes links in one transaction, by id, so that two instances
// saving the same page on PostgreSQL lock its rows in the same order; seen
// marks unchanged ones too.
func (q queries) saveLinks(ctx context.Context, links []app.Link, seen time.Time, touch bool) error {
	byID := slices.SortedFunc(slices.Values(links), func(a, b app.Link) int { return cmp.Compare(a.ID, b.ID) })
	return q.inWriteTx(ctx, func(q queries) error {
		for _, l := range byID {
			var stock sql.NullInt64
			if l.Stock != nil {
				stock = sql.NullInt64{Int64: int64(*l.Stock), Valid: true}
			}
			_, err := q.exec(ctx, `INSERT INTO links (id, name, name_key, description, price, price_e6, currency, status,
				stock, sold_count, token, url, channel, order_id, conversation_id, external_id, basket_identifier,
				installments, multi_payment, expires_at, seen_at, deleted_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
					description = excluded.description, price = excluded.price, price_e6 = excluded.price_e6,
					currency = excluded.currency, status = excluded.status, stock = excluded.stock,
					sold_count = excluded.sold_count, token = excluded.token, url = excluded.url,
					channel = excluded.channel, order_id = excluded.order_id, conversation_id = excluded.conversation_id,
					external_id = excluded.external_id, basket_identifier = excluded.basket_identifier,
					installments = excluded.installments, multi_payment = excluded.multi_payment,
					expires_at = excluded.expires_at, seen_at = excluded.seen_at, deleted_at = NULL
				WHERE ? OR links.deleted_at IS NOT NULL OR (links.name, links.description, links.price, links.currency,
					links.status, links.stock, links.sold_count, links.token, links.url, links.channel, links.order_id,
					links.conversation_id, links.external_id, links.basket_identifier, links.installments,
					links.multi_payment, links.expires_at) IS DISTINCT FROM (excluded.name, excluded.description,
					excluded.price, excluded.currency, excluded.status, excluded.stock, excluded.sold_count,
					excluded.token, excluded.url, excluded.channel, excluded.order_id, excluded.conversation_id,
					excluded.external_id, excluded.basket_identifier, excluded.installments, excluded.multi_payment,
					excluded.expires_at)`,
				l.ID, l.Name, app.FoldName(l.Name), l.Description, l.Price.String(), units(l.Price), l.Currency, l.Status,
				stock, l.SoldCount, l.Token, l.URL, l.Channel, l.OrderID, l.ConversationID, l.ExternalID, l.BasketIdentifier,
				joinInts(l.EnabledInstallments), l.MultiPayment, nullTime(l.ExpiresAt), formatTime(seen), touch)
			if err != nil {
				return fmt.Errorf("store: save link %d: %w", l.ID, err)
			}
		}
		return nil
	})
}

// LocalLink returns a link from the record, deleted or not.
func (q queries) LocalLink(ctx context.Context, id int64) (*app.Link, error) {
	l, err := scanLink(q.row(ctx, `SELECT `+linkColumns+` FROM links l WHERE l.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: link %d: %w", id, err)
	}
	return &l, nil
}

// MarkLinkDeleted marks a link Craftgate no longer has; a link marked
// before keeps its first date. An unknown id is app.ErrNotFound.
func (q queries) MarkLinkDeleted(ctx context.Context, id int64) error {
	err := q.execOne(ctx, `UPDATE links SET deleted_at = COALESCE(deleted_at, ?) WHERE id = ?`, formatTime(q.now()), id)
	if err != nil {
		return fmt.Errorf("store: mark link %d deleted: %w", id, err)
	}
	return nil
}

// UnseenLinks returns up to limit links not deleted that Craftgate has not
// shown since seenBefore, the longest unseen first.
func (q queries) UnseenLinks(ctx context.Context, seenBefore time.Time, limit int) ([]int64, error) {
	limit, _ = page(limit, 0)
	ids, err := queryAll(ctx, q, func(s rowScanner) (int64, error) {
		var id int64
		return id, mapErr(s.Scan(&id))
	}, `SELECT id FROM links WHERE deleted_at IS NULL AND seen_at < ? ORDER BY seen_at, id LIMIT ?`, formatTime(seenBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("store: unseen links: %w", err)
	}
	return ids, nil
}

// likePattern matches s anywhere, with LIKE's wildcards in s taken
// literally (escaped with a backslash).
func likePattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
}

// linkSums sums each link's sales over its currencies, for sorting.
const linkSums = `(SELECT link_id, SUM(revenue_e6) AS revenue_e6, MAX(last_sale_at) AS last_sale_at
	FROM link_sales GROUP BY link_id) s`

// linkOrders are the ORDER BY clauses of each sort, in its natural
// direction and reversed; ties go to the newest link.
var linkOrders = map[app.LinkSort][2]string{
	app.LinkSortNewest:   {"l.id DESC", "l.id ASC"},
	app.LinkSortName:     {"l.name_key ASC, l.id DESC", "l.name_key DESC, l.id DESC"},
	app.LinkSortPrice:    {"l.price_e6 DESC, l.id DESC", "l.price_e6 ASC, l.id DESC"},
	app.LinkSortRevenue:  {"COALESCE(s.revenue_e6, 0) DESC, l.id DESC", "COALESCE(s.revenue_e6, 0) ASC, l.id DESC"},
	app.LinkSortLastSale: {"s.last_sale_at IS NULL, s.last_sale_at DESC, l.id DESC", "s.last_sale_at IS NULL, s.last_sale_at ASC, l.id DESC"},
}

// SearchLinks finds links of the record that are not deleted: the name
// folded anywhere in the folded name, currency and channel exactly, the
// price within its bounds; one page in q.Sort's order, and how many match.
func (q queries) SearchLinks(ctx context.Context, s app.LinkSearch) ([]app.Link, int64, error) {
	order, ok := linkOrders[s.Sort]
	if !ok {
		return nil, 0, fmt.Errorf("store: search links: unknown sort %q", s.Sort)
	}
	w := where{conds: []string{"l.deleted_at IS NULL"}}
	if s.Name != "" {
		w.add(`l.name_key LIKE ? ESCAPE '\'`, likePattern(app.FoldName(s.Name)))
	}
	if s.Currency != "" {
		w.add("l.currency = ?", s.Currency)
	}
	if s.Channel != "" {
		w.add("l.channel = ?", s.Channel)
	}
	if s.MinPrice != nil {
		w.add("l.price_e6 >= ?", boundUnits(*s.MinPrice, true))
	}
	if s.MaxPrice != nil {
		w.add("l.price_e6 <= ?", boundUnits(*s.MaxPrice, false))
	}
	from := ` FROM links l`
	if s.Sort == app.LinkSortRevenue || s.Sort == app.LinkSortLastSale {
		from += ` LEFT JOIN ` + linkSums + ` ON s.link_id = l.id`
	}
	orderBy := order[0]
	if s.Reverse {
		orderBy = order[1]
	}
	size := s.Size
	if size <= 0 {
		size = app.DefaultPageSize
	}
	limit, offset := page(size, s.Page*size)
	var (
		links []app.Link
		total int64
	)
	err := q.inReadTx(ctx, func(tx queries) error {
		if err := tx.row(ctx, `SELECT COUNT(*) FROM links l`+w.String(), w.args...).Scan(&total); err != nil {
			return mapErr(err)
		}
		var err error
		links, err = queryAll(ctx, tx, scanLink, `SELECT `+linkColumns+from+w.String()+` ORDER BY `+orderBy+` LIMIT ? OFFSET ?`,
			append(w.args, limit, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: search links: %w", err)
	}
	return links, total, nil
}

// LinksByRefs returns the links, not deleted, carrying any of the ids that
// are not empty (at most a page of them).
func (q queries) LinksByRefs(ctx context.Context, orderID, conversationID, externalID string) ([]app.Link, error) {
	var w where
	for _, r := range []struct{ col, v string }{{"order_id", orderID}, {"conversation_id", conversationID}, {"external_id", externalID}} {
		if r.v != "" {
			w.add("l."+r.col+" = ?", r.v)
		}
	}
	if len(w.conds) == 0 {
		return nil, nil
	}
	links, err := queryAll(ctx, q, scanLink, `SELECT `+linkColumns+` FROM links l WHERE l.deleted_at IS NULL AND (`+
		strings.Join(w.conds, " OR ")+`) ORDER BY l.id LIMIT ?`, append(w.args, app.DefaultPageSize)...)
	if err != nil {
		return nil, fmt.Errorf("store: links by refs: %w", err)
	}
	return links, nil
}

// placeholders is "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// LinkSales returns the sales summaries of the links among ids that have
// sales.
func (q queries) LinkSales(ctx context.Context, ids []int64) (map[int64]app.LinkSales, error) {
	out := map[int64]app.LinkSales{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	type row struct {
		id      int64
		revenue app.Money
		sales   int
		last    time.Time
	}
	err := queryEach(ctx, q, func(s rowScanner) (row, error) {
		var (
			r    row
			e6   int64
			last string
		)
		if err := s.Scan(&r.id, &r.revenue.Currency, &e6, &r.sales, &last); err != nil {
			return r, mapErr(err)
		}
		r.revenue.Amount = fromUnits(e6)
		var err error
		r.last, err = parseTime(last)
		return r, err
	}, func(r row) error {
		ls := out[r.id]
		ls.Revenue = append(ls.Revenue, r.revenue)
		ls.Sales += r.sales
		if ls.LastSaleAt == nil || r.last.After(*ls.LastSaleAt) {
			ls.LastSaleAt = &r.last
		}
		out[r.id] = ls
		return nil
	}, `SELECT link_id, currency, revenue_e6, sales, last_sale_at FROM link_sales WHERE link_id IN (`+placeholders(len(ids))+`)
		ORDER BY link_id, currency`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: link sales: %w", err)
	}
	return out, nil
}

// RecomputeLinkSales rebuilds a link's summary from its payments in the
// statuses counted.
func (q queries) RecomputeLinkSales(ctx context.Context, linkID int64, counted []app.PaymentStatus) error {
	if _, err := q.exec(ctx, `DELETE FROM link_sales WHERE link_id = ?`, linkID); err != nil {
		return fmt.Errorf("store: recompute sales of link %d: %w", linkID, err)
	}
	args := []any{linkID}
	for _, s := range counted {
		args = append(args, s)
	}
	_, err := q.exec(ctx, `INSERT INTO link_sales (link_id, currency, revenue_e6, sales, last_sale_at)
		SELECT link_id, currency, SUM(paid_e6 - refunded_e6), COUNT(*), MAX(created_at) FROM link_payments
		WHERE link_id = ? AND status IN (`+placeholders(len(counted))+`) GROUP BY link_id, currency`, args...)
	if err != nil {
		return fmt.Errorf("store: recompute sales of link %d: %w", linkID, err)
	}
	return nil
}

// TopLinks returns up to n links with the most revenue in currency, most
// first; a link the record does not have has no name.
func (q queries) TopLinks(ctx context.Context, currency app.Currency, n int) ([]app.TopLink, error) {
	top, err := queryAll(ctx, q, func(s rowScanner) (app.TopLink, error) {
		var (
			t  app.TopLink
			e6 int64
		)
		if err := s.Scan(&t.LinkID, &t.Name, &e6, &t.Sales); err != nil {
			return t, mapErr(err)
		}
		t.Revenue = app.Money{Amount: fromUnits(e6), Currency: currency}
		return t, nil
	}, `SELECT s.link_id, COALESCE(l.name, ''), s.revenue_e6, s.sales FROM link_sales s LEFT JOIN links l ON l.id = s.link_id
		WHERE s.currency = ? AND s.revenue_e6 > 0 ORDER BY s.revenue_e6 DESC, s.link_id DESC LIMIT ?`, currency, n)
	if err != nil {
		return nil, fmt.Errorf("store: top links: %w", err)
	}
	return top, nil
}
