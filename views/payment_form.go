package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/store"
)

// MaxPaymentDescriptionLen is the longest payment description, in runes.
const MaxPaymentDescriptionLen = 200

// PaymentCurrencies are the currencies a QR payment can be taken in: the
// ones Paywall's CurrencyId is confirmed for.
var PaymentCurrencies = []string{"TRY", "USD", "EUR"}

// maxPaymentAmount is the store's limit (amounts below 10^12).
var maxPaymentAmount = decimal.New(1, 12)

// PaymentForm starts a QR payment. Fields hold what was typed; Errors maps
// a field name to a catalog key.
type PaymentForm struct {
	Amount      string
	Currency    string
	Description string
	Provider    string // the chosen connection's ConnectionId
	Errors      map[string]string

	// Providers are the choices for Currency; ProvidersFailed says the
	// list could not be fetched (the field then offers a reload).
	Providers       []craftclient.APMProvider
	ProvidersFailed bool

	amount   decimal.Decimal
	provider craftclient.APMProvider
}

// PaymentInput is a validated PaymentForm.
type PaymentInput struct {
	Amount      decimal.Decimal
	Currency    string
	Description string
	Provider    craftclient.APMProvider
}

// Validate checks every field against the rules and f.Providers.
func (f *PaymentForm) Validate() bool {
	f.Errors = nil
	f.Description = strings.TrimSpace(f.Description)
	if amount, key := checkAmount(f.Amount); key != "" {
		addError(&f.Errors, "amount", "payment."+key)
	} else {
		f.amount = amount
	}
	if !validPaymentCurrency(f.Currency) {
		addError(&f.Errors, "currency", "payment.currency_invalid")
	}
	switch n := utf8.RuneCountInString(f.Description); {
	case n == 0:
		addError(&f.Errors, "description", "payment.description_required")
	case n > MaxPaymentDescriptionLen:
		addError(&f.Errors, "description", "payment.description_too_long")
	}
	f.checkProvider()
	return len(f.Errors) == 0
}

func (f *PaymentForm) checkProvider() {
	if f.Provider == "" {
		addError(&f.Errors, "provider", "payment.provider_required")
		return
	}
	if f.ProvidersFailed {
		addError(&f.Errors, "provider", "payment.providers_unavailable")
		return
	}
	for _, p := range f.Providers {
		if strconv.Itoa(p.ConnectionID) == f.Provider {
			f.provider = p
			return
		}
	}
	addError(&f.Errors, "provider", "payment.provider_unavailable")
}

// Input returns the typed values; call it after Validate returned true.
func (f PaymentForm) Input() PaymentInput {
	return PaymentInput{Amount: f.amount, Currency: f.Currency, Description: f.Description, Provider: f.provider}
}

// ErrorList orders the errors for the summary.
func (f PaymentForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "amount", "currency", "description", "provider")
}

// checkAmount parses a typed amount for Paywall, which takes at most two
// decimals, and returns the problem as a catalog key suffix.
func checkAmount(s string) (decimal.Decimal, string) {
	d, err := ParseMoney(s)
	switch {
	case err != nil:
		return d, "amount_invalid"
	case d.Sign() <= 0:
		return d, "amount_positive"
	case d.Exponent() < -2 && !d.Equal(d.Truncate(2)):
		return d, "amount_decimals"
	case d.Cmp(maxPaymentAmount) >= 0:
		return d, "amount_too_large"
	}
	// "12.500" is fine, but is sent as "12.50": Paywall refuses a third decimal.
	return d.Truncate(2), ""
}

func validPaymentCurrency(c string) bool {
	for _, v := range PaymentCurrencies {
		if c == v {
			return true
		}
	}
	return false
}

// ProviderLabel names a provider connection in the select; connections of
// one provider are told apart by their external id.
func ProviderLabel(p craftclient.APMProvider) string {
	if p.ExternalID != "" {
		return p.ProviderName + " · " + p.ExternalID
	}
	return p.ProviderName
}

// RefundForm refunds part or all of a payment's remainder.
type RefundForm struct {
	Amount string
	Errors map[string]string

	amount decimal.Decimal
}

// NewRefundForm pre-fills the whole remainder in the invariant form, which
// ParseMoney reads back in either language.
func NewRefundForm(p *store.Payment) RefundForm {
	return RefundForm{Amount: p.Remaining().StringFixed(2)}
}

// Validate checks the amount against what remains of p.
func (f *RefundForm) Validate(p *store.Payment) bool {
	f.Errors = nil
	amount, key := checkAmount(f.Amount)
	switch {
	case key == "amount_too_large":
		key = "amount_over"
	case key == "" && amount.Cmp(p.Remaining()) > 0:
		key = "amount_over"
	}
	if key != "" {
		addError(&f.Errors, "amount", "refund."+key)
		return false
	}
	f.amount = amount
	return true
}

// Input is the validated refund amount.
func (f RefundForm) Input() decimal.Decimal { return f.amount }

// PaymentsPageSize is how many payments one list page shows.
const PaymentsPageSize = 50

// paymentDateLayout is what <input type="date"> submits.
const paymentDateLayout = "2006-01-02"

// PaymentFilterForm narrows the payments list and its CSV export. Fields
// hold the query string as sent.
type PaymentFilterForm struct {
	Status string
	From   string // first day, inclusive
	To     string // last day, inclusive
	Min    string
	Max    string
	Staff  string // a user's id
	Page   string
	Errors map[string]string

	filter store.PaymentFilter
	page   int
}

// PaymentFilterFormFrom reads the filters from a query string.
func PaymentFilterFormFrom(q url.Values) PaymentFilterForm {
	return PaymentFilterForm{
		Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"),
		Min: q.Get("min"), Max: q.Get("max"), Staff: q.Get("staff"), Page: q.Get("page"),
	}
}

// Validate parses the filters; days are in loc, the shop's time zone.
func (f *PaymentFilterForm) Validate(loc *time.Location) bool {
	f.Errors, f.filter = nil, store.PaymentFilter{}
	if f.Status != "" {
		if s, err := store.ParsePaymentStatus(f.Status); err != nil {
			addError(&f.Errors, "status", "payments.status_bad")
		} else {
			f.filter.Status = s
		}
	}
	from, to := f.parseDay(loc, "from", f.From), f.parseDay(loc, "to", f.To)
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		addError(&f.Errors, "to", "payments.to_before_from")
	}
	f.filter.From = from
	if !to.IsZero() {
		f.filter.To = to.AddDate(0, 0, 1) // the last day is included
	}
	f.filter.MinAmount = f.parseAmount("min", f.Min)
	f.filter.MaxAmount = f.parseAmount("max", f.Max)
	if lo, hi := f.filter.MinAmount, f.filter.MaxAmount; lo != nil && hi != nil && hi.LessThan(*lo) {
		addError(&f.Errors, "max", "payments.max_below_min")
	}
	if f.Staff != "" {
		id, err := strconv.ParseInt(f.Staff, 10, 64)
		if err != nil || id <= 0 {
			addError(&f.Errors, "staff", "payments.staff_invalid")
		} else {
			f.filter.StaffID = &id
		}
	}
	f.page, _ = strconv.Atoi(f.Page)
	f.page = max(f.page, 1)
	return len(f.Errors) == 0
}

func (f *PaymentFilterForm) parseDay(loc *time.Location, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(paymentDateLayout, s, loc)
	if err != nil {
		addError(&f.Errors, field, "payments.date_invalid")
		return time.Time{}
	}
	return t
}

func (f *PaymentFilterForm) parseAmount(field, s string) *decimal.Decimal {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	d, err := ParseMoney(s)
	if err != nil {
		addError(&f.Errors, field, "payments.amount_bad")
		return nil
	}
	return &d
}

// ErrorList orders the errors for the summary.
func (f PaymentFilterForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "status", "from", "to", "min", "max", "staff")
}

// Filter is the store query for every matching payment (no paging); call
// it after Validate.
func (f PaymentFilterForm) Filter() store.PaymentFilter { return f.filter }

// PageFilter is Filter limited to the page asked for.
func (f PaymentFilterForm) PageFilter() store.PaymentFilter {
	pf := f.filter
	pf.Limit, pf.Offset = PaymentsPageSize, (f.PageNumber()-1)*PaymentsPageSize
	return pf
}

// PageNumber is the 1-based page asked for.
func (f PaymentFilterForm) PageNumber() int { return max(f.page, 1) }

// Pages is how many pages total rows fill (at least one).
func (f PaymentFilterForm) Pages(total int) int {
	return max((total+PaymentsPageSize-1)/PaymentsPageSize, 1)
}

// Query is the filter as a query string for page (0 or 1 leaves the page
// out), so paging and the export keep the filters.
func (f PaymentFilterForm) Query(page int) string {
	return filterQuery(page, "status", f.Status, "from", f.From, "to", f.To,
		"min", f.Min, "max", f.Max, "staff", f.Staff)
}
