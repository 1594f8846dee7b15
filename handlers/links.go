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
	linkWalker
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
// loc is the shop's zone for the sales shown (nil: app.DefaultLocation()).
func NewLinks(site Site, links LinkService, sales LinkSalesReader, loc *time.Location, now func() time.Time) *Links {
	return &Links{site: site, links: links, sales: sales, loc: shopZone(loc), now: now}
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
		p.Show(page)
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

// New is the empty create form or, with ?from=ID ("Duplicate"), the form
// pre-filled from that link.
func (h *Links) New(c echo.Context) error {
	from := c.QueryParam("from")
	if from == "" {
		return h.renderForm(c, http.StatusOK, views.NewLinkForm())
	}
	id, err := parseLinkID(from)
	if err != nil {
		return err
	}
	link, err := h.links.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return h.renderForm(c, http.StatusOK, views.DuplicateLinkForm(LocaleFrom(c), *link, h.now()))
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
// came from. A deactivation's message offers to undo it (#14).
func (h *Links) SetStatus(c echo.Context) error {
	id, err := linkID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	before, err := h.links.Get(ctx, id)
	if err != nil {
		return err
	}
	want := app.LinkStatus(c.FormValue("status"))
	if !want.Valid() {
		want = before.Status.Other()
	}
	after, err := h.links.SetStatus(ctx, actorOf(c), id, want)
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	next := SafeNext(c.FormValue("next"), routes.Path(routes.LinkShow, after.ID))
	hx := htmx.Parse(c.Request())
	if before.Status == app.LinkStatusActive && after.Status == app.LinkStatusPassive {
		flash.SuccessUndo(c, l.T(statusFlash(after.Status)), flash.Undo{Links: []int64{id}, Next: shownPage(c, next)})
	} else {
		flash.Success(c, l.T(statusFlash(after.Status)))
	}
	switch {
	case hx.Partial() && hx.Target == views.IDLinkDetail:
		return render(c, http.StatusOK, nil, views.LinkDetail(l, h.linkProps(c, after)))
	case hx.Partial():
		row := views.LinkRowProps{Link: *after, CanChange: true, CSRF: CSRFToken(c), Next: SafeNext(c.FormValue("next"), routes.Path(routes.Links))}
		return render(c, http.StatusOK, nil, views.LinkRow(l, row))
	}
	return redirect(c, next)
}

// shownPage is the page the person sees after this request: for htmx the
// one it was sent from (HX-Current-URL), otherwise next.
func shownPage(c echo.Context, next string) string {
	if !htmx.Parse(c.Request()).Partial() {
		return next
	}
	u, err := url.Parse(c.Request().Header.Get("HX-Current-URL"))
	if err != nil {
		return next
	}
	return SafeNext(u.RequestURI(), next)
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
// byte-order mark so spreadsheet programs read Turkish letters right. Every
// matching link is streamed as its page arrives, so the download starts at
// once and the server holds one page however many links there are.
func (h *Links) Export(c echo.Context) error {
	f := views.LinkFilterFrom(c.QueryParams())
	if !f.Validate() {
		return app.Errorf(app.CodeInvalid, "links.filter_invalid")
	}
	ctx := c.Request().Context()
	ticked, err := h.ticked(c)
	if err != nil {
		return err
	}
	name := exportName("payment-links", h.now().In(h.loc))
	return csvDownload(c, name, linkCSVHeader, func(write func([]string) error) error {
		row := func(l app.Link) error { return write(linkCSVRow(l)) }
		if ticked == nil {
			return h.links.Each(ctx, f.Search(), row)
		}
		for _, l := range ticked {
			if err := row(l); err != nil {
				return err
			}
		}
		return nil
	})
}

// ticked reads the links ticked in the list's bulk form, before the
// download starts, so a failure still shows a page; nil when the export is
// of every link the filter matches.
func (h *Links) ticked(c echo.Context) ([]app.Link, error) {
	sel := views.LinkSelectionFrom(c.QueryParams())
	if sel.All || len(sel.IDs) == 0 {
		return nil, nil
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

// linkWalker walks every link a search matches (*app.Links).
type linkWalker interface {
	Each(ctx context.Context, q app.LinkSearch, fn func(app.Link) error) error
}

// searchAll reads every link a search matches, for pages that show or
// change them all at once (labels, bulk actions).
func searchAll(ctx context.Context, links linkWalker, q app.LinkSearch) ([]app.Link, error) {
	var all []app.Link
	err := links.Each(ctx, q, func(l app.Link) error {
		all = append(all, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
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
