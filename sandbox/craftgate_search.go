package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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

// where turns the filters SQLite can apply exactly into a WHERE clause. Prices are
// decimal text, so their bounds are applied in Go (matches).
func (f productFilter) where() (string, []any) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.id != nil {
		add("id = ?", *f.id)
	}
	if f.name != "" {
		add("instr(name_folded, ?) > 0", foldName(f.name))
	}
	for _, c := range []struct{ column, value string }{
		{"order_id", f.orderID}, {"conversation_id", f.conversationID}, {"external_id", f.externalID},
		{"currency", f.currency}, {"channel", f.channel},
	} {
		if c.value != "" {
			add(c.column+" = ?", c.value)
		}
	}
	// Links without an expiry never match an expiry bound.
	if f.minExpiresAt != nil {
		add("expires_at >= ?", dbTime(f.minExpiresAt))
	}
	if f.maxExpiresAt != nil {
		add("expires_at <= ?", dbTime(f.maxExpiresAt))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (f productFilter) matches(p product) bool {
	return (f.minPrice == nil || p.Price.GreaterThanOrEqual(*f.minPrice)) &&
		(f.maxPrice == nil || p.Price.LessThanOrEqual(*f.maxPrice))
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
	where, args := f.where()
	rows, err := s.db.QueryContext(r.Context(),
		`SELECT `+productColumns+` FROM sandbox_products`+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return fmt.Errorf("sandbox: search products: %w", err)
	}
	defer rows.Close()
	var found []product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return fmt.Errorf("sandbox: search products: %w", err)
		}
		if f.matches(p) {
			found = append(found, p)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sandbox: search products: %w", err)
	}

	out := productPage{Items: []productJSON{}, Page: f.page, Size: f.size, TotalSize: int64(len(found))}
	if f.page <= len(found)/f.size { // guards page*size against overflow
		base := s.baseURL(r)
		start := f.page * f.size
		for _, p := range found[start:min(start+f.size, len(found))] {
			out.Items = append(out.Items, p.wire(base))
		}
	}
	writeData(w, http.StatusOK, out)
	return nil
}
