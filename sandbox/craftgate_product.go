package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Link statuses and the currencies Craftgate accepts (notes §3.5).
const (
	statusActive  = "ACTIVE"
	statusPassive = "PASSIVE"

	maxInstallment = 12
)

var craftgateCurrencies = []string{
	"TRY", "USD", "EUR", "GBP", "CNY", "ARS", "BRL", "AED", "IQD", "AZN",
	"KZT", "KWD", "SAR", "BHD", "RUB", "JPY", "EGP", "MXN", "RON",
}

// craftTimeLayout is Craftgate's date-time format: no fraction, no zone (UTC here).
const craftTimeLayout = "2006-01-02T15:04:05"

// product is a payment link as stored.
type product struct {
	ID               int64
	Token            string
	Name             string
	Description      string
	Channel          string
	OrderID          string
	ConversationID   string
	ExternalID       string
	BasketIdentifier string
	Status           string
	Price            decimal.Decimal
	Currency         string
	Stock            *int64 // nil: unlimited
	SoldCount        int64
	Installments     []int
	MultiPayment     bool
	ExpiresAt        *time.Time // UTC, whole seconds; nil: never expires
}

// productJSON is the wire form of a product. Empty optional strings are sent as null.
type productJSON struct {
	ID                  int64       `json:"id"`
	Name                string      `json:"name"`
	Description         *string     `json:"description"`
	OrderID             *string     `json:"orderId"`
	ConversationID      *string     `json:"conversationId"`
	ExternalID          *string     `json:"externalId"`
	Status              string      `json:"status"`
	Price               json.Number `json:"price"`
	Currency            string      `json:"currency"`
	Stock               *int64      `json:"stock"`
	SoldCount           int64       `json:"soldCount"`
	Token               string      `json:"token"`
	EnabledInstallments []int       `json:"enabledInstallments"`
	URL                 string      `json:"url"`
	QRCodeURL           string      `json:"qrCodeUrl"`
	Channel             *string     `json:"channel"`
	MultiPayment        bool        `json:"multiPayment"`
	ExpiresAt           *string     `json:"expiresAt"`
	BasketIdentifier    *string     `json:"basketIdentifier"`
}

// linkURL is the hosted payment page of a token; it is derived, not stored, so links
// keep working when the server moves (PublicURL or port change).
func linkURL(base, token string) string { return base + craftgatePrefix + "/pay/" + token }

func (p product) wire(base string) productJSON {
	u := linkURL(base, p.Token)
	out := productJSON{
		ID:                  p.ID,
		Name:                p.Name,
		Description:         nullIfEmpty(p.Description),
		OrderID:             nullIfEmpty(p.OrderID),
		ConversationID:      nullIfEmpty(p.ConversationID),
		ExternalID:          nullIfEmpty(p.ExternalID),
		Status:              p.Status,
		Price:               json.Number(plainDecimal(p.Price)),
		Currency:            p.Currency,
		Stock:               p.Stock,
		SoldCount:           p.SoldCount,
		Token:               p.Token,
		EnabledInstallments: p.Installments,
		URL:                 u,
		QRCodeURL:           u + "/qr",
		Channel:             nullIfEmpty(p.Channel),
		MultiPayment:        p.MultiPayment,
		BasketIdentifier:    nullIfEmpty(p.BasketIdentifier),
	}
	if p.ExpiresAt != nil {
		v := p.ExpiresAt.Format(craftTimeLayout)
		out.ExpiresAt = &v
	}
	return out
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// plainDecimal prints d without trailing zeros and never in scientific notation
// (149.90 → 149.9, 100.00 → 100), independent of decimal's package-level settings.
func plainDecimal(d decimal.Decimal) string {
	n := d.Normalize()
	return n.StringFixed(max(0, -n.Exponent()))
}

// foldName lower-cases with Turkish rules, so "İstanbul" and "istanbul" match and
// "IRMAK" matches "ırmak".
func foldName(s string) string { return strings.ToLowerSpecial(unicode.TurkishCase, s) }

// productInput is a create or update request body. Pointers tell "absent or null"
// apart from zero values.
type productInput struct {
	Name                *string          `json:"name"`
	Description         *string          `json:"description"`
	Channel             *string          `json:"channel"`
	OrderID             *string          `json:"orderId"`
	ConversationID      *string          `json:"conversationId"`
	ExternalID          *string          `json:"externalId"`
	BasketIdentifier    *string          `json:"basketIdentifier"`
	Price               *decimal.Decimal `json:"price"`
	Currency            *string          `json:"currency"`
	Stock               *int64           `json:"stock"`
	EnabledInstallments *[]int           `json:"enabledInstallments"`
	MultiPayment        *bool            `json:"multiPayment"`
	ExpiresAt           *string          `json:"expiresAt"`
	Status              *string          `json:"status"`
}

func decodeProductInput(body []byte) (productInput, error) {
	var in productInput
	if err := json.Unmarshal(body, &in); err != nil {
		return in, errMalformed
	}
	return in, nil
}

// validate applies the create rules, plus the status rule when forUpdate, and returns
// the product fields a create or a full-replace update stores. The first broken rule
// wins, in the order of the checks below.
func (in productInput) validate(forUpdate bool) (product, error) {
	p := product{
		Name:             strings.TrimSpace(deref(in.Name)),
		Description:      deref(in.Description),
		Channel:          deref(in.Channel),
		OrderID:          deref(in.OrderID),
		ConversationID:   deref(in.ConversationID),
		ExternalID:       deref(in.ExternalID),
		BasketIdentifier: deref(in.BasketIdentifier),
		Currency:         deref(in.Currency),
		MultiPayment:     in.MultiPayment != nil && *in.MultiPayment,
		Status:           statusActive, // a created link is always ACTIVE; status is ignored on create
	}
	if forUpdate {
		switch {
		case in.Status == nil || *in.Status == "":
			return p, errStatusRequired
		case *in.Status != statusActive && *in.Status != statusPassive:
			return p, errStatusInvalid
		}
		p.Status = *in.Status
	}
	if p.Name == "" {
		return p, errNameRequired
	}
	if in.Price == nil {
		return p, errPriceRequired
	}
	if !in.Price.IsPositive() {
		return p, errPricePositive
	}
	p.Price = *in.Price
	if p.Currency == "" {
		return p, errCurrencyRequired
	}
	if !slices.Contains(craftgateCurrencies, p.Currency) {
		return p, errCurrencyInvalid
	}
	if in.EnabledInstallments == nil {
		return p, errInstallmentsMissing
	}
	p.Installments = slices.Clone(*in.EnabledInstallments)
	slices.Sort(p.Installments)
	for i, n := range p.Installments {
		if n < 1 || n > maxInstallment {
			return p, errInstallmentRange
		}
		if i > 0 && p.Installments[i-1] == n {
			return p, errInstallmentRepeated
		}
	}
	// "stock":0 is what clients with omitempty-less zero values send for "no limit"
	// (notes §9), so 0 and null both mean unlimited.
	if in.Stock != nil && *in.Stock != 0 {
		if *in.Stock < 0 {
			return p, errStockNegative
		}
		p.Stock = in.Stock
	}
	if p.OrderID != "" && (p.Stock == nil || *p.Stock != 1) {
		return p, errOrderIDStock
	}
	if in.ExpiresAt != nil && *in.ExpiresAt != "" {
		t, err := parseCraftTime(*in.ExpiresAt)
		if err != nil {
			return p, errExpiresAtInvalid
		}
		p.ExpiresAt = &t
	}
	return p, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// craftTimeLayouts are the date-time shapes clients send (notes §3.1, §9): seconds and a
// fraction are optional (time.Parse accepts a fraction after seconds without asking),
// the zone is optional and a missing zone means UTC.
var craftTimeLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
}

// parseCraftTime parses a client date-time and returns it in UTC, truncated to seconds.
// A zone can push a 4-digit year out of 0000-9999 in UTC ("0000-01-01T00:30+01:00"),
// which dbTimeLayout cannot store and read back, so such values are refused.
func parseCraftTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range craftTimeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC().Truncate(time.Second)
			if t.Year() < 0 || t.Year() > 9999 {
				return time.Time{}, fmt.Errorf("date-time %q is outside years 0000-9999 in UTC", v)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parse date-time %q", v)
}

// products serves /craftlink/v1/products: search (GET) and create (POST).
func (s *Sandbox) products(w http.ResponseWriter, r *http.Request, body []byte) error {
	switch r.Method {
	case http.MethodGet:
		return s.searchProducts(w, r)
	case http.MethodPost:
		return s.createProduct(w, r, body)
	default:
		return errMethod
	}
}

// product serves /craftlink/v1/products/{id}: retrieve, update and delete.
func (s *Sandbox) product(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errProductNotFound
	}
	switch r.Method {
	case http.MethodGet:
		p, err := findProduct(r.Context(), s.db, "id", id)
		if err != nil {
			return err
		}
		writeData(w, http.StatusOK, p.wire(s.baseURL(r)))
		return nil
	case http.MethodPut:
		return s.updateProduct(w, r, id, body)
	case http.MethodDelete:
		return s.deleteProduct(w, r, id)
	default:
		return errMethod
	}
}

func (s *Sandbox) createProduct(w http.ResponseWriter, r *http.Request, body []byte) error {
	in, err := decodeProductInput(body)
	if err != nil {
		return err
	}
	p, err := in.validate(false)
	if err != nil {
		return err
	}
	p.Token = uuid.NewString()
	installments, err := json.Marshal(p.Installments)
	if err != nil {
		return fmt.Errorf("sandbox: create product: %w", err)
	}
	now := s.nowUTC().Format(dbTimeLayout)
	ctx := r.Context()
	_, err = s.writeProduct(ctx, "create product", 0, func(tx *sql.Tx) (*product, error) {
		res, err := tx.ExecContext(ctx, `INSERT INTO sandbox_products (
				token, name, name_folded, description, channel, order_id, conversation_id, external_id,
				basket_identifier, status, price, price_key, currency, stock, enabled_installments,
				multi_payment, expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Token, p.Name, foldName(p.Name), p.Description, p.Channel, p.OrderID, p.ConversationID,
			p.ExternalID, p.BasketIdentifier, p.Status, plainDecimal(p.Price), priceKey(p.Price), p.Currency,
			p.Stock, string(installments), p.MultiPayment, dbTime(p.ExpiresAt), now, now)
		if err != nil {
			return nil, err
		}
		if p.ID, err = res.LastInsertId(); err != nil {
			return nil, err
		}
		return &p, indexProductName(ctx, tx, p.ID, foldName(p.Name))
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "link created", "link_id", p.ID, "token", p.Token)
	writeData(w, http.StatusOK, p.wire(s.baseURL(r)))
	return nil
}

// updateProduct replaces every field the client controls; id, token and soldCount stay.
func (s *Sandbox) updateProduct(w http.ResponseWriter, r *http.Request, id int64, body []byte) error {
	in, err := decodeProductInput(body)
	if err != nil {
		return err
	}
	p, err := in.validate(true)
	if err != nil {
		return err
	}
	installments, err := json.Marshal(p.Installments)
	if err != nil {
		return fmt.Errorf("sandbox: update product %d: %w", id, err)
	}
	ctx := r.Context()
	updated, err := s.writeProduct(ctx, fmt.Sprintf("update product %d", id), id, func(tx *sql.Tx) (*product, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE sandbox_products SET
				name = ?, name_folded = ?, description = ?, channel = ?, order_id = ?, conversation_id = ?,
				external_id = ?, basket_identifier = ?, status = ?, price = ?, price_key = ?, currency = ?,
				stock = ?, enabled_installments = ?, multi_payment = ?, expires_at = ?, updated_at = ?
			WHERE id = ?`,
			p.Name, foldName(p.Name), p.Description, p.Channel, p.OrderID, p.ConversationID,
			p.ExternalID, p.BasketIdentifier, p.Status, plainDecimal(p.Price), priceKey(p.Price), p.Currency,
			p.Stock, string(installments), p.MultiPayment, dbTime(p.ExpiresAt), s.nowUTC().Format(dbTimeLayout), id); err != nil {
			return nil, err
		}
		if err := unindexProductName(ctx, tx, id); err != nil {
			return nil, err
		}
		if err := indexProductName(ctx, tx, id, foldName(p.Name)); err != nil {
			return nil, err
		}
		updated, err := findProduct(ctx, tx, "id", id)
		return &updated, err
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "link updated", "link_id", id, "status", updated.Status)
	writeData(w, http.StatusOK, updated.wire(s.baseURL(r)))
	return nil
}

// deleteProduct answers 200 with an empty body, which every client accepts (notes §2.4).
func (s *Sandbox) deleteProduct(w http.ResponseWriter, r *http.Request, id int64) error {
	ctx := r.Context()
	_, err := s.writeProduct(ctx, fmt.Sprintf("delete product %d", id), id, func(tx *sql.Tx) (*product, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sandbox_products WHERE id = ?`, id); err != nil {
			return nil, err
		}
		return nil, unindexProductName(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "link deleted", "link_id", id)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// writeProduct runs write in one transaction that holds the products' write
// lock (lockProducts), then carries the search counts over it. id names the
// product written (0: one write creates); write returns it as it is (nil
// after a deletion). op names the write in errors; an
// unknown id is errProductNotFound.
func (s *Sandbox) writeProduct(ctx context.Context, op string, id int64, write func(tx *sql.Tx) (*product, error)) (*product, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %s: %w", op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	from, err := lockProducts(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %s: %w", op, err)
	}
	var was *product
	if id != 0 {
		p, err := findProduct(ctx, tx, "id", id)
		if err != nil {
			return nil, err
		}
		was = &p
	}
	is, err := write(tx)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %s: %w", op, err)
	}
	to, err := generationIn(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sandbox: %s: commit: %w", op, err)
	}
	s.search.counts.moved(from, to, was, is)
	return is, nil
}

func dbTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(dbTimeLayout)
}

const productColumns = `id, token, name, description, channel, order_id, conversation_id, external_id,
	basket_identifier, status, price, currency, stock, sold_count, enabled_installments, multi_payment,
	expires_at`

// findProduct reads one product by a unique column ("id" or "token").
func findProduct(ctx context.Context, q rowQuerier, column string, value any) (product, error) {
	if column != "id" && column != "token" {
		return product{}, fmt.Errorf("sandbox: find product by %q: not a unique column", column)
	}
	p, err := scanProduct(q.QueryRowContext(ctx,
		`SELECT `+productColumns+` FROM sandbox_products WHERE `+column+` = ?`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return product{}, errProductNotFound
	}
	if err != nil {
		return product{}, fmt.Errorf("sandbox: find product by %s %v: %w", column, value, err)
	}
	return p, nil
}

func scanProduct(row interface{ Scan(...any) error }) (product, error) {
	var (
		p                   product
		price, installments string
		stock               sql.NullInt64
		expiresAt           sql.NullString
	)
	err := row.Scan(&p.ID, &p.Token, &p.Name, &p.Description, &p.Channel, &p.OrderID,
		&p.ConversationID, &p.ExternalID, &p.BasketIdentifier, &p.Status, &price, &p.Currency,
		&stock, &p.SoldCount, &installments, &p.MultiPayment, &expiresAt)
	if err != nil {
		return p, err
	}
	if p.Price, err = decimal.NewFromString(price); err != nil {
		return p, fmt.Errorf("product %d price %q: %w", p.ID, price, err)
	}
	if err := json.Unmarshal([]byte(installments), &p.Installments); err != nil {
		return p, fmt.Errorf("product %d installments: %w", p.ID, err)
	}
	if stock.Valid {
		p.Stock = &stock.Int64
	}
	if expiresAt.Valid {
		t, err := time.Parse(dbTimeLayout, expiresAt.String)
		if err != nil {
			return p, fmt.Errorf("product %d expires_at: %w", p.ID, err)
		}
		p.ExpiresAt = &t
	}
	return p, nil
}
