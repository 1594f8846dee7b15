package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Search paging (notes §3.3): page is zero-based; a size above the cap is refused rather
// than clamped, so a client bug shows up instead of silently returning fewer items.
const (
	defaultPageSize = 25
	maxPageSize     = 100
)

// productFilter is a parsed search query. Empty strings and nil pointers mean "no filter".
type productFilter struct {
	id                                  *int64
	name                                string
	orderID, conversationID, externalID string
	currency, channel                   string
	minPrice, maxPrice                  *decimal.Decimal
	minExpiresAt, maxExpiresAt          *time.Time
	page, size                          int
}

// parseProductFilter reads the query. Empty parameters (Node sends `name=&currency=` for
// unset fields, notes §9) mean no filter; unknown parameters are ignored.
func parseProductFilter(rawQuery string) (productFilter, error) {
	q, _ := url.ParseQuery(rawQuery) // keeps every well-formed pair even when one is not
	get := func(key string) string { return strings.TrimSpace(q.Get(key)) }
	f := productFilter{
		name:           get("name"),
		orderID:        get("orderId"),
		conversationID: get("conversationId"),
		externalID:     get("externalId"),
		currency:       get("currency"),
		channel:        get("channel"),
		size:           defaultPageSize,
	}
	if v := get("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, errInvalidParam("id")
		}
		f.id = &id
	}
	if f.currency != "" && !slices.Contains(craftgateCurrencies, f.currency) {
		return f, errCurrencyInvalid
	}
	for _, p := range []struct {
		key string
		dst **decimal.Decimal
	}{{"minPrice", &f.minPrice}, {"maxPrice", &f.maxPrice}} {
		if v := get(p.key); v != "" {
			d, err := decimal.NewFromString(v)
			if err != nil {
				return f, errInvalidParam(p.key)
			}
			*p.dst = &d
		}
	}
	for _, p := range []struct {
		key string
		dst **time.Time
	}{{"minExpiresAt", &f.minExpiresAt}, {"maxExpiresAt", &f.maxExpiresAt}} {
		if v := get(p.key); v != "" {
			t, err := parseCraftTime(v)
			if err != nil {
				return f, errInvalidParam(p.key)
			}
			*p.dst = &t
		}
	}
	if v := get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, errInvalidParam("page")
		}
		f.page = n
	}
	if v := get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, errInvalidParam("size")
		}
		if n < 1 || n > maxPageSize {
			return f, errPageSize
		}
		f.size = n
	}
	return f, nil
}

// A search is answered from the indexes of schema/0002_search.sql. One index drives
// it, chosen by plan from the filters present, and the other filters are checked
// inside that index. The count reads only index entries; the page lists ids from
// the same index with LIMIT and OFFSET, and only the page's rows are read from the
// table. INDEXED BY names the driving index, so plans do not depend on statistics
// and a query that cannot use its index fails instead of scanning the table.

// searchPlan is the SQL of one search, without the page.
type searchPlan struct {
	// countFrom is the FROM clause of the count, pageFrom that of the page. An empty
	// countFrom means no filter: sandbox_products_stats holds the count.
	countFrom, pageFrom string
	// walkFrom, set for a price or expiry range, lists the page by walking
	// sandbox_products_by_id in id order instead of sorting every match of the
	// range; cheaper when the page is near either end of many matches (walkIsCheaper).
	walkFrom string
	where    string // " WHERE …" or empty
	args     []any
	key      string // the id column pages are ordered by
	// none is set when no product can match: a maxPrice of 0 or less.
	none bool
}

// FROM clauses of the product table with each index it can be searched by.
const (
	fromTable        = "sandbox_products AS p"
	fromID           = fromTable + " INDEXED BY sandbox_products_id"
	fromByID         = fromTable + " INDEXED BY sandbox_products_by_id"
	fromCurrency     = fromTable + " INDEXED BY sandbox_products_currency"
	fromChannel      = fromTable + " INDEXED BY sandbox_products_channel"
	fromPrice        = fromTable + " INDEXED BY sandbox_products_price"
	fromExpires      = fromTable + " INDEXED BY sandbox_products_expires"
	fromOrderID      = fromTable + " INDEXED BY sandbox_products_order_id"
	fromConversation = fromTable + " INDEXED BY sandbox_products_conversation_id"
	fromExternalID   = fromTable + " INDEXED BY sandbox_products_external_id"
)

// priceKeys returns the price bounds as keys (priceKey), empty for none. Every stored
// price is positive, so a minimum of 0 or less filters nothing and a maximum of 0 or
// less matches nothing (none).
func (f productFilter) priceKeys() (minKey, maxKey string, none bool) {
	if f.minPrice != nil && f.minPrice.IsPositive() {
		minKey = priceKey(*f.minPrice)
	}
	if f.maxPrice != nil {
		if !f.maxPrice.IsPositive() {
			return "", "", true
		}
		maxKey = priceKey(*f.maxPrice)
	}
	return minKey, maxKey, false
}

// plan picks the driving index: an id, then the optional ids (orderId and the others
// are nearly unique), then the name, a channel, a currency (most links share one or
// two), and a range last. Nothing is known about how many links a value matches, so
// the order is a fixed guess at selectivity; whichever drives, the others are
// checked in its index entries.
func (f productFilter) plan() searchPlan {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg ...any) {
		conds = append(conds, cond)
		args = append(args, arg...)
	}
	pl := searchPlan{key: "p.id"}
	name := foldName(f.name)

	minPriceKey, maxPriceKey, none := f.priceKeys()
	if none {
		return searchPlan{none: true}
	}
	byPrice := minPriceKey != "" || maxPriceKey != ""
	byExpiry := f.minExpiresAt != nil || f.maxExpiresAt != nil

	switch {
	case f.id != nil:
		pl.countFrom = fromTable
	case f.orderID != "":
		pl.countFrom = fromOrderID
		add("p.order_id <> ''") // the partial index's condition: SQLite cannot infer it from a parameter
	case f.conversationID != "":
		pl.countFrom = fromConversation
		add("p.conversation_id <> ''")
	case f.externalID != "":
		pl.countFrom = fromExternalID
		add("p.external_id <> ''")
	case name != "":
		pl.countFrom = "sandbox_products_name AS n"
		pl.key = "n.rowid"
		add("n.sandbox_products_name MATCH ?", nameMatch(name))
		name = "" // the name index answers it
	case f.channel != "":
		pl.countFrom = fromChannel
	case f.currency != "":
		pl.countFrom = fromCurrency
	case byPrice:
		pl.countFrom, pl.walkFrom = fromPrice, fromByID
	case byExpiry:
		pl.countFrom, pl.walkFrom = fromExpires, fromByID
	default:
		pl.pageFrom = fromID
	}
	if pl.pageFrom == "" {
		pl.pageFrom = pl.countFrom
	}

	driverConds := len(conds) // those of the driving index; the filters follow
	if f.id != nil {
		add("p.id = ?", *f.id)
	}
	if name != "" {
		// Only after an id or an optional id, which leave a few rows to look at.
		add("instr(p.name_folded, ?) > 0", name)
	}
	for _, c := range []struct{ column, value string }{
		{"order_id", f.orderID}, {"conversation_id", f.conversationID}, {"external_id", f.externalID},
		{"currency", f.currency}, {"channel", f.channel},
	} {
		if c.value != "" {
			add("p."+c.column+" = ?", c.value)
		}
	}
	if minPriceKey != "" {
		add("p.price_key >= ?", minPriceKey)
	}
	if maxPriceKey != "" {
		add("p.price_key <= ?", maxPriceKey)
	}
	// Links without an expiry never match an expiry bound.
	if f.minExpiresAt != nil {
		add("p.expires_at >= ?", dbTime(f.minExpiresAt))
	}
	if f.maxExpiresAt != nil {
		add("p.expires_at <= ?", dbTime(f.maxExpiresAt))
	}
	if pl.key == "n.rowid" && len(conds) > driverConds {
		// The other filters are all columns of sandbox_products_by_id, so each name
		// match costs one lookup in that index, never a table row.
		pl.countFrom += " CROSS JOIN " + fromByID + " ON p.id = n.rowid"
		pl.pageFrom = pl.countFrom
	}
	if len(conds) > 0 {
		pl.where = " WHERE " + strings.Join(conds, " AND ")
	}
	pl.args = args
	return pl
}

func (pl searchPlan) countSQL() string { return `SELECT count(*) FROM ` + pl.countFrom + pl.where }

// pageSQL reads the products whose ids the FROM clause from lists in order (DESC:
// newest first), with LIMIT and OFFSET as the last two arguments. The rows come back
// newest first either way. CROSS JOIN keeps the page's ids as the outer loop and
// NOT INDEXED makes each row one lookup by rowid: with statistics from a small
// table, SQLite would otherwise rather scan the table against the list, or look the
// id up in sandbox_products_id first.
func (pl searchPlan) pageSQL(from, order string) string {
	return `SELECT ` + productColumns + ` FROM (
		SELECT ` + pl.key + ` AS page_id FROM ` + from + pl.where + ` ORDER BY ` + pl.key + ` ` + order + ` LIMIT ? OFFSET ?
	) CROSS JOIN sandbox_products NOT INDEXED ON id = page_id ORDER BY id DESC`
}

// nameMatch returns the MATCH expression of sandbox_products_name for a folded
// query: a phrase of its trigrams, or for 1 or 2 characters the one token of grams
// that stands for them (see nameGrams).
func nameMatch(folded string) string {
	q := nameSearchText(folded)
	switch utf8.RuneCountInString(q) {
	case 1:
		q = "grams : " + quotePhrase("Z"+q+"Z")
	case 2:
		_, size := utf8.DecodeRuneInString(q)
		q = "grams : " + quotePhrase(q[:size]+"Z"+q[size:])
	default:
		q = "name : " + quotePhrase(q)
	}
	return q
}

// quotePhrase is s as an FTS5 string, which takes every character literally.
func quotePhrase(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// nameSearchText is a folded name as the name index holds it. FTS5 stops at
// U+0000 (it reads C strings); a folded text never holds an upper-case 'A', so
// writing U+0000 as 'A' in both names and queries keeps every match as it was.
func nameSearchText(folded string) string { return strings.ReplaceAll(folded, "\x00", "A") }

// nameGrams is the grams column for a name search text: 'Z' before, between and
// after its characters, so that its trigrams are one token for each character
// ('ZcZ') and one for each pair of adjacent characters ('cZd').
func nameGrams(text string) string {
	var b strings.Builder
	b.Grow(2*len(text) + 1)
	b.WriteByte('Z')
	for _, r := range text {
		b.WriteRune(r)
		b.WriteByte('Z')
	}
	return b.String()
}

// execer runs a statement inside or outside a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// indexProductName writes a product's name into the name index. It runs in the
// transaction that writes the product, so a search never sees one without the other.
func indexProductName(ctx context.Context, tx execer, id int64, folded string) error {
	text := nameSearchText(folded)
	if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_products_name (rowid, name, grams) VALUES (?, ?, ?)`,
		id, text, nameGrams(text)); err != nil {
		return fmt.Errorf("index name: %w", err)
	}
	return nil
}

// unindexProductName removes a product from the name index.
func unindexProductName(ctx context.Context, tx execer, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sandbox_products_name WHERE rowid = ?`, id); err != nil {
		return fmt.Errorf("unindex name: %w", err)
	}
	return nil
}

// backfillSearch fills price_key and the name index for the links that existed
// before schema version 2.
func backfillSearch(ctx context.Context, tx *sql.Tx) error {
	type link struct {
		id          int64
		name, price string
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name_folded, price FROM sandbox_products`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.id, &l.name, &l.price); err != nil {
			return err
		}
		links = append(links, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	setKey, err := tx.PrepareContext(ctx, `UPDATE sandbox_products SET price_key = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer setKey.Close()
	for _, l := range links {
		price, err := decimal.NewFromString(l.price)
		if err != nil {
			return fmt.Errorf("product %d price %q: %w", l.id, l.price, err)
		}
		if _, err := setKey.ExecContext(ctx, priceKey(price), l.id); err != nil {
			return err
		}
		if err := indexProductName(ctx, tx, l.id, l.name); err != nil {
			return err
		}
	}
	return nil
}

// priceKey is a decimal as sandbox_products.price_key and
// sandbox_payments.paid_price_key hold it (see 0002_search.sql): text that
// orders as the numbers do. It is built from the coefficient and exponent,
// so a bound such as 1e999999999 costs no more than 1. Zero and below (a
// filter's lower bound; stored amounts are positive) come before every
// positive amount.
func priceKey(d decimal.Decimal) string {
	if d.Sign() <= 0 {
		return ""
	}
	coef := d.Coefficient().String()
	digits := strings.TrimRight(coef, "0")
	// exp is the number of integer digits, or minus the zeros after the point.
	exp := int64(len(coef)) + int64(d.Exponent())
	// Stored prices are at most 10^9 bytes long, SQLite's string limit, so their
	// exponents lie strictly inside ±10^9; a bound beyond orders the same when clamped.
	exp = max(-999_999_999, min(exp, 8_999_999_999))
	return fmt.Sprintf("%010d", 1_000_000_000+exp) + digits
}

// walkSortRatio is about how many index entries a walk visits in the time that
// sorting takes per match: each match is read from the index as in the walk, then
// inserted into SQLite's sorter.
const walkSortRatio = 4

// walkIsCheaper reports whether walking sandbox_products_by_id beats sorting the
// matches of a range. Matches spread evenly over ids are assumed: reaching skip+limit
// of them visits about (skip+limit)·all/total entries.
func walkIsCheaper(skip, limit, total, all int64) bool {
	return (skip+limit)*all <= walkSortRatio*total*total
}

type productPage struct {
	Items     []productJSON `json:"items"`
	Page      int           `json:"page"`
	Size      int           `json:"size"`
	TotalSize int64         `json:"totalSize"`
}

// searchProducts answers newest first (id descending).
func (s *Sandbox) searchProducts(w http.ResponseWriter, r *http.Request) error {
	f, err := parseProductFilter(r.URL.RawQuery)
	if err != nil {
		return err
	}
	found, total, err := s.findProducts(r.Context(), f)
	if err != nil {
		return fmt.Errorf("sandbox: search products: %w", err)
	}
	out := productPage{Items: make([]productJSON, 0, len(found)), Page: f.page, Size: f.size, TotalSize: total}
	base := s.baseURL(r)
	for _, p := range found {
		out.Items = append(out.Items, p.wire(base))
	}
	writeData(w, http.StatusOK, out)
	return nil
}

const statsSQL = `SELECT total, generation FROM sandbox_products_stats WHERE id = 1`

// findProducts counts the matches of f and reads its page (zero-based) of them,
// newest first. Both run in one read transaction, so they see the same rows.
func (s *Sandbox) findProducts(ctx context.Context, f productFilter) ([]product, int64, error) {
	pl, page, size := f.plan(), f.page, f.size
	if pl.none {
		return nil, 0, nil
	}
	// Every statement the search may run is prepared before the transaction holds a
	// connection: preparing needs one, and a pool may have only that one.
	queries := []string{statsSQL}
	if pl.countFrom != "" {
		queries = append(queries, pl.countSQL())
	}
	for _, from := range []string{pl.pageFrom, pl.walkFrom} {
		if from != "" {
			queries = append(queries, pl.pageSQL(from, "DESC"), pl.pageSQL(from, "ASC"))
		}
	}
	stmts, err := s.search.stmts.prepare(ctx, s.db, queries)
	if err != nil {
		return nil, 0, fmt.Errorf("prepare: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback() // read-only: nothing to undo
	query := func(q string, args ...any) (*sql.Rows, error) {
		if stmt := stmts[q]; stmt != nil {
			return tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
		}
		return tx.QueryContext(ctx, q, args...)
	}
	var all, generation int64
	if err := scanOne(query(statsSQL))(&all, &generation); err != nil {
		return nil, 0, fmt.Errorf("stats: %w", err)
	}
	total := all
	if pl.countFrom != "" {
		key := pl.countKey()
		var ok bool
		if total, ok = s.search.counts.get(generation, key); !ok {
			if err := scanOne(query(pl.countSQL(), pl.args...))(&total); err != nil {
				return nil, 0, fmt.Errorf("count: %w", err)
			}
			s.search.counts.put(generation, key, f, total)
		}
	}
	if int64(page) >= (total+int64(size)-1)/int64(size) { // also keeps page*size from overflowing
		return nil, total, nil
	}
	offset := int64(page) * int64(size)
	limit := min(int64(size), total-offset)
	// The page is the rows at offset..offset+limit newest first, or at back..back+limit
	// oldest first. Listing from the nearer end skips fewer index entries, which keeps
	// the last pages as cheap as the first.
	order, skip := "DESC", offset
	if back := total - offset - limit; back < offset {
		order, skip = "ASC", back
	}
	from := pl.pageFrom
	if pl.walkFrom != "" && walkIsCheaper(skip, limit, total, all) {
		from = pl.walkFrom
	}
	rows, err := query(pl.pageSQL(from, order), append(slices.Clip(pl.args), limit, skip)...)
	if err != nil {
		return nil, 0, fmt.Errorf("page: %w", err)
	}
	defer rows.Close()
	found := make([]product, 0, limit)
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("page: %w", err)
		}
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("page: %w", err)
	}
	return found, total, nil
}

// scanOne scans the single row of a query's result.
func scanOne(rows *sql.Rows, err error) func(dest ...any) error {
	return func(dest ...any) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return sql.ErrNoRows
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		return rows.Close()
	}
}

// searchCache is what searches keep between requests.
type searchCache struct {
	counts countCache
	stmts  stmtCache
}

// maxCachedStmts bounds stmtCache. Searches have a few dozen shapes in practice
// (which filters are set, which end a page is listed from); rarer ones are
// prepared each time.
const maxCachedStmts = 256

// stmtCache keeps prepared search statements by their SQL: SQLite takes about as
// long to parse and plan a search's statements as to run them for one page.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepare returns the prepared statements of queries, by their SQL; once the cache
// is full, new ones are left out and run unprepared.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, queries []string) (map[string]*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	out := make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		stmt, ok := c.stmts[q]
		if !ok && len(c.stmts) < maxCachedStmts {
			var err error
			if stmt, err = db.PrepareContext(ctx, q); err != nil {
				return nil, err
			}
			c.stmts[q] = stmt
		}
		out[q] = stmt
	}
	return out, nil
}

// countKey identifies a count: its SQL and arguments.
func (pl searchPlan) countKey() string {
	var b strings.Builder
	b.WriteString(pl.countSQL())
	for _, a := range pl.args {
		fmt.Fprintf(&b, "\x00%#v", a) // %#v quotes strings, so no two keys read the same
	}
	return b.String()
}
