package app

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// LinkStatus says whether a payment link can be paid.
type LinkStatus string

// Link statuses, as Craftgate names them.
const (
	LinkStatusActive  LinkStatus = "ACTIVE"  // can be paid
	LinkStatusPassive LinkStatus = "PASSIVE" // kept, but cannot be paid
)

// Valid reports whether s is a known status.
func (s LinkStatus) Valid() bool { return s == LinkStatusActive || s == LinkStatusPassive }

// Other is the status a toggle switches to.
func (s LinkStatus) Other() LinkStatus {
	if s == LinkStatusActive {
		return LinkStatusPassive
	}
	return LinkStatusActive
}

// Link is a Craftgate payment link ("product").
//
// Its JSON names are Craftgate's, so audit rows read like the provider's
// own records.
type Link struct {
	ID                  int64           `json:"id"`
	Name                string          `json:"name"`
	Description         string          `json:"description"`
	OrderID             string          `json:"orderId,omitempty"`
	ConversationID      string          `json:"conversationId,omitempty"`
	ExternalID          string          `json:"externalId,omitempty"`
	BasketIdentifier    string          `json:"basketIdentifier,omitempty"`
	Status              LinkStatus      `json:"status"`
	Price               decimal.Decimal `json:"price"`
	Currency            Currency        `json:"currency"`
	Stock               *int            `json:"stock"` // nil: unlimited
	SoldCount           int             `json:"soldCount"`
	Token               string          `json:"token,omitempty"`
	EnabledInstallments []int           `json:"enabledInstallments"`
	URL                 string          `json:"url,omitempty"`
	Channel             string          `json:"channel,omitempty"`
	MultiPayment        bool            `json:"multiPayment,omitempty"`
	// ExpiresAt is Craftgate's wall time (no zone), held as UTC; nil: never.
	ExpiresAt *time.Time `json:"expiresAt"`
}

// LinkPage is one page of a link search.
type LinkPage struct {
	Links []Link
	Total int64
	// Sales holds the sales summary of each link that has sales.
	Sales map[int64]LinkSales
	// Local says the page comes from the local record (a search by a
	// folded name, or a sort Craftgate cannot do).
	Local bool
}

// MaxLinkPageSize is the largest page of a link search: Craftgate refuses
// larger ones.
const MaxLinkPageSize = 100

// Limits of a link's texts, in characters. Craftgate publishes none; these
// are generous for what shops type and keep every stored text bounded.
const (
	MaxLinkNameLen        = 200
	MaxLinkDescriptionLen = 1000
	MaxLinkChannelLen     = 50
	MaxLinkIDLen          = 100 // order, conversation and external ids
	MaxInstallment        = 12
)

// Link field names: Craftgate's JSON names, so a provider refusal that
// names a field lands on the right input, in forms and spreadsheet rows.
const (
	FieldName           = "name"
	FieldDescription    = "description"
	FieldPrice          = "price"
	FieldCurrency       = "currency"
	FieldInstallments   = "enabledInstallments"
	FieldStock          = "stock"
	FieldChannel        = "channel"
	FieldOrderID        = "orderId"
	FieldConversationID = "conversationId"
	FieldExternalID     = "externalId"
	FieldExpiresAt      = "expiresAt"
	FieldStatus         = "status"
)

// LinkFields lists the fields in the order they are shown and checked.
var LinkFields = []string{
	FieldName, FieldDescription, FieldPrice, FieldCurrency, FieldInstallments, FieldStock,
	FieldChannel, FieldOrderID, FieldConversationID, FieldExternalID, FieldExpiresAt, FieldStatus,
}

// LinkDraft is a link as a person typed it, in a form or a spreadsheet row:
// every field text, nothing parsed yet.
type LinkDraft struct {
	Name           string
	Description    string
	Price          string   // "1.234,56" or "1234.56"
	Currency       string   // ISO code in capitals, as Craftgate names it
	Installments   []string // each "3", or one "1,3,6"
	Stock          string   // empty: unlimited
	Channel        string
	OrderID        string
	ConversationID string
	ExternalID     string
	ExpiresAt      string // see expiresAtLayouts; empty: never
	Status         string // empty on create: ACTIVE
}

// expiresAtLayouts are the expiry forms accepted: what a datetime-local
// input sends (minutes or seconds), a bare day (the end of it), and the
// day first, as Turkish spreadsheets write it.
var expiresAtLayouts = []string{
	"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05",
	"2006-01-02", "02.01.2006 15:04", "02.01.2006",
}

// Parse checks every field with Craftgate's rules and returns the typed
// input, or the problems by field (catalog keys). now is the clock an
// expiry is compared with; a typed expiry is read as wall time in now's
// location.
func (d LinkDraft) Parse(now time.Time) (LinkInput, FieldErrors) {
	var (
		in LinkInput
		fe FieldErrors
	)
	in.Name = strings.TrimSpace(d.Name)
	switch {
	case in.Name == "":
		fe.Add(FieldName, "links.err.name_required")
	case utf8.RuneCountInString(in.Name) > MaxLinkNameLen:
		fe.Add(FieldName, "links.err.name_long")
	}
	in.Description = strings.TrimSpace(d.Description)
	if utf8.RuneCountInString(in.Description) > MaxLinkDescriptionLen {
		fe.Add(FieldDescription, "links.err.description_long")
	}
	in.Currency = Currency(strings.TrimSpace(d.Currency))
	if !in.Currency.ValidLink() {
		fe.Add(FieldCurrency, "links.err.currency")
	}
	if key := d.parsePrice(&in); key != "" {
		fe.Add(FieldPrice, key)
	}
	if key := d.parseInstallments(&in); key != "" {
		fe.Add(FieldInstallments, key)
	}
	stockOK := true
	if s := strings.TrimSpace(d.Stock); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fe.Add(FieldStock, "links.err.stock")
			stockOK = false
		} else {
			in.Stock = &n
		}
	}
	for _, f := range []struct {
		field, text, key string
		max              int
		dst              *string
	}{
		{FieldChannel, d.Channel, "links.err.channel_long", MaxLinkChannelLen, &in.Channel},
		{FieldOrderID, d.OrderID, "links.err.id_long", MaxLinkIDLen, &in.OrderID},
		{FieldConversationID, d.ConversationID, "links.err.id_long", MaxLinkIDLen, &in.ConversationID},
		{FieldExternalID, d.ExternalID, "links.err.id_long", MaxLinkIDLen, &in.ExternalID},
	} {
		*f.dst = strings.TrimSpace(f.text)
		if utf8.RuneCountInString(*f.dst) > f.max {
			fe.Add(f.field, f.key)
		}
	}
	if in.OrderID != "" && (!stockOK || in.Stock == nil || *in.Stock != 1) {
		fe.Add(FieldOrderID, "links.err.order_stock")
	}
	if key := d.parseExpiry(&in, now); key != "" {
		fe.Add(FieldExpiresAt, key)
	}
	if s := strings.TrimSpace(d.Status); s != "" {
		in.Status = LinkStatus(s)
		if !in.Status.Valid() {
			fe.Add(FieldStatus, "links.err.status")
		}
	}
	return in, fe
}

func (d LinkDraft) parsePrice(in *LinkInput) string {
	if strings.TrimSpace(d.Price) == "" {
		return "links.err.price_required"
	}
	p, err := ParseMoney(d.Price)
	switch {
	case err != nil:
		return "links.err.price_format"
	case !p.IsPositive():
		return "links.err.price_positive"
	case p.Cmp(maxAmount) >= 0:
		return "links.err.price_large"
	case in.Currency.ValidLink() && !p.Equal(p.Round(in.Currency.Places())):
		return "links.err.price_decimals"
	}
	in.Price = p
	return ""
}

// parseInstallments reads the chosen counts, unique and ascending; a
// spreadsheet cell may hold them all ("1,3,6" or "1;3;6").
func (d LinkDraft) parseInstallments(in *LinkInput) string {
	var out []int
	for _, cell := range d.Installments {
		for _, s := range strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > MaxInstallment {
				return "links.err.installments_range"
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		return "links.err.installments_required"
	}
	slices.Sort(out)
	in.Installments = out
	return ""
}

func (d LinkDraft) parseExpiry(in *LinkInput, now time.Time) string {
	s := strings.TrimSpace(d.ExpiresAt)
	if s == "" {
		return ""
	}
	for _, layout := range expiresAtLayouts {
		t, err := time.ParseInLocation(layout, s, now.Location())
		if err != nil {
			continue
		}
		if !strings.Contains(layout, "15") {
			t = t.Add(24*time.Hour - time.Second) // a bare day lasts until its end
		}
		if !t.After(now) {
			return "links.err.expires_past"
		}
		// Craftgate keeps wall time without a zone: carry the clock
		// reading as typed, in UTC.
		wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		in.ExpiresAt = &wall
		return ""
	}
	return "links.err.expires_format"
}

// LinkInput is a valid link to create or the full replacement of one
// (Craftgate's update replaces every field).
type LinkInput struct {
	Name             string
	Description      string
	Price            decimal.Decimal
	Currency         Currency
	Installments     []int
	Stock            *int
	Channel          string
	OrderID          string
	ConversationID   string
	ExternalID       string
	BasketIdentifier string
	MultiPayment     bool
	ExpiresAt        *time.Time // wall time as UTC
	Status           LinkStatus // empty on create
}

// maxAmount bounds every amount stored (they fit in int64 millionths).
var maxAmount = decimal.New(1, 12)

// Validate checks the invariants of a typed input, for callers that did
// not come through a draft.
func (in LinkInput) Validate() error {
	var fe FieldErrors
	if strings.TrimSpace(in.Name) == "" || utf8.RuneCountInString(in.Name) > MaxLinkNameLen {
		fe.Add(FieldName, "links.err.name_required")
	}
	if !in.Price.IsPositive() || in.Price.Cmp(maxAmount) >= 0 {
		fe.Add(FieldPrice, "links.err.price_positive")
	}
	if !in.Currency.ValidLink() {
		fe.Add(FieldCurrency, "links.err.currency")
	}
	if len(in.Installments) == 0 {
		fe.Add(FieldInstallments, "links.err.installments_required")
	}
	if in.Stock != nil && *in.Stock < 1 {
		fe.Add(FieldStock, "links.err.stock")
	}
	if in.OrderID != "" && (in.Stock == nil || *in.Stock != 1) {
		fe.Add(FieldOrderID, "links.err.order_stock")
	}
	if in.Status != "" && !in.Status.Valid() {
		fe.Add(FieldStatus, "links.err.status")
	}
	return fe.err()
}

// InputOf is the full replacement that keeps every field of l.
func InputOf(l Link) LinkInput {
	return LinkInput{
		Name: l.Name, Description: l.Description, Price: l.Price, Currency: l.Currency,
		Installments: l.EnabledInstallments, Stock: l.Stock, Channel: l.Channel, OrderID: l.OrderID,
		ConversationID: l.ConversationID, ExternalID: l.ExternalID, BasketIdentifier: l.BasketIdentifier,
		MultiPayment: l.MultiPayment, ExpiresAt: l.ExpiresAt, Status: l.Status,
	}
}

// LinkSearch filters links; zero values do not filter. Page is zero-based.
type LinkSearch struct {
	Name               string
	ExternalID         string // exact match
	Currency           Currency
	Channel            string
	MinPrice, MaxPrice *decimal.Decimal
	Page, Size         int
	// Sort orders the list by a column of the local record; empty is
	// Craftgate's own order, newest first. Reverse turns a sort's natural
	// direction (names A to Z, the rest most or latest first) around.
	Sort    LinkSort
	Reverse bool
}

// LinkSort is a column the list can be sorted by.
type LinkSort string

// Sorts of the links list.
const (
	LinkSortNewest   LinkSort = ""
	LinkSortName     LinkSort = "name"
	LinkSortPrice    LinkSort = "price"
	LinkSortRevenue  LinkSort = "revenue"
	LinkSortLastSale LinkSort = "last_sale"
)

// LinkSorts lists the sorts, for forms.
var LinkSorts = []LinkSort{LinkSortNewest, LinkSortName, LinkSortPrice, LinkSortRevenue, LinkSortLastSale}

// Valid reports whether s is a known sort.
func (s LinkSort) Valid() bool { return slices.Contains(LinkSorts, s) }

// Local reports whether the search runs over the local record: a name is
// matched folded (accents and case ignored), and sorts other than newest
// first are the record's own.
func (q LinkSearch) Local() bool { return q.Name != "" || q.Sort != LinkSortNewest || q.Reverse }

// key is a stable text form of the search, for caches.
func (q LinkSearch) key() string {
	var b strings.Builder
	for _, s := range []string{q.Name, q.ExternalID, string(q.Currency), q.Channel, decString(q.MinPrice), decString(q.MaxPrice),
		strconv.Itoa(q.Page), strconv.Itoa(q.Size), string(q.Sort), strconv.FormatBool(q.Reverse)} {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

func decString(d *decimal.Decimal) string {
	if d == nil {
		return "-"
	}
	return d.String()
}
