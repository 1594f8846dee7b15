package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// BulkService is what bulk actions need of the core (*app.Links).
type BulkService interface {
	linkSearcher
	Bulk(ctx context.Context, by app.Actor, action app.LinkBulkAction, ids []int64) app.BulkResult
}

// LinksBulk changes many links at once: activate, deactivate, delete.
type LinksBulk struct {
	site  Site
	links BulkService
}

// NewLinksBulk returns the bulk action handlers.
func NewLinksBulk(site Site, links BulkService) *LinksBulk {
	return &LinksBulk{site: site, links: links}
}

// linkSearcher searches links (*app.Links).
type linkSearcher interface {
	Search(ctx context.Context, q app.LinkSearch) (*app.LinkPage, error)
}

// selection reads a bulk selection from the query or form. Nothing
// selected sends the person back to the list with a message rather than
// an error page; too many ticked ids is a bad request.
func selection(c echo.Context) (views.LinkSelection, error) {
	values, err := c.FormParams()
	if err != nil {
		return views.LinkSelection{}, errBadForm
	}
	sel := views.LinkSelectionFrom(values)
	switch {
	case sel.Empty():
		flash.Error(c, LocaleFrom(c).T("bulk.none"))
		return sel, redirect(c, bulkNext(c))
	case len(sel.IDs) > views.MaxSelectedLinks:
		return sel, app.Errorf(app.CodeInvalid, "error.400")
	case sel.All && !sel.Filter.Validate():
		return sel, app.Errorf(app.CodeInvalid, "links.filter_invalid")
	}
	return sel, nil
}

// bulkNext is the list a bulk action returns to.
func bulkNext(c echo.Context) string {
	return SafeNext(c.FormValue("next"), routes.Path(routes.Links))
}

// selectedIDs resolves a selection to link ids: the ticked ones, or every
// link the filter matches (all pages, read now).
func selectedIDs(ctx context.Context, links linkSearcher, sel views.LinkSelection) ([]int64, []string, error) {
	if !sel.All {
		return sel.IDs, nil, nil
	}
	all, err := searchAll(ctx, links, sel.Filter.Search())
	if err != nil {
		return nil, nil, err
	}
	ids, names := make([]int64, len(all)), make([]string, len(all))
	for i, l := range all {
		ids[i], names[i] = l.ID, l.Name
	}
	return ids, names, nil
}

// Confirm asks once before a bulk change, naming how many links it
// changes (GET: the list's bulk form leads here).
func (h *LinksBulk) Confirm(c echo.Context) error {
	action := app.LinkBulkAction(c.QueryParam("action"))
	if !action.Valid() {
		return errNotFound
	}
	sel, err := selection(c)
	if err != nil || sel.Empty() {
		return err
	}
	ids, names, err := selectedIDs(c.Request().Context(), h.links, sel)
	if err != nil {
		return err
	}
	p := views.BulkProps{Action: action, Count: len(ids), Names: names[:min(len(names), 10)], Sel: sel,
		Next: sel.Filter.URL(1), CSRF: CSRFToken(c)}
	m := h.site.Meta(c, "links", "links.title")
	m.Title = LocaleFrom(c).Tf("bulk.confirm."+string(action), p.Count)
	return render(c, http.StatusOK, views.LinksBulkPage(m, p), nil)
}

// Apply applies the confirmed change to every selected link, each audited,
// and says how many changed and which could not.
func (h *LinksBulk) Apply(c echo.Context) error {
	action := app.LinkBulkAction(c.FormValue("action"))
	if !action.Valid() {
		return errBadForm
	}
	sel, err := selection(c)
	if err != nil || sel.Empty() {
		return err
	}
	ids, _, err := selectedIDs(c.Request().Context(), h.links, sel)
	if err != nil {
		return err
	}
	res := h.links.Bulk(c.Request().Context(), actorOf(c), action, ids)
	LoggerFrom(c).Info("links changed in bulk", "action", action, "done", len(res.Done), "failed", len(res.Failed))
	l := LocaleFrom(c)
	if len(res.Done) > 0 {
		flash.Success(c, l.Tf("bulk.done."+string(action), len(res.Done)))
	}
	if len(res.Failed) > 0 {
		var parts []string
		for _, f := range res.Failed[:min(len(res.Failed), 10)] {
			info := Explain(f.Err).Info(l)
			parts = append(parts, "#"+strconv.FormatInt(f.ID, 10)+" "+strings.TrimSpace(info.Message+" "+info.Detail))
		}
		flash.Error(c, l.Tf("bulk.failed", len(res.Failed), strings.Join(parts, "; ")))
	}
	return redirect(c, bulkNext(c))
}
