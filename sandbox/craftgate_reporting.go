package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Payment reporting (craftgate-notes §6): search, retrieve and the refunds of one
// payment, answered from the payments the hosted link pages recorded. Same signing,
// envelope and paging as the Craftlink API.

// paymentFilter is a parsed payment search: SQL conditions with their arguments, and
// the page.
type paymentFilter struct {
	conds      []string
	args       []any
	page, size int
}

func (f *paymentFilter) add(cond string, arg any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, arg)
}

func (f paymentFilter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// Every search parameter of craftgate-notes §6 maps to a column. Link payments have no
// buyer or sub-merchant member (NULL), so those filters match nothing; a payment's
// single transaction has the payment's id. productId is the sandbox's extension.
var (
	paymentIntFilters = []struct{ key, column string }{
		{"paymentId", "id"},
		{"paymentTransactionId", "id"},
		{"buyerMemberId", "buyer_member_id"},
		{"subMerchantMemberId", "sub_merchant_id"},
		{"installment", "installment"},
		{"productId", "product_id"},
	}
	paymentTextFilters = []struct{ key, column string }{
		{"conversationId", "conversation_id"},
		{"externalId", "external_id"},
		{"orderId", "order_id"},
		{"paymentType", "payment_type"},
		{"paymentProvider", "payment_provider"},
		{"paymentStatus", "payment_status"},
		{"paymentSource", "payment_source"},
		{"paymentChannel", "payment_channel"},
		{"binNumber", "bin_number"},
		{"lastFourDigits", "last_four_digits"},
		{"currency", "currency"},
	}
)

// parsePaymentFilter reads the query like the product search does: empty parameters
// mean no filter, unknown ones are ignored, text filters are exact (an unknown enum
// value matches nothing), bounds are inclusive.
func parsePaymentFilter(rawQuery string) (paymentFilter, error) {
	q, _ := url.ParseQuery(rawQuery) // keeps every well-formed pair even when one is not
	get := func(key string) string { return strings.TrimSpace(q.Get(key)) }
	f := paymentFilter{size: defaultPageSize}
	for _, p := range paymentIntFilters {
		if v := get(p.key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return f, errInvalidParam(p.key)
			}
			f.add(p.column+" = ?", n)
		}
	}
	for _, p := range paymentTextFilters {
		if v := get(p.key); v != "" {
			f.add(p.column+" = ?", v)
		}
	}
	if v := get("currency"); v != "" && !slices.Contains(craftgateCurrencies, v) {
		return f, errCurrencyInvalid
	}
	if v := get("isThreeDS"); v != "" {
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return f, errInvalidParam("isThreeDS")
		}
		f.add("is_three_ds = ?", b)
	}
	for _, p := range []struct{ key, cond string }{
		{"minPaidPrice", "paid_price_key >= ?"}, {"maxPaidPrice", "paid_price_key <= ?"},
	} {
		if v := get(p.key); v != "" {
			d, err := decimal.NewFromString(v)
			if err != nil {
				return f, errInvalidParam(p.key)
			}
			// Paid prices are positive, so a negative bound means the same as zero.
			f.add(p.cond, priceKey(decimal.Max(d, decimal.Zero)))
		}
	}
	for _, p := range []struct{ key, cond string }{
		{"minCreatedDate", "created_at >= ?"}, {"maxCreatedDate", "created_at <= ?"},
	} {
		if v := get(p.key); v != "" {
			t, err := parseCraftTime(v)
			if err != nil {
				return f, errInvalidParam(p.key)
			}
			f.add(p.cond, dbTime(&t))
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

// searchQuery is the page's SELECT, newest first. Each index on sandbox_payments ends in
// (created_at, id), so a filtered search reads one index range in this order.
func (f paymentFilter) searchQuery() (string, []any) {
	return `SELECT ` + paymentColumns + ` FROM sandbox_payments` + f.where() +
			` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(slices.Clone(f.args), f.size, f.page*f.size)
}

type paymentPage struct {
	Items     []paymentJSON `json:"items"`
	Page      int           `json:"page"`
	Size      int           `json:"size"`
	TotalSize int64         `json:"totalSize"`
}

// reportPayments serves GET /payment-reporting/v1/payments.
func (s *Sandbox) reportPayments(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if r.Method != http.MethodGet {
		return errMethod
	}
	f, err := parsePaymentFilter(r.URL.RawQuery)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// One read transaction, so the count and the page come from the same snapshot.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sandbox: search payments: %w", err)
	}
	defer tx.Rollback() // read-only
	out := paymentPage{Items: []paymentJSON{}, Page: f.page, Size: f.size}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sandbox_payments`+f.where(), f.args...).Scan(&out.TotalSize); err != nil {
		return fmt.Errorf("sandbox: count payments: %w", err)
	}
	var found []payment
	if f.page <= math.MaxInt/f.size { // page*size must not overflow
		query, args := f.searchQuery()
		if found, err = queryPayments(ctx, tx, query, args...); err != nil {
			return err
		}
	}
	if out.Items, err = wirePayments(ctx, tx, parseLang(r.Header.Get("lang")), found); err != nil {
		return err
	}
	writeData(w, http.StatusOK, out)
	return nil
}

// reportPayment serves GET /payment-reporting/v1/payments/{id}.
func (s *Sandbox) reportPayment(w http.ResponseWriter, r *http.Request, _ []byte) error {
	pay, err := s.pathPayment(r)
	if err != nil {
		return err
	}
	items, err := wirePayments(r.Context(), s.db, parseLang(r.Header.Get("lang")), []payment{pay})
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, items[0])
	return nil
}

// reportPaymentRefunds serves GET /payment-reporting/v1/payments/{id}/refunds: all of
// them, oldest first, as {"items": […]} without paging fields (the endpoint is not paged).
func (s *Sandbox) reportPaymentRefunds(w http.ResponseWriter, r *http.Request, _ []byte) error {
	pay, err := s.pathPayment(r)
	if err != nil {
		return err
	}
	rfs, err := findRefunds(r.Context(), s.db, "payment_id", pay.ID)
	if err != nil {
		return err
	}
	items := make([]refundJSON, len(rfs))
	for i, rf := range rfs {
		items[i] = rf.wire(false)
	}
	writeData(w, http.StatusOK, struct {
		Items []refundJSON `json:"items"`
	}{items})
	return nil
}

// pathPayment reads the payment named by a GET request's {id}.
func (s *Sandbox) pathPayment(r *http.Request) (payment, error) {
	if r.Method != http.MethodGet {
		return payment{}, errMethod
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return payment{}, errPaymentNotFound
	}
	return findPayment(r.Context(), s.db, id)
}

// querier runs a query inside or outside a transaction: *sql.DB and *sql.Tx both fit.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryPayments(ctx context.Context, q querier, query string, args ...any) ([]payment, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sandbox: search payments: %w", err)
	}
	defer rows.Close()
	var out []payment
	for rows.Next() {
		pay, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("sandbox: search payments: %w", err)
		}
		out = append(out, pay)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: search payments: %w", err)
	}
	return out, nil
}

// wirePayments answers payments with their refunds, read in one query.
func wirePayments(ctx context.Context, q querier, l lang, pays []payment) ([]paymentJSON, error) {
	ids := make([]int64, len(pays))
	for i, p := range pays {
		ids[i] = p.ID
	}
	rfs, err := findRefunds(ctx, q, "payment_id", ids...)
	if err != nil {
		return nil, err
	}
	byPayment := map[int64][]refundJSON{}
	for _, rf := range rfs {
		byPayment[rf.PaymentID] = append(byPayment[rf.PaymentID], rf.wire(false))
	}
	out := make([]paymentJSON, len(pays))
	for i, p := range pays {
		refunds := byPayment[p.ID]
		if refunds == nil {
			refunds = []refundJSON{}
		}
		out[i] = p.wire(l, refunds)
	}
	return out, nil
}
