package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/craftclient"
	"linkdesk/store"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
)

// LinkService is what the links pages need of Craftgate's payment links;
// *craftclient.ProductService implements it.
type LinkService interface {
	Create(ctx context.Context, req craftclient.ProductRequest) (*craftclient.Product, error)
	Retrieve(ctx context.Context, id int64) (*craftclient.Product, error)
	Update(ctx context.Context, id int64, req craftclient.ProductRequest) (*craftclient.Product, error)
	Delete(ctx context.Context, id int64) error
	Search(ctx context.Context, req craftclient.ProductSearchRequest) (*craftclient.ProductPage, error)
}

var _ LinkService = (*craftclient.ProductService)(nil)

// Links serves the payment-link pages: list, detail, create, edit, status,
// delete and the CSV export.
type Links struct {
	site  Site
	links LinkService
	audit AuditLog
	now   func() time.Time
}

// NewLinks returns the links handlers. now is the clock expiry dates are
// checked against; typed expiries are read as wall time in its location.
func NewLinks(site Site, links LinkService, audit AuditLog, now func() time.Time) *Links {
	return &Links{site: site, links: links, audit: audit, now: now}
}

// Index lists links matching the query-string filters: the whole page, or
// just the table for htmx (active search, paging). A provider failure keeps
// the filters and says what to do instead of showing an empty table.
func (h *Links) Index(c echo.Context) error {
	p := views.LinksProps{
		Filter:    views.LinkFilterFrom(c.QueryParams()),
		CanChange: Allowed(UserFrom(c), store.RoleStaff),
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
		p.Links, p.Total = page.Items, page.TotalSize
	}
	if htmx.Parse(c.Request()).Partial() {
		// The canonical URL, without the empty fields the form sent.
		c.Response().Header().Set(htmx.HeaderPushURL, p.Filter.URL(p.Filter.Page))
	}
	l := LocaleFrom(c)
	return render(c, status, views.LinksPage(h.site.Meta(c, "links", "links.title"), p), views.LinksTable(l, p))
}

// Show is one link with its QR and actions.
func (h *Links) Show(c echo.Context) error {
	link, err := h.retrieve(c)
	if err != nil {
		return err
	}
	p := h.linkProps(c, link)
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
	link, err := h.links.Create(c.Request().Context(), f.Input())
	if err != nil {
		f.MayExist = true
		return h.formFailed(c, f, err)
	}
	if err := audit(c, h.audit, Change{Action: "link.create", TargetType: "link", TargetID: linkIDString(link.ID), After: link}); err != nil {
		return err
	}
	LoggerFrom(c).Info("link created", "link_id", link.ID)
	flash.Success(c, LocaleFrom(c).T("links.flash.created"))
	return redirect(c, string(views.LinkURL(link.ID)))
}

// Edit is the edit form pre-filled with the link's current values.
func (h *Links) Edit(c echo.Context) error {
	link, err := h.retrieve(c)
	if err != nil {
		return err
	}
	return h.renderForm(c, http.StatusOK, views.LinkFormFrom(*link))
}

// Update replaces the link. The API's update is a full replace, so the
// fields the form does not show are read fresh and sent back unchanged.
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
	ctx := c.Request().Context()
	before, err := h.links.Retrieve(ctx, id)
	if err != nil {
		return h.formFailed(c, f, err)
	}
	after, err := h.links.Update(ctx, id, keepHidden(f.Input(), *before))
	if err != nil {
		return h.formFailed(c, f, err)
	}
	if err := audit(c, h.audit, Change{Action: "link.update", TargetType: "link", TargetID: linkIDString(id), Before: before, After: after}); err != nil {
		return err
	}
	LoggerFrom(c).Info("link updated", "link_id", id)
	flash.Success(c, LocaleFrom(c).T("links.flash.updated"))
	return redirect(c, string(views.LinkURL(id)))
}

// Validate checks one field as the user leaves it. The whole form is
// posted, because some rules span fields (an order number needs stock 1).
func (h *Links) Validate(c echo.Context) error {
	field := c.Param("field")
	if !views.IsLinkField(field) {
		return NewError(CodeNotFound, "error.404")
	}
	f, err := h.bindForm(c, 0)
	if err != nil {
		return err
	}
	f.Validate(h.now())
	fragment := views.LinkField(LocaleFrom(c), f, field)
	return render(c, http.StatusOK, fragment, fragment)
}

// SetStatus switches a link to the posted status (or the other one): a
// full replace of the current link with only the status changed. htmx gets
// the updated row or detail back; a plain form returns to where it came from.
func (h *Links) SetStatus(c echo.Context) error {
	before, err := h.retrieve(c)
	if err != nil {
		return err
	}
	want := views.OtherStatus(before.Status)
	if s := craftclient.LinkStatus(c.FormValue("status")); s.Valid() {
		want = s
	}
	after := before
	if want != before.Status {
		req := replaceRequest(*before)
		req.Status = want
		if after, err = h.links.Update(c.Request().Context(), before.ID, req); err != nil {
			return statusFailed(err)
		}
		if err := audit(c, h.audit, Change{Action: "link.status", TargetType: "link", TargetID: linkIDString(before.ID), Before: before, After: after}); err != nil {
			return err
		}
		LoggerFrom(c).Info("link status changed", "link_id", before.ID, "status", string(want))
	}
	l := LocaleFrom(c)
	flash.Success(c, l.T(statusFlash(after.Status)))
	hx := htmx.Parse(c.Request())
	switch {
	case hx.Partial() && hx.Target == views.IDLinkDetail:
		return render(c, http.StatusOK, nil, views.LinkDetail(l, h.linkProps(c, after)))
	case hx.Partial():
		row := views.LinkRowProps{Link: *after, CanChange: true, CSRF: CSRFToken(c), Next: SafeNext(c.FormValue("next"), views.PathLinks)}
		return render(c, http.StatusOK, nil, views.LinkRow(l, row))
	}
	return redirect(c, SafeNext(c.FormValue("next"), string(views.LinkURL(after.ID))))
}

// ConfirmDelete asks before deleting, offering deactivation instead; it is
// what a delete button leads to without JavaScript.
func (h *Links) ConfirmDelete(c echo.Context) error {
	link, err := h.retrieve(c)
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
	before, err := h.retrieve(c)
	if err != nil {
		return err
	}
	if err := h.links.Delete(c.Request().Context(), before.ID); err != nil {
		return err
	}
	if err := audit(c, h.audit, Change{Action: "link.delete", TargetType: "link", TargetID: linkIDString(before.ID), Before: before}); err != nil {
		return err
	}
	LoggerFrom(c).Info("link deleted", "link_id", before.ID)
	if hx := htmx.Parse(c.Request()); hx.Partial() && strings.HasPrefix(hx.Target, views.IDLinkRowPrefix) {
		c.Response().Header().Add("Vary", htmx.HeaderRequest)
		return c.NoContent(http.StatusOK)
	}
	flash.Success(c, LocaleFrom(c).T("links.flash.deleted"))
	return redirect(c, views.PathLinks)
}

// exportPageSize is the largest page the search API gives.
const exportPageSize = views.MaxLinksPageSize

// Export sends the whole filtered list (every page) as CSV, UTF-8 with a
// byte-order mark so spreadsheet programs read Turkish letters right.
func (h *Links) Export(c echo.Context) error {
	f := views.LinkFilterFrom(c.QueryParams())
	if !f.Validate() {
		return NewError(CodeInvalid, "links.filter_invalid")
	}
	links, err := h.searchAll(c.Request().Context(), f.Search())
	if err != nil {
		return err
	}
	name := "payment-links-" + h.now().Format("2006-01-02") + ".csv"
	return csvDownload(c, name, linkCSVHeader, func(write func([]string) error) error {
		for _, p := range links {
			if err := write(linkCSVRow(p)); err != nil {
				return err
			}
		}
		return nil
	})
}

// searchAll walks every page of a search. Links created meanwhile shift the
// newest-first pages, so a link seen twice is kept once.
func (h *Links) searchAll(ctx context.Context, req craftclient.ProductSearchRequest) ([]craftclient.Product, error) {
	req.Page, req.Size = 0, exportPageSize
	seen := make(map[int64]bool)
	var all []craftclient.Product
	for {
		// Each page is a shared, uncancellable call (SearchCache): stop
		// walking once the person has given up on the download.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		page, err := h.links.Search(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if !seen[p.ID] {
				seen[p.ID] = true
				all = append(all, p)
			}
		}
		if len(page.Items) < req.Size || int64((req.Page+1)*req.Size) >= page.TotalSize {
			return all, nil
		}
		req.Page++
	}
}

var linkCSVHeader = []string{"id", "name", "description", "price", "currency", "status", "stock", "soldCount", "channel", "orderId", "expiresAt", "url"}

func linkCSVRow(p craftclient.Product) []string {
	stock, expires := "", ""
	if p.Stock != nil {
		stock = strconv.Itoa(*p.Stock)
	}
	if p.ExpiresAt != nil {
		expires = p.ExpiresAt.String()
	}
	return []string{
		linkIDString(p.ID), csvSafe(p.Name), csvSafe(p.Description),
		p.Price.StringFixed(views.CurrencyPlaces(string(p.Currency))), string(p.Currency), string(p.Status),
		stock, strconv.Itoa(p.SoldCount), csvSafe(p.Channel), csvSafe(p.OrderID), expires, p.URL,
	}
}

// retrieve loads the link named by the :id path parameter.
func (h *Links) retrieve(c echo.Context) (*craftclient.Product, error) {
	id, err := linkID(c)
	if err != nil {
		return nil, err
	}
	return h.links.Retrieve(c.Request().Context(), id)
}

func (h *Links) linkProps(c echo.Context, link *craftclient.Product) views.LinkProps {
	return views.LinkProps{Link: *link, CanChange: Allowed(UserFrom(c), store.RoleStaff), CSRF: CSRFToken(c)}
}

func (h *Links) bindForm(c echo.Context, id int64) (views.LinkForm, error) {
	values, err := c.FormParams()
	if err != nil {
		return views.LinkForm{}, &Error{Code: CodeInvalid, Message: "error.400", Err: err}
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
	if errors.Is(err, context.Canceled) || craftclient.IsNotFound(err) {
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

// statusFailed turns the client refusing a status change (the current link
// breaks a rule, e.g. sold out with stock 0) into a message; provider
// errors go to the error handler as they are.
func statusFailed(err error) error {
	var ve *craftclient.ValidationError
	if errors.As(err, &ve) {
		return &Error{Code: CodeConflict, Message: "links.toggle_refused", Err: err}
	}
	return err
}

func statusFlash(s craftclient.LinkStatus) string {
	if s == craftclient.LinkStatusActive {
		return "links.flash.activated"
	}
	return "links.flash.deactivated"
}

// problemInfo is how an upstream failure is shown inside a page.
func problemInfo(c echo.Context, err error) views.ErrorInfo {
	p := Explain(err)
	LoggerFrom(c).Warn("provider call failed", "status", p.Status, "err", err)
	return p.Info(LocaleFrom(c))
}

// replaceRequest is a full-replace update that keeps every field of p.
func replaceRequest(p craftclient.Product) craftclient.ProductRequest {
	return craftclient.ProductRequest{
		Name:                p.Name,
		Description:         p.Description,
		OrderID:             p.OrderID,
		ConversationID:      p.ConversationID,
		ExternalID:          p.ExternalID,
		BasketIdentifier:    p.BasketIdentifier,
		Price:               p.Price,
		Currency:            p.Currency,
		Stock:               p.Stock,
		Channel:             p.Channel,
		MultiPayment:        p.MultiPayment,
		ExpiresAt:           p.ExpiresAt,
		EnabledInstallments: p.EnabledInstallments,
		Status:              p.Status,
	}
}

// keepHidden copies the fields the form does not show from the current
// link into an update, so a full replace does not reset them.
func keepHidden(in craftclient.ProductRequest, current craftclient.Product) craftclient.ProductRequest {
	in.ConversationID = current.ConversationID
	in.ExternalID = current.ExternalID
	in.MultiPayment = current.MultiPayment
	in.BasketIdentifier = current.BasketIdentifier
	return in
}

// linkID parses the :id path parameter; anything but a positive number is
// a page that does not exist.
func linkID(c echo.Context) (int64, error) { return parseLinkID(c.Param("id")) }

func linkIDString(id int64) string { return strconv.FormatInt(id, 10) }
