package views

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
)

// MaxLinkNameLen is the longest link name, counted in runes.
const MaxLinkNameLen = 200

// Link form field names: the API's JSON names, so provider errors that name
// a field land on the right input.
const (
	FieldName         = "name"
	FieldDescription  = "description"
	FieldPrice        = "price"
	FieldCurrency     = "currency"
	FieldInstallments = "enabledInstallments"
	FieldStock        = "stock"
	FieldChannel      = "channel"
	FieldOrderID      = "orderId"
	FieldExpiresAt    = "expiresAt"
	FieldStatus       = "status"
)

// linkFields is the order fields appear in, in the form and its error summary.
var linkFields = [...]string{
	FieldName, FieldDescription, FieldPrice, FieldCurrency, FieldInstallments,
	FieldStock, FieldChannel, FieldOrderID, FieldExpiresAt, FieldStatus,
}

// IsLinkField reports whether name is a field of the link form.
func IsLinkField(name string) bool { return slices.Contains(linkFields[:], name) }

// InstallmentChoices are the installment counts the form offers as checkboxes.
func InstallmentChoices() []int { return []int{1, 2, 3, 6, 9, 12} }

// expiresAtLayouts are what a datetime-local input sends: minutes, or
// seconds when the value had them.
var expiresAtLayouts = [...]string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// LinkForm is the create and edit form of a payment link, every field as
// typed so a refused form comes back exactly as it was sent.
type LinkForm struct {
	ID                  int64 // 0 while creating
	Name                string
	Description         string
	Price               string
	Currency            string
	EnabledInstallments []string
	Stock               string
	Channel             string
	OrderID             string
	ExpiresAt           string
	Status              string // edit only: ACTIVE or PASSIVE

	// Errors maps a field name to a catalog key.
	Errors map[string]string
	// ProviderCode and ProviderText are the provider's refusal, shown in the
	// error summary so support can look the code up.
	ProviderCode string
	ProviderText string
	// Problem is an upstream failure (timeout, 5xx) shown above the kept input.
	Problem *ErrorInfo
	// MayExist says a create failed in a way that may still have created the
	// link upstream: the user must check the list before trying again.
	MayExist bool
}

// NewLinkForm is the empty create form: Turkish lira, single payment.
func NewLinkForm() LinkForm {
	return LinkForm{Currency: string(craftclient.CurrencyTRY), EnabledInstallments: []string{"1"}}
}

// LinkFormFromValues reads a posted form. The ID comes from the URL, never
// from the body.
func LinkFormFromValues(id int64, v url.Values) LinkForm {
	return LinkForm{
		ID:                  id,
		Name:                v.Get(FieldName),
		Description:         v.Get(FieldDescription),
		Price:               v.Get(FieldPrice),
		Currency:            v.Get(FieldCurrency),
		EnabledInstallments: v[FieldInstallments],
		Stock:               v.Get(FieldStock),
		Channel:             v.Get(FieldChannel),
		OrderID:             v.Get(FieldOrderID),
		ExpiresAt:           v.Get(FieldExpiresAt),
		Status:              v.Get(FieldStatus),
	}
}

// LinkFormFrom pre-fills the edit form with a link's current values.
func LinkFormFrom(p craftclient.Product) LinkForm {
	f := LinkForm{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Price:       moneyInput(p.Price.Decimal),
		Currency:    string(p.Currency),
		Channel:     p.Channel,
		OrderID:     p.OrderID,
		Status:      string(p.Status),
	}
	for _, n := range p.EnabledInstallments {
		f.EnabledInstallments = append(f.EnabledInstallments, strconv.Itoa(n))
	}
	if p.Stock != nil {
		f.Stock = strconv.Itoa(*p.Stock)
	}
	if p.ExpiresAt != nil {
		layout := expiresAtLayouts[0]
		if p.ExpiresAt.Second() != 0 {
			layout = expiresAtLayouts[1]
		}
		f.ExpiresAt = p.ExpiresAt.Format(layout)
	}
	return f
}

// moneyInput writes an amount so ParseMoney reads it back unchanged. Exactly
// three decimals after a lone point would read as a thousands group
// ("1.234" is 1234), so such amounts get a trailing zero.
func moneyInput(d decimal.Decimal) string {
	s := d.String()
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) == 3 {
		s += "0"
	}
	return s
}

// Validate checks the form with the API's rules and fills Errors. now is
// the clock the expiry is compared with; the typed expiry is read as wall
// time in now's location.
func (f *LinkForm) Validate(now time.Time) bool {
	f.Errors = make(map[string]string)
	for _, name := range linkFields {
		if key := f.check(name, now); key != "" {
			f.Errors[name] = key
		}
	}
	return len(f.Errors) == 0
}

// check returns the catalog key of the problem with one field, or "".
func (f LinkForm) check(field string, now time.Time) string {
	switch field {
	case FieldName:
		name := strings.TrimSpace(f.Name)
		switch {
		case name == "":
			return "links.err.name_required"
		case utf8.RuneCountInString(name) > MaxLinkNameLen:
			return "links.err.name_long"
		}
	case FieldPrice:
		return f.checkPrice()
	case FieldCurrency:
		if !craftclient.Currency(f.Currency).Valid() {
			return "links.err.currency"
		}
	case FieldInstallments:
		if len(f.EnabledInstallments) == 0 {
			return "links.err.installments_required"
		}
		if _, ok := f.installments(); !ok {
			return "links.err.installments_range"
		}
	case FieldStock:
		if _, ok := f.stock(); !ok {
			return "links.err.stock"
		}
	case FieldOrderID:
		if n, ok := f.stock(); strings.TrimSpace(f.OrderID) != "" && (!ok || n == nil || *n != 1) {
			return "links.err.order_stock"
		}
	case FieldExpiresAt:
		if strings.TrimSpace(f.ExpiresAt) == "" {
			return ""
		}
		t, ok := f.expiresAt(now.Location())
		switch {
		case !ok:
			return "links.err.expires_format"
		case !t.After(now):
			return "links.err.expires_past"
		}
	case FieldStatus:
		if (f.ID != 0 || f.Status != "") && !craftclient.LinkStatus(f.Status).Valid() {
			return "links.err.status"
		}
	}
	return ""
}

func (f LinkForm) checkPrice() string {
	if strings.TrimSpace(f.Price) == "" {
		return "links.err.price_required"
	}
	d, err := ParseMoney(f.Price)
	switch {
	case err != nil:
		return "links.err.price_format"
	case !d.IsPositive():
		return "links.err.price_positive"
	case craftclient.Currency(f.Currency).Valid() && !d.Equal(d.Round(CurrencyPlaces(f.Currency))):
		return "links.err.price_decimals"
	}
	return ""
}

// installments returns the chosen counts, unique and ascending.
func (f LinkForm) installments() ([]int, bool) {
	var out []int
	for _, s := range f.EnabledInstallments {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > craftclient.MaxInstallment {
			return nil, false
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, true
}

// stock returns nil for "unlimited" (left blank).
func (f LinkForm) stock() (*int, bool) {
	s := strings.TrimSpace(f.Stock)
	if s == "" {
		return nil, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return nil, false
	}
	return &n, true
}

func (f LinkForm) expiresAt(loc *time.Location) (time.Time, bool) {
	for _, layout := range expiresAtLayouts {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(f.ExpiresAt), loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Input converts a valid form into the API request. Call it only after
// Validate returned true. Fields the form does not show (conversationId,
// externalId, multiPayment, basketIdentifier) are left empty; an update
// copies them from the link first.
func (f LinkForm) Input() craftclient.ProductRequest {
	price, _ := ParseMoney(f.Price)
	installments, _ := f.installments()
	stock, _ := f.stock()
	req := craftclient.ProductRequest{
		Name:                strings.TrimSpace(f.Name),
		Description:         strings.TrimSpace(f.Description),
		Price:               craftclient.NewAmount(price),
		Currency:            craftclient.Currency(f.Currency),
		EnabledInstallments: installments,
		Stock:               stock,
		Channel:             strings.TrimSpace(f.Channel),
		OrderID:             strings.TrimSpace(f.OrderID),
	}
	if f.ID != 0 {
		req.Status = craftclient.LinkStatus(f.Status)
	}
	if strings.TrimSpace(f.ExpiresAt) != "" {
		// The wall time as typed; DateTime writes it without a zone.
		t, _ := f.expiresAt(time.UTC)
		req.ExpiresAt = &craftclient.DateTime{Time: t}
	}
	return req
}

// providerFields maps the sandbox's rule codes (sandbox/README.md) to the
// field they concern. Codes the table lacks still reach the error summary.
var providerFields = map[string]string{
	"2001": FieldName, "2002": FieldPrice, "2003": FieldPrice, "2004": FieldCurrency,
	"2005": FieldCurrency, "2006": FieldInstallments, "2007": FieldInstallments,
	"2008": FieldInstallments, "2009": FieldStock, "2010": FieldOrderID,
	"2011": FieldStatus, "2012": FieldStatus, "2013": FieldExpiresAt,
}

// AddProviderError puts a refusal of the request (by the provider, or by
// the client's own checks before sending) onto the form and reports whether
// err was one. Other failures (timeouts, 5xx) are left to the caller.
func (f *LinkForm) AddProviderError(err error) bool {
	if f.Errors == nil {
		f.Errors = make(map[string]string)
	}
	var ve *craftclient.ValidationError
	if errors.As(err, &ve) {
		f.ProviderText = ve.Message
		f.markRejected(ve.Field)
		return true
	}
	var apiErr *craftclient.APIError
	if !errors.As(err, &apiErr) || !craftclient.IsValidation(err) {
		return false
	}
	f.ProviderCode, f.ProviderText = apiErr.Code, apiErr.Description
	f.markRejected(providerFields[apiErr.Code])
	return true
}

func (f *LinkForm) markRejected(field string) {
	if IsLinkField(field) && f.Errors[field] == "" {
		f.Errors[field] = "links.err.rejected"
	}
}

// Refused reports whether the form has anything for the error summary: a
// field error, or a provider refusal the form could not place on a field.
func (f LinkForm) Refused() bool {
	return len(f.Errors) > 0 || f.ProviderCode != "" || f.ProviderText != ""
}

// ErrorList returns the field errors in form order, for the summary.
func (f LinkForm) ErrorList() []FieldError { return orderedErrors(f.Errors, linkFields[:]...) }

// HasInstallment reports whether n is ticked.
func (f LinkForm) HasInstallment(n int) bool {
	return slices.Contains(f.EnabledInstallments, strconv.Itoa(n))
}

// Action is where the form posts.
func (f LinkForm) Action() templ.SafeURL {
	if f.ID == 0 {
		return templ.SafeURL(PathLinks)
	}
	return LinkURL(f.ID)
}

// LinkInputID is the id of a field's input (the error summary links to it).
func LinkInputID(field string) string { return "link-" + field }

// linkFieldID is the id of a field's wrapper, which inline validation swaps.
func linkFieldID(field string) string { return "link-field-" + field }

func linkErrorID(field string) string { return "link-" + field + "-error" }
func linkHintID(field string) string  { return "link-" + field + "-hint" }

// inputAttrs are the attributes every input of a field shares: id, name,
// and the accessibility links to its hint and error.
func (f LinkForm) inputAttrs(field string) templ.Attributes {
	a := templ.Attributes{"id": LinkInputID(field), "name": field, "data-testid": "input-" + field}
	if f.Errors[field] != "" {
		a["aria-invalid"] = "true"
	}
	if ids := f.describedBy(field); ids != "" {
		a["aria-describedby"] = ids
	}
	return a
}

// describedBy lists the ids of a field's hint and error.
func (f LinkForm) describedBy(field string) string {
	var ids []string
	if linkHintKey(field) != "" {
		ids = append(ids, linkHintID(field))
	}
	if f.Errors[field] != "" {
		ids = append(ids, linkErrorID(field))
	}
	return strings.Join(ids, " ")
}

// LinkValidateURL is the inline validation endpoint of one field.
func LinkValidateURL(field string) string { return PathLinks + "/validate/" + field }

// linkHintKey is the catalog key of a field's hint, or "" for none.
func linkHintKey(field string) string {
	switch field {
	case FieldDescription, FieldPrice, FieldInstallments, FieldStock, FieldChannel, FieldOrderID, FieldExpiresAt:
		return "links.hint." + field
	}
	return ""
}

func installmentLabel(l Locale, n int) string {
	if n == 1 {
		return l.T("links.single_payment")
	}
	return l.Tf("links.installments_n", n)
}
