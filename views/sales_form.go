package views

import (
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"linkdesk/app"
)

// SalesPageSize is how many sales one page of /sales shows.
const SalesPageSize = 50

// SalesFilterForm narrows the sales list and its CSV export. Fields hold
// the query string as sent.
type SalesFilterForm struct {
	From     string // first day, inclusive
	To       string // last day, inclusive
	Source   string // link or qr
	Status   string
	Currency string
	Link     string // a link's id
	Page     string
	Errors   map[string]string

	filter app.SaleFilter
	page   int
}

// SalesFilterFormFrom reads the filters from a query string.
func SalesFilterFormFrom(q url.Values) SalesFilterForm {
	return SalesFilterForm{From: q.Get("from"), To: q.Get("to"), Source: q.Get("source"), Status: q.Get("status"),
		Currency: q.Get("currency"), Link: q.Get("link"), Page: q.Get("page")}
}

// Validate parses the filters; days are in loc, the shop's time zone.
func (f *SalesFilterForm) Validate(loc *time.Location) bool {
	f.Errors, f.filter = nil, app.SaleFilter{}
	var from, to time.Time
	for _, d := range []struct {
		field, text string
		dst         *time.Time
	}{{"from", f.From, &from}, {"to", f.To, &to}} {
		if d.text == "" {
			continue
		}
		t, err := time.ParseInLocation(paymentDateLayout, d.text, loc)
		if err != nil {
			addError(&f.Errors, d.field, "payments.date_invalid")
			continue
		}
		*d.dst = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		addError(&f.Errors, "to", "payments.to_before_from")
	}
	f.filter.From = from
	if !to.IsZero() {
		f.filter.To = to.AddDate(0, 0, 1) // the last day is included
	}
	if f.filter.Source = app.SaleSource(f.Source); f.Source != "" && !f.filter.Source.Valid() {
		addError(&f.Errors, "source", "sales.source_bad")
	}
	if f.filter.Status = app.PaymentStatus(f.Status); f.Status != "" && !f.filter.Status.Valid() {
		addError(&f.Errors, "status", "payments.status_bad")
	}
	if f.filter.Currency = app.Currency(f.Currency); f.Currency != "" && !f.filter.Currency.ValidLink() {
		addError(&f.Errors, "currency", "links.err.currency")
	}
	if f.Link != "" {
		id, err := strconv.ParseInt(f.Link, 10, 64)
		if err != nil || id <= 0 {
			addError(&f.Errors, "link", "sales.link_bad")
		}
		f.filter.LinkID = id
	}
	f.page, _ = strconv.Atoi(f.Page)
	f.page = max(f.page, 1)
	return len(f.Errors) == 0
}

// ErrorList orders the errors for the summary.
func (f SalesFilterForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "from", "to", "source", "status", "currency", "link")
}

// Filter is the store query for every matching sale (no paging); call it
// after Validate.
func (f SalesFilterForm) Filter() app.SaleFilter { return f.filter }

// PageFilter is Filter limited to the page asked for.
func (f SalesFilterForm) PageFilter() app.SaleFilter {
	pf := f.filter
	pf.Limit, pf.Offset = SalesPageSize, (f.PageNumber()-1)*SalesPageSize
	return pf
}

// PageNumber is the 1-based page asked for.
func (f SalesFilterForm) PageNumber() int { return max(f.page, 1) }

// LinkID is the link the list is narrowed to, or 0.
func (f SalesFilterForm) LinkID() int64 { return f.filter.LinkID }

// Query is the filter as a query string for page (0 or 1 leaves the page
// out), so paging and the export keep the filters.
func (f SalesFilterForm) Query(page int) string {
	return filterQuery(page, "from", f.From, "to", f.To, "source", f.Source, "status", f.Status,
		"currency", f.Currency, "link", f.Link)
}

// Active reports whether any filter narrows the list.
func (f SalesFilterForm) Active() bool { return f.Query(0) != "" }

// SalesURL is the sales list narrowed to one link.
func SalesURL(linkID int64) templ.SafeURL {
	return templ.SafeURL(PathSales + "?link=" + strconv.FormatInt(linkID, 10))
}
