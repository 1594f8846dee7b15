package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/views"
	"linkdesk/web/htmx"
)

// SalesService is what the sales pages need of the core (*app.Sales).
type SalesService interface {
	Version(ctx context.Context) (int64, error)
	Overview(ctx context.Context) (*app.Overview, error)
	List(ctx context.Context, f app.SaleFilter) ([]app.Sale, int, error)
	Each(ctx context.Context, f app.SaleFilter, fn func(app.Sale) error) error
	ForLink(ctx context.Context, id int64) (*app.LinkSalesView, error)
	LocalLink(ctx context.Context, id int64) (*app.Link, error)
	Payment(ctx context.Context, id int64) (*app.LinkPayment, error)
	Refund(ctx context.Context, by app.Actor, paymentID int64, amount string) (*app.LinkPayment, decimal.Decimal, error)
}

// Sales serves the overview, the sales list and its export, a link's
// polled sales section and the refund of a link payment.
type Sales struct {
	site  Site
	sales SalesService
	loc   *time.Location // the shop's zone: days in filters, times on pages
	now   func() time.Time
}

// NewSales returns the sales handlers; loc nil is app.DefaultLocation(), now
// nil time.Now.
func NewSales(site Site, sales SalesService, loc *time.Location, now func() time.Time) *Sales {
	loc = shopZone(loc)
	if now == nil {
		now = time.Now
	}
	return &Sales{site: site, sales: sales, loc: loc, now: now}
}

// unchanged answers a poll that already shows the current sales version
// with 204, which htmx does not swap: polling costs one small read until
// a sale, a failed attempt or a refund is recorded.
func (h *Sales) unchanged(c echo.Context) (bool, error) {
	since, err := strconv.ParseInt(c.QueryParam("since"), 10, 64)
	if err != nil || !htmx.Parse(c.Request()).Partial() {
		return false, nil
	}
	v, err := h.sales.Version(c.Request().Context())
	if err != nil || v != since {
		return false, err
	}
	c.Response().Header().Add("Vary", htmx.HeaderRequest)
	return true, c.NoContent(http.StatusNoContent)
}

// Overview is the start page: what the shop earned lately. Its polls get
// the overview alone.
func (h *Sales) Overview(c echo.Context) error {
	if done, err := h.unchanged(c); done || err != nil {
		return err
	}
	o, err := h.sales.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	v := views.OverviewView{Overview: o, Loc: h.loc, Staff: UserFrom(c).Can(app.RoleStaff)}
	return render(c, http.StatusOK, views.OverviewPage(h.site.Meta(c, "home", "overview.title"), v), views.Overview(LocaleFrom(c), v))
}

// Index lists sales of both sources with the query string's filters; the
// pager's htmx requests get only the results.
func (h *Sales) Index(c echo.Context) error {
	ctx := c.Request().Context()
	v := views.SalesListView{Form: views.SalesFilterFormFrom(c.QueryParams()), Loc: h.loc}
	status := http.StatusOK
	if v.Form.Validate(h.loc) {
		var err error
		if v.Sales, v.Total, err = h.sales.List(ctx, v.Form.PageFilter()); err != nil {
			return err
		}
		if id := v.Form.LinkID(); id != 0 {
			v.Link, _ = h.sales.LocalLink(ctx, id) // a link the record lacks is shown by its number
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, views.SalesPage(h.site.Meta(c, "sales", "sales.title"), v), views.SalesResults(LocaleFrom(c), v))
}

// salesCSVHeader names the export's columns; values are invariant (amounts
// with a dot, times in RFC 3339 UTC, statuses and sources as machine
// values), as in the other exports.
var salesCSVHeader = []string{
	"source", "ref", "created_at", "link_id", "link_name", "description", "amount", "refunded", "currency",
	"status", "installment", "payer", "staff_email",
}

// Export writes every sale matching the list's filters as CSV, streamed.
func (h *Sales) Export(c echo.Context) error {
	f := views.SalesFilterFormFrom(c.QueryParams())
	if !f.Validate(h.loc) {
		return app.Errorf(app.CodeInvalid, "error.400")
	}
	name := exportName("sales", h.now().In(h.loc))
	return csvDownload(c, name, salesCSVHeader, func(write func([]string) error) error {
		return h.sales.Each(c.Request().Context(), f.Filter(), func(s app.Sale) error { return write(saleCSVRow(s)) })
	})
}

func saleCSVRow(s app.Sale) []string {
	link, installment := "", ""
	if s.LinkID != 0 {
		link = strconv.FormatInt(s.LinkID, 10)
	}
	if s.Source == app.SaleSourceLink {
		installment = strconv.Itoa(s.Installment)
	}
	places := s.Currency.Places()
	return []string{
		string(s.Source), s.Ref, s.CreatedAt.UTC().Format(time.RFC3339), link, csvSafe(s.LinkName), csvSafe(s.Description),
		s.Amount.StringFixed(places), s.Refunded.StringFixed(places), string(s.Currency), string(s.Status), installment,
		csvSafe(s.Payer), csvSafe(s.Staff),
	}
}

// LinkSales is a link's sales section alone, which its page polls.
func (h *Sales) LinkSales(c echo.Context) error {
	id, err := linkID(c)
	if err != nil {
		return err
	}
	if done, err := h.unchanged(c); done || err != nil {
		return err
	}
	view, err := h.sales.ForLink(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if view.Link == nil {
		return errNotFound
	}
	p := linkSalesProps(c, view, *view.Link, h.loc)
	section := views.LinkSales(LocaleFrom(c), *p)
	return render(c, http.StatusOK, section, section)
}

// linkSalesProps is a link's sales section for the person asking.
func linkSalesProps(c echo.Context, view *app.LinkSalesView, link app.Link, loc *time.Location) *views.LinkSalesProps {
	return &views.LinkSalesProps{View: view, Link: link, Loc: loc, Owner: UserFrom(c).Can(app.RoleOwner)}
}
