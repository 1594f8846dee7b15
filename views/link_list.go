package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// Page sizes of the links list.
const (
	DefaultLinksPageSize = 25
	MaxLinksPageSize     = app.MaxLinkPageSize
)

// LinksPageSizes are the sizes the list offers.
func LinksPageSizes() []int { return []int{DefaultLinksPageSize, 50, MaxLinksPageSize} }

// LinkFilter is the list's query string: the search API's filters as typed,
// plus a one-based page (the API counts from zero) and a page size.
type LinkFilter struct {
	Name     string
	MinPrice string
	MaxPrice string
	Currency string
	Channel  string
	Page     int // one-based, as shown and bookmarked
	Size     int
	// Sort orders the list by a column (app.LinkSort; empty is newest
	// first) and Reverse turns its direction around.
	Sort    string
	Reverse bool

	// Errors maps a filter name to a catalog key.
	Errors map[string]string

	minPrice, maxPrice *decimal.Decimal
}

// LinkFilterFrom reads the query string. A page or size that is missing or
// not a number falls back to the first page and the default size, and a size
// above the API's limit is clamped, so an edited URL still shows a list.
func LinkFilterFrom(q url.Values) LinkFilter {
	f := LinkFilter{
		Name:     q.Get("name"),
		MinPrice: q.Get("minPrice"),
		MaxPrice: q.Get("maxPrice"),
		Currency: q.Get("currency"),
		Channel:  q.Get("channel"),
		Page:     1,
		Size:     DefaultLinksPageSize,
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		f.Page = n
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && n > 0 {
		f.Size = min(n, MaxLinksPageSize)
	}
	// An unknown sort is the default order, as a bad page is the first.
	if s := app.LinkSort(q.Get("sort")); s.Valid() {
		f.Sort = string(s)
	}
	f.Reverse = q.Get("reverse") == "1"
	return f
}

// Validate parses the price bounds and checks the currency.
func (f *LinkFilter) Validate() bool {
	f.Errors = make(map[string]string)
	f.minPrice = f.parsePrice("minPrice", f.MinPrice)
	f.maxPrice = f.parsePrice("maxPrice", f.MaxPrice)
	if f.minPrice != nil && f.maxPrice != nil && f.minPrice.GreaterThan(*f.maxPrice) {
		f.Errors["maxPrice"] = "links.err.price_range"
	}
	if f.Currency != "" && !app.Currency(f.Currency).ValidLink() {
		f.Errors["currency"] = "links.err.currency"
	}
	return len(f.Errors) == 0
}

func (f *LinkFilter) parsePrice(field, s string) *decimal.Decimal {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	d, err := app.ParseMoney(s)
	if err != nil {
		f.Errors[field] = "links.err.price_format"
		return nil
	}
	return &d
}

// Search is the core's search for this filter; call it after Validate.
func (f LinkFilter) Search() app.LinkSearch {
	return app.LinkSearch{
		Name:     strings.TrimSpace(f.Name),
		Channel:  strings.TrimSpace(f.Channel),
		Currency: app.Currency(f.Currency),
		MinPrice: f.minPrice,
		MaxPrice: f.maxPrice,
		Page:     f.Page - 1,
		Size:     f.Size,
		Sort:     app.LinkSort(f.Sort),
		Reverse:  f.Reverse,
	}
}

// Active reports whether any filter narrows the list.
func (f LinkFilter) Active() bool {
	return strings.TrimSpace(f.Name+f.MinPrice+f.MaxPrice+f.Currency+f.Channel) != ""
}

// Query is the filter as a query string for page; the first page and the
// default size are left out so URLs stay short.
func (f LinkFilter) Query(page int) string {
	q := filterValues(page, "name", f.Name, "minPrice", f.MinPrice, "maxPrice", f.MaxPrice,
		"currency", f.Currency, "channel", f.Channel, "sort", f.Sort)
	if f.Size != DefaultLinksPageSize {
		q.Set("size", strconv.Itoa(f.Size))
	}
	if f.Reverse {
		q.Set("reverse", "1")
	}
	return q.Encode()
}

// SortURL is the first page of the list sorted by s: in its natural
// direction, or reversed when it is the sort shown now in that direction.
func (f LinkFilter) SortURL(s app.LinkSort) string {
	f.Reverse = f.Sort == string(s) && !f.Reverse
	f.Sort = string(s)
	return f.URL(1)
}

// ariaSort is the aria-sort value of a sortable column: how the list is
// sorted by it now, or "none".
func (f LinkFilter) ariaSort(s app.LinkSort) string {
	if f.Sort != string(s) {
		return "none"
	}
	// Names run A to Z; every other column most or latest first.
	asc := s == app.LinkSortName
	if f.Reverse {
		asc = !asc
	}
	if asc {
		return "ascending"
	}
	return "descending"
}

// hidden is the filter as hidden fields of the bulk form, which acts on
// every link it matches when "all" is ticked.
func (f LinkFilter) hidden() []field {
	var out []field
	for _, kv := range []field{{"name", f.Name}, {"minPrice", f.MinPrice}, {"maxPrice", f.MaxPrice}, {"currency", f.Currency}, {"channel", f.Channel}} {
		if kv.Name != "" && kv.Value != "" {
			out = append(out, kv)
		}
	}
	return out
}

// field is a form field's name and value.
type field struct{ Name, Value string }

// URL is the list for page with this filter.
func (f LinkFilter) URL(page int) string {
	if q := f.Query(page); q != "" {
		return PathLinks + "?" + q
	}
	return PathLinks
}

// CSVURL exports the whole filtered list.
func (f LinkFilter) CSVURL() string {
	if q := f.Query(1); q != "" {
		return PathLinksCSV + "?" + q
	}
	return PathLinksCSV
}

// Paging is where a list page sits among all results.
type Paging struct {
	Page  int // one-based
	Size  int
	Total int64
}

// Pages is the number of pages, at least one.
func (p Paging) Pages() int {
	if p.Size <= 0 || p.Total <= 0 {
		return 1
	}
	return int((p.Total + int64(p.Size) - 1) / int64(p.Size))
}

// HasPrev reports whether a previous page exists.
func (p Paging) HasPrev() bool { return p.Page > 1 }

// HasNext reports whether a next page exists.
func (p Paging) HasNext() bool { return p.Page < p.Pages() }

// LinksProps is what the list page and its table fragment show.
type LinksProps struct {
	Filter LinkFilter
	Links  []app.Link
	Sales  map[int64]app.LinkSales // each link's revenue and last sale
	Total  int64
	// Problem is set when the provider could not be asked; the filters stay.
	Problem   *ErrorInfo
	CanChange bool // staff and owners see the change controls
	CSRF      string
	// Memo renders the filter form and the rows through the handlers'
	// fragment cache: rows are most of the page, and a list is viewed
	// again and again while its links do not change.
	Memo Memo
	// page is the core's page shown (Show), which names the rows' fragment.
	page *app.LinkPage
}

// Show lists page, a page the core may share between requests and never
// changes (app.Links.Search).
func (p *LinksProps) Show(page *app.LinkPage) {
	p.Links, p.Total, p.Sales, p.page = page.Links, page.Total, page.Sales, page
}

// row returns the component for one link's row; next is the list's own
// URL, computed once per page.
func (p LinksProps) row(l Locale, link app.Link, next string) templ.Component {
	r := LinkRowProps{Link: link, Sales: p.Sales[link.ID], CanChange: p.CanChange, CSRF: p.CSRF, Next: next}
	return p.Memo.of(r.key(l), LinkRow(l, r))
}

// Paging returns the list's position for the pager.
func (p LinksProps) Paging() Paging {
	return Paging{Page: p.Filter.Page, Size: p.Filter.Size, Total: p.Total}
}

// LinkRowProps is one row of the list, also rendered alone after a toggle.
type LinkRowProps struct {
	Link      app.Link
	Sales     app.LinkSales // revenue and last sale
	CanChange bool
	CSRF      string
	Next      string // the list URL a plain (non-htmx) toggle returns to
}

// LinkProps is the detail page of one link.
type LinkProps struct {
	Link      app.Link
	CanChange bool
	CSRF      string
	// Sales is the link's sales section; nil shows none.
	Sales *LinkSalesProps
}

// LinkRowID is the id of a link's table row, the target of row swaps.
func LinkRowID(id int64) string { return IDLinkRowPrefix + strconv.FormatInt(id, 10) }

// CurrencyPlaces is the number of decimals (ISO 4217 minor units) of a
// currency's amounts.
func CurrencyPlaces(currency string) int32 { return app.Currency(currency).Places() }

func stockText(l Locale, stock *int) string {
	if stock == nil {
		return l.T("links.unlimited")
	}
	return strconv.Itoa(*stock)
}

func expiryText(l Locale, t *time.Time) string {
	if t == nil {
		return l.T("links.never")
	}
	return l.DateTime(*t)
}

func statusClass(s app.LinkStatus) string {
	return "badge-" + strings.ToLower(string(s))
}

func statusKey(s app.LinkStatus) string {
	if !s.Valid() {
		return "links.status.unknown"
	}
	return "links.status." + strings.ToLower(string(s))
}

func installmentsText(l Locale, counts []int) string {
	if len(counts) == 0 {
		return l.T("links.single_payment")
	}
	parts := make([]string, len(counts))
	for i, n := range counts {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// revenueText is a link's revenue in each currency it sold in; a link
// without sales has earned nothing in its own.
func revenueText(l Locale, link app.Link, s app.LinkSales) string {
	if len(s.Revenue) == 0 {
		return l.Money(decimal.Zero, string(link.Currency))
	}
	parts := make([]string, len(s.Revenue))
	for i, r := range s.Revenue {
		parts[i] = l.Money(r.Amount, string(r.Currency))
	}
	return strings.Join(parts, " · ")
}

// sortKey names a sort of the list.
func sortKey(s app.LinkSort) string {
	if s == app.LinkSortNewest {
		return "links.sort.newest"
	}
	return "links.sort." + string(s)
}

func yesNo(l Locale, b bool) string {
	if b {
		return l.T("links.yes")
	}
	return l.T("links.no")
}
