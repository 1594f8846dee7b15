package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// MaxPaymentDescriptionLen is the longest payment description, in runes.
const MaxPaymentDescriptionLen = app.MaxPaymentDescriptionLen

// PaymentCurrencies are the currencies a QR payment can be taken in.
var PaymentCurrencies = app.PaymentCurrencies

// PaymentForm starts a QR payment. Fields hold what was typed; Errors maps
// a field name to a catalog key.
type PaymentForm struct {
	Amount      string
	Currency    string
	Description string
	Provider    string // the chosen wallet's connection id
	Errors      map[string]string

	// Providers are the wallets for Currency; ProvidersFailed says the list
	// could not be fetched (the field then offers a reload).
	Providers       []app.Wallet
	ProvidersFailed bool
}

// Draft is the payment as typed, for the core to check and start.
func (f PaymentForm) Draft() app.PaymentDraft {
	return app.PaymentDraft{Amount: f.Amount, Currency: f.Currency, Description: f.Description, Wallet: f.Provider}
}

// ErrorList orders the errors for the summary.
func (f PaymentForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "amount", "currency", "description", "provider")
}

// ProviderLabel names a wallet connection in the select as the lists name
// its payments; connections of one provider are told apart by their
// external id.
func ProviderLabel(w app.Wallet) string {
	if w.ExternalID != "" {
		return ProviderName(w.Key) + " · " + w.ExternalID
	}
	return ProviderName(w.Key)
}

// RefundForm refunds part or all of a payment's remainder.
type RefundForm struct {
	Amount string
	Errors map[string]string
}

// RefundAttempt is what a refund page shows of an attempt, for both
// kinds of payment: the form, and why the refund did not go through.
type RefundAttempt struct {
	Form    RefundForm
	Problem *ErrorInfo // the provider refused; nothing was recorded
	// Unrecorded says the provider refunded but it is not recorded here
	// yet: the form is replaced by what to tell support.
	Unrecorded bool
}

// NewRefundForm pre-fills the whole remainder written as the person's
// language writes amounts, which the core reads back in either.
func NewRefundForm(l Locale, p *app.Payment) RefundForm {
	return RefundForm{Amount: l.Number(p.Remaining(), 2)}
}

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

	filter app.PaymentFilter
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
	f.Errors, f.filter = nil, app.PaymentFilter{}
	if f.Status != "" {
		if s := app.PaymentStatus(f.Status); !s.Valid() {
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
	d, err := app.ParseMoney(s)
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
func (f PaymentFilterForm) Filter() app.PaymentFilter { return f.filter }

// PageFilter is Filter limited to the page asked for.
func (f PaymentFilterForm) PageFilter() app.PaymentFilter {
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
