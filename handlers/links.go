package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
)

// LinkService is what the links pages need of the core.
type LinkService interface {
	Search(ctx context.Context, q app.LinkSearch) (*app.LinkPage, error)
	Get(ctx context.Context, id int64) (*app.Link, error)
	Create(ctx context.Context, by app.Actor, in app.LinkInput) (*app.Link, error)
	Update(ctx context.Context, by app.Actor, id int64, in app.LinkInput) (*app.Link, error)
	SetStatus(ctx context.Context, by app.Actor, id int64, status app.LinkStatus) (*app.Link, error)
	Delete(ctx context.Context, by app.Actor, id int64) (*app.Link, error)
}

// LinkSalesReader gives a link's sales for its page (*app.Sales).
type LinkSalesReader interface {
	ForLink(ctx context.Context, id int64) (*app.LinkSalesView, error)
}

// Links serves the payment-link pages: list, detail, create, edit, status,
// delete and the CSV export.
type Links struct {
	site  Site
	links LinkService
	sales LinkSalesReader
	loc   *time.Location // the shop's zone, for sales' times
	now   func() time.Time
}

// NewLinks returns the links handlers. now is the clock expiry dates are
// checked against; typed expiries are read as wall time in its location.
// loc is the shop's zone for the sales shown (nil: the server's).
func NewLinks(site Site, links LinkService, sales LinkSalesReader, loc *time.Location, now func() time.Time) *Links {
	if loc == nil {
		loc = time.Local
	}
	return &Links{site: site, links: links, sales: sales, loc: loc, now: now}
}

// Index lists links matching the query-string filters: the whole page, or
// just the table for htmx (active search, paging). A provider failure keeps
// the filters and says what to do instead of showing an empty table.
func (h *Links) Index(c echo.Context) error {
	p := views.LinksProps{
		Filter:    views.LinkFilterFrom(c.QueryParams()),
		CanChange: UserFrom(c).Can(app.RoleStaff),
		CSRF:      CSRFToken(c),
		Memo:      h.site.memo(),
	}
	status := http.StatusOK
	if !p.Filter.Validate() {
		status = http.StatusUnprocessableEntity
	} else if page, err := h.links.Search(c.Request().Context(), p.Filter.Search()); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		info := problemInfo(c, err)
		p.Problem, status = &info, info.Status
	} else {
		p.Links, p.Total, p.Sales = page.Links, page.Total, page.Sales
	}
	if htmx.Parse(c.Request()).Partial() {
		// The canonical URL, without the empty fields the form sent.
		c.Response().Header().Set(htmx.HeaderPushURL, p.Filter.URL(p.Filter.Page))
	}
	l := LocaleFrom(c)
	return render(c, status, views.LinksPage(h.site.Meta(c, "links", "links.title"), p), views.LinksTable(l, p))
}

// Show is one link with its QR, its actions and its sales.
func (h *Links) Show(c echo.Context) error {
	link, err := h.get(c)
	if err != nil {
		return err
	}
	view, err := h.sales.ForLink(c.Request().Context(), link.ID)
	if err != nil {
		return err
	}
	p := h.linkProps(c, link)
	p.Sales = linkSalesProps(c, view, *link, h.loc)
	m := h.site.Meta(c, "links", "links.title")
	m.Title = link.Name
	return render(c, http.StatusOK, views.LinkPage(m, p), views.LinkDetail(m.Locale, p))
}

// New is the empty create form.
func (h *Links) New(c echo.Context) error {
	return h.renderForm(c, http.StatusOK, views.NewLinkForm())
}

// Create makes a link. A create that fails upstream is never retried: it
// may have happened, so the form says to check the list first.
func (h *Links) Create(c echo.Context) error {
	f, err := h.bindForm(c, 0)
	if err != nil {
		return err
	}
	if !f.Validate(h.now()) {
		return h.renderForm(c, http.StatusUnprocessableEntity, f)
	}
	link, err := h.links.Create(c.Request().Context(), actorOf(c), f.Input())
	if err != nil {
		f.MayExist = true
		return h.formFailed(c, f, err)
	}
	LoggerFrom(c).Info("link created", "link_id", link.ID)
	flash.Success(c, LocaleFrom(c).T("links.flash.created"))
	return redirect(c, routes.Path(routes.LinkShow, link.ID))
}

// Edit is the edit form pre-filled with the link's current values.
func (h *Links) Edit(c echo.Context) error {
	link, err := h.get(c)
	if err != nil {
		return err
	}
	return h.renderForm(c, http.StatusOK, views.LinkFormFrom(*link))
}

// Update replaces the link with the form's values.
func (h *Links) Update(c echo.Context) error {
	id, err := linkID(c)
	if err != nil {
		return err
	}
	f, err := h.bindForm(c, id)
	if err != nil {
		return err
	}
	if !f.Validate(h.now()) {
		return h.renderForm(c, http.StatusUnprocessableEntity, f)
	}
	if _, err := h.links.Update(c.Request().Context(), actorOf(c), id, f.Input()); err != nil {
		return h.formFailed(c, f, err)
	}
	LoggerFrom(c).Info("link updated", "link_id", id)
	flash.Success(c, LocaleFrom(c).T("links.flash.updated"))
	return redirect(c, routes.Path(routes.LinkShow, id))
}

// Validate checks one field as the user leaves it. The whole form is
// posted, because some rules span fields (an order number needs stock 1).
func (h *Links) Validate(c echo.Context) error {
	field := c.Param("field")
	if !views.IsLinkField(field) {
		return errNotFound
	}
	f, err := h.bindForm(c, 0)
	if err != nil {
		return err
	}
	f.Validate(h.now())
	fragment := views.LinkField(LocaleFrom(c), f, field)
	return render(c, http.StatusOK, fragment, fragment)
}

// SetStatus switches a link to the posted status (or the other one). htmx
// gets the updated row or detail back; a plain form returns to where it
// came from.
func (h *Links) SetStatus(c echo.Context) error {
	id, err := linkID(c)
	if err != nil {
		return err
	}
	want := app.LinkStatus(c.FormValue("status"))
	if !want.Valid() {
		before, err := h.links.Get(c.Request().Context(), id)
		if err != nil {
			return err
		}
		want = before.Status.Other()
	}
	after, err := h.links.SetStatus(c.Request().Context(), actorOf(c), id, want)
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	flash.Success(c, l.T(statusFlash(after.Status)))
	hx := htmx.Parse(c.Request())
	switch {
	case hx.Partial() && hx.Target == views.IDLinkDetail:
		return render(c, http.StatusOK, nil, views.LinkDetail(l, h.linkProps(c, after)))
	case hx.Partial():
		row := views.LinkRowProps{Link: *after, CanChange: true, CSRF: CSRFToken(c), Next: SafeNext(c.FormValue("next"), routes.Path(routes.Links))}
		return render(c, http.StatusOK, nil, views.LinkRow(l, row))
	}
	return redirect(c, SafeNext(c.FormValue("next"), routes.Path(routes.LinkShow, after.ID)))
}

// ConfirmDelete asks before deleting, offering deactivation instead; it is
// what a delete button leads to without JavaScript.
func (h *Links) ConfirmDelete(c echo.Context) error {
	link, err := h.get(c)
	if err != nil {
		return err
	}
	m := h.site.Meta(c, "links", "links.title")
	m.Title = link.Name
	return render(c, http.StatusOK, views.LinkDeletePage(m, h.linkProps(c, link)), nil)
}

// Delete removes a link for good. An htmx delete from a list row answers
// 200 with an empty body, which removes the row.
func (h *Links) Delete(c echo.Context) error {
	id, err := linkID(c)
	if err != nil {
		return err
	}
	before, err := h.links.Delete(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	LoggerFrom(c).Info("link deleted", "link_id", id)
	l := LocaleFrom(c)
	if hx := htmx.Parse(c.Request()); hx.Partial() && strings.HasPrefix(hx.Target, views.IDLinkRowPrefix) {
		// The row goes (an empty answer), and the list's count and the
		// flash say what happened, replacing whatever they said before.
		flash.Success(c, l.Tf("links.flash.deleted_named", before.Name))
		return render(c, http.StatusOK, nil, views.LinksCountOOB(l, h.listTotal(c)))
	}
	flash.Success(c, l.T("links.flash.deleted"))
	return redirect(c, routes.Path(routes.Links))
}

// listTotal is how many links the list the person looks at (the page
// htmx names in HX-Current-URL) holds now; -1 when that cannot be told.
func (h *Links) listTotal(c echo.Context) int64 {
	u, err := url.Parse(c.Request().Header.Get("HX-Current-URL"))
	if err != nil {
		return -1
	}
	f := views.LinkFilterFrom(u.Query())
	if !f.Validate() {
		return -1
	}
	page, err := h.links.Search(c.Request().Context(), f.Search())
	if err != nil {
		return -1
	}
	return page.Total
}

// Export sends the whole filtered list (every page) as CSV, UTF-8 with a
// byte-order mark so spreadsheet programs read Turkish letters right.
func (h *Links) Export(c echo.Context) error {
	f := views.LinkFilterFrom(c.QueryParams())
	if !f.Validate() {
		return app.Errorf(app.CodeInvalid, "links.filter_invalid")
	}
	links, err := h.exported(c, f)
	if err != nil {
		return err
	}
	name := "payment-links-" + h.now().Format("2006-01-02") + ".csv"
	return csvDownload(c, name, linkCSVHeader, func(write func([]string) error) error {
		for _, l := range links {
			if err := write(linkCSVRow(l)); err != nil {
				return err
			}
		}
		return nil
	})
}

// exported is what an export sends: the links ticked in the list's bulk
// form, or every link the filter matches.
func (h *Links) exported(c echo.Context, f views.LinkFilter) ([]app.Link, error) {
	sel := views.LinkSelectionFrom(c.QueryParams())
	if sel.All || len(sel.IDs) == 0 {
		return searchAll(c.Request().Context(), h.links, f.Search())
	}
	if len(sel.IDs) > views.MaxSelectedLinks {
		return nil, app.Errorf(app.CodeInvalid, "error.400")
	}
	links := make([]app.Link, 0, len(sel.IDs))
	for _, id := range sel.IDs {
		l, err := h.links.Get(c.Request().Context(), id)
		if app.IsProviderNotFound(err) {
			continue // deleted since it was ticked
		}
		if err != nil {
			return nil, err
		}
		links = append(links, *l)
	}
	return links, nil
}

// searchAll walks every page of a search. Links created meanwhile shift the
// newest-first pages, so a link seen twice is kept once.
func searchAll(ctx context.Context, links linkSearcher, q app.LinkSearch) ([]app.Link, error) {
	q.Page, q.Size = 0, views.MaxLinksPageSize
	seen := make(map[int64]bool)
	var all []app.Link
	for {
		// Each page is a shared, uncancellable call: stop walking once the
		// person has given up on the download.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		page, err := links.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, l := range page.Links {
			if !seen[l.ID] {
				seen[l.ID] = true
				all = append(all, l)
			}
		}
		if len(page.Links) < q.Size || int64((q.Page+1)*q.Size) >= page.Total {
			return all, nil
		}
		q.Page++
	}
}

var linkCSVHeader = []string{"id", "name", "description", "price", "currency", "status", "stock", "soldCount", "channel", "orderId", "expiresAt", "url"}

func linkCSVRow(l app.Link) []string {
	stock, expires := "", ""
	if l.Stock != nil {
		stock = strconv.Itoa(*l.Stock)
	}
	if l.ExpiresAt != nil {
		expires = l.ExpiresAt.Format("2006-01-02T15:04:05")
	}
	return []string{
		strconv.FormatInt(l.ID, 10), csvSafe(l.Name), csvSafe(l.Description),
		l.Price.StringFixed(l.Currency.Places()), string(l.Currency), string(l.Status),
		stock, strconv.Itoa(l.SoldCount), csvSafe(l.Channel), csvSafe(l.OrderID), expires, l.URL,
	}
}

// get loads the link named by the :id path parameter.
func (h *Links) get(c echo.Context) (*app.Link, error) {
	id, err := linkID(c)
	if err != nil {
		return nil, err
	}
	return h.links.Get(c.Request().Context(), id)
}

func (h *Links) linkProps(c echo.Context, link *app.Link) views.LinkProps {
	return views.LinkProps{Link: *link, CanChange: UserFrom(c).Can(app.RoleStaff), CSRF: CSRFToken(c)}
}

func (h *Links) bindForm(c echo.Context, id int64) (views.LinkForm, error) {
	values, err := c.FormParams()
	if err != nil {
		return views.LinkForm{}, &app.Error{Code: app.CodeInvalid, Message: "error.400", Err: err}
	}
	return views.LinkFormFromValues(id, values), nil
}

// renderForm shows the create or edit form (by f.ID): the page, or the form
// alone for an htmx submit.
func (h *Links) renderForm(c echo.Context, status int, f views.LinkForm) error {
	l := LocaleFrom(c)
	card := views.LinkFormCard(l, f, CSRFToken(c))
	if f.ID == 0 {
		return render(c, status, views.NewLinkPage(h.site.Meta(c, "links", "links.new_title"), f), card)
	}
	return render(c, status, views.EditLinkPage(h.site.Meta(c, "links", "links.edit_title"), f), card)
}

// formFailed shows a refused or failed provider call on the form, keeping
// everything typed: a refusal marks the fields (422), a timeout or outage
// shows an alert with the status Explain gives. A vanished link is a 404.
func (h *Links) formFailed(c echo.Context, f views.LinkForm, err error) error {
	if errors.Is(err, context.Canceled) || app.IsProviderNotFound(err) || errors.Is(err, app.ErrNotFound) {
		return err
	}
	if f.AddProviderError(err) {
		f.MayExist = false // refused: nothing was created
		return h.renderForm(c, http.StatusUnprocessableEntity, f)
	}
	info := problemInfo(c, err)
	f.Problem = &info
	return h.renderForm(c, info.Status, f)
}

func statusFlash(s app.LinkStatus) string {
	if s == app.LinkStatusActive {
		return "links.flash.activated"
	}
	return "links.flash.deactivated"
}

// linkID parses the :id path parameter; anything but a positive number is
// a page that does not exist.
func linkID(c echo.Context) (int64, error) { return parseLinkID(c.Param("id")) }

// parseLinkID reads a link id; anything but a positive number names no link.
func parseLinkID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
