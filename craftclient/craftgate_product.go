package craftclient

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const productsPath = "/craftlink/v1/products"

// The JSON names a refusal of each product call may concern (APIError.Field).
var (
	productRequestFields = []string{
		"name", "description", "orderId", "conversationId", "externalId", "basketIdentifier", "price",
		"currency", "stock", "channel", "multiPayment", "expiresAt", "enabledInstallments", "status",
	}
	productSearchFields = []string{
		"id", "name", "orderId", "conversationId", "externalId", "minPrice", "maxPrice", "currency",
		"channel", "minExpiresAt", "maxExpiresAt", "page", "size",
	}
	idFields = []string{"id"}
)

// LinkStatus is the state of a payment link ("product" in Craftgate's API).
type LinkStatus string

const (
	LinkStatusActive  LinkStatus = "ACTIVE"  // usable
	LinkStatusPassive LinkStatus = "PASSIVE" // kept but cannot be paid
)

// Valid reports whether s is a known status.
func (s LinkStatus) Valid() bool {
	return s == LinkStatusActive || s == LinkStatusPassive
}

// Currency is an ISO 4217 code Craftgate accepts.
type Currency string

const (
	CurrencyTRY Currency = "TRY"
	CurrencyUSD Currency = "USD"
	CurrencyEUR Currency = "EUR"
	CurrencyGBP Currency = "GBP"
	CurrencyCNY Currency = "CNY"
	CurrencyARS Currency = "ARS"
	CurrencyBRL Currency = "BRL"
	CurrencyAED Currency = "AED"
	CurrencyIQD Currency = "IQD"
	CurrencyAZN Currency = "AZN"
	CurrencyKZT Currency = "KZT"
	CurrencyKWD Currency = "KWD"
	CurrencySAR Currency = "SAR"
	CurrencyBHD Currency = "BHD"
	CurrencyRUB Currency = "RUB"
	CurrencyJPY Currency = "JPY"
	CurrencyEGP Currency = "EGP"
	CurrencyMXN Currency = "MXN"
	CurrencyRON Currency = "RON"
)

// currencies are the 19 currencies of the official clients, in their order
// (TRY first). Never modified: Currencies hands out copies.
var currencies = []Currency{
	CurrencyTRY, CurrencyUSD, CurrencyEUR, CurrencyGBP, CurrencyCNY,
	CurrencyARS, CurrencyBRL, CurrencyAED, CurrencyIQD, CurrencyAZN,
	CurrencyKZT, CurrencyKWD, CurrencySAR, CurrencyBHD, CurrencyRUB,
	CurrencyJPY, CurrencyEGP, CurrencyMXN, CurrencyRON,
}

// Currencies returns the 19 currencies of the official clients, in their
// order (TRY first). It returns a fresh slice so callers cannot alter it.
func Currencies() []Currency { return slices.Clone(currencies) }

// Valid reports whether c is one of Currencies.
func (c Currency) Valid() bool { return slices.Contains(currencies, c) }

// MaxInstallment is the largest installment count a link may enable.
const MaxInstallment = 12

// Product is a Craftgate payment link.
type Product struct {
	ID                  int64      `json:"id"`
	Name                string     `json:"name"`
	Description         string     `json:"description"`
	OrderID             string     `json:"orderId"`
	ConversationID      string     `json:"conversationId"`
	ExternalID          string     `json:"externalId"`
	Status              LinkStatus `json:"status"`
	Price               Amount     `json:"price"`
	Currency            Currency   `json:"currency"`
	Stock               *int       `json:"stock"` // nil: unlimited
	SoldCount           int        `json:"soldCount"`
	Token               string     `json:"token"`
	EnabledInstallments []int      `json:"enabledInstallments"`
	URL                 string     `json:"url"`
	QRCodeURL           *string    `json:"qrCodeUrl"` // newer API versions may omit it
	Channel             string     `json:"channel"`
	MultiPayment        bool       `json:"multiPayment"`
	ExpiresAt           *DateTime  `json:"expiresAt"` // nil: never expires
	BasketIdentifier    string     `json:"basketIdentifier"`
}

// ProductRequest creates a link, or replaces one on update (PUT is a full
// replacement, so send every field; Status is required then).
type ProductRequest struct {
	Name             string    `json:"name"`
	Description      string    `json:"description"`
	OrderID          string    `json:"orderId,omitempty"` // requires Stock == 1
	ConversationID   string    `json:"conversationId,omitempty"`
	ExternalID       string    `json:"externalId,omitempty"`
	BasketIdentifier string    `json:"basketIdentifier,omitempty"`
	Price            Amount    `json:"price"`
	Currency         Currency  `json:"currency"`
	Stock            *int      `json:"stock,omitempty"` // nil: unlimited
	Channel          string    `json:"channel,omitempty"`
	MultiPayment     bool      `json:"multiPayment,omitempty"`
	ExpiresAt        *DateTime `json:"expiresAt,omitempty"` // nil: never expires
	// EnabledInstallments is always sent as an array, never null.
	EnabledInstallments []int      `json:"enabledInstallments"`
	Status              LinkStatus `json:"status,omitempty"`
}

// MarshalJSON writes the same bytes encoding/json would for the tagged
// fields, except that a nil EnabledInstallments is sent as [] rather than
// null.
func (r ProductRequest) MarshalJSON() ([]byte, error) {
	return r.appendJSON(nil), nil
}

// appendJSON writes the body field by field in declaration order; see
// json.go for why it does not go through encoding/json.
func (r ProductRequest) appendJSON(dst []byte) []byte {
	o := newJSONObject(dst)
	o.string("name", r.Name)
	o.string("description", r.Description)
	o.stringOmitEmpty("orderId", r.OrderID)
	o.stringOmitEmpty("conversationId", r.ConversationID)
	o.stringOmitEmpty("externalId", r.ExternalID)
	o.stringOmitEmpty("basketIdentifier", r.BasketIdentifier)
	o.amount("price", r.Price)
	o.string("currency", string(r.Currency))
	if r.Stock != nil {
		o.int("stock", int64(*r.Stock))
	}
	o.stringOmitEmpty("channel", r.Channel)
	if r.MultiPayment {
		o.bool("multiPayment", true)
	}
	if r.ExpiresAt != nil {
		o.dateTime("expiresAt", *r.ExpiresAt)
	}
	o.ints("enabledInstallments", r.EnabledInstallments)
	o.stringOmitEmpty("status", string(r.Status))
	return o.end()
}

// Validate checks the invariants Craftgate documents plus the ones the
// dashboard relies on. It returns the first problem as a *ValidationError.
func (r ProductRequest) Validate(forUpdate bool) error {
	if strings.TrimSpace(r.Name) == "" {
		return invalid("name", "is required")
	}
	if !r.Price.IsPositive() {
		return invalid("price", "must be greater than 0")
	}
	if !r.Currency.Valid() {
		return invalid("currency", "is not a supported currency")
	}
	if len(r.EnabledInstallments) == 0 {
		return invalid("enabledInstallments", "needs at least one installment option")
	}
	var seen uint32 // bit n: installment n; MaxInstallment < 32
	for _, n := range r.EnabledInstallments {
		if n < 1 || n > MaxInstallment {
			return invalid("enabledInstallments", "values must be between 1 and "+strconv.Itoa(MaxInstallment))
		}
		if seen&(1<<n) != 0 {
			return invalid("enabledInstallments", "values must be unique")
		}
		seen |= 1 << n
	}
	if r.Stock != nil && *r.Stock < 1 {
		return invalid("stock", "must be at least 1 when set")
	}
	if r.OrderID != "" && (r.Stock == nil || *r.Stock != 1) {
		return invalid("stock", "must be 1 when an order ID is set")
	}
	if forUpdate && r.Status == "" {
		return invalid("status", "is required on update")
	}
	if r.Status != "" && !r.Status.Valid() {
		return invalid("status", "must be ACTIVE or PASSIVE")
	}
	return nil
}

// ProductSearchRequest filters a search. Empty strings, numbers <= 0 and nil
// pointers are not sent; Page is zero-based and the API defaults to page 0,
// size 25.
type ProductSearchRequest struct {
	ID             int64
	Name           string
	OrderID        string
	ConversationID string
	ExternalID     string
	Channel        string
	Currency       Currency
	MinPrice       *Amount
	MaxPrice       *Amount
	MinExpiresAt   *time.Time
	MaxExpiresAt   *time.Time
	Page           int
	Size           int
}

// Encode returns the query string the search sends: filters in the field
// order of the official Go client's SearchProductsRequest, spaces as %20.
// (That client itself sends its keys sorted, through url.Values.Encode.)
// The order is fixed, so equal searches encode equally and the result also
// serves as a cache key.
func (r ProductSearchRequest) Encode() string {
	var q queryBuilder
	addString := func(key, value string) {
		if value != "" {
			q.add(key, value)
		}
	}
	if r.ID > 0 {
		q.add("id", strconv.FormatInt(r.ID, 10))
	}
	addString("name", r.Name)
	addString("orderId", r.OrderID)
	addString("conversationId", r.ConversationID)
	addString("externalId", r.ExternalID)
	if r.MinPrice != nil {
		q.add("minPrice", r.MinPrice.String())
	}
	if r.MaxPrice != nil {
		q.add("maxPrice", r.MaxPrice.String())
	}
	addString("currency", string(r.Currency))
	addString("channel", r.Channel)
	if r.MinExpiresAt != nil {
		q.add("minExpiresAt", r.MinExpiresAt.Format(DateTimeLayout))
	}
	if r.MaxExpiresAt != nil {
		q.add("maxExpiresAt", r.MaxExpiresAt.Format(DateTimeLayout))
	}
	if r.Page > 0 {
		q.add("page", strconv.Itoa(r.Page))
	}
	if r.Size > 0 {
		q.add("size", strconv.Itoa(r.Size))
	}
	return q.String()
}

// ProductPage is one page of search results.
type ProductPage struct {
	Items     []Product `json:"items"`
	Page      int       `json:"page"`
	Size      int       `json:"size"`
	TotalSize int64     `json:"totalSize"`
}

// ProductService manages payment links. Writes are never retried: a failed
// or timed-out create may still have happened, so re-read before retrying.
type ProductService struct{ c *Craftgate }

// Create validates req and creates a link.
func (s *ProductService) Create(ctx context.Context, req ProductRequest) (*Product, error) {
	if err := req.Validate(false); err != nil {
		return nil, err
	}
	return do[Product](ctx, s.c, call{method: http.MethodPost, path: productsPath, body: req, fields: productRequestFields})
}

// Update validates req (Status required) and replaces link id.
func (s *ProductService) Update(ctx context.Context, id int64, req ProductRequest) (*Product, error) {
	if id <= 0 {
		return nil, invalid("id", "must be positive")
	}
	if err := req.Validate(true); err != nil {
		return nil, err
	}
	return do[Product](ctx, s.c, call{method: http.MethodPut, path: productPath(id), body: req, fields: productRequestFields})
}

// Retrieve returns link id.
func (s *ProductService) Retrieve(ctx context.Context, id int64) (*Product, error) {
	if id <= 0 {
		return nil, invalid("id", "must be positive")
	}
	return do[Product](ctx, s.c, call{method: http.MethodGet, path: productPath(id), fields: idFields})
}

// Delete removes link id.
func (s *ProductService) Delete(ctx context.Context, id int64) error {
	if id <= 0 {
		return invalid("id", "must be positive")
	}
	return s.c.doNoData(ctx, call{method: http.MethodDelete, path: productPath(id), fields: idFields})
}

// Search returns one page of links matching req.
func (s *ProductService) Search(ctx context.Context, req ProductSearchRequest) (*ProductPage, error) {
	return do[ProductPage](ctx, s.c, call{method: http.MethodGet, path: productsPath, query: req.Encode(), fields: productSearchFields})
}

func productPath(id int64) string {
	return productsPath + "/" + strconv.FormatInt(id, 10)
}
