package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/qr"
)

// LinkReader reads links and the URLs their codes encode (*app.Links).
type LinkReader interface {
	linkSearcher
	Get(ctx context.Context, id int64) (*app.Link, error)
	// URL is what a link's QR code encodes, from memory when it was read
	// recently: a code is asked for far more often than links change.
	URL(ctx context.Context, id int64) (string, error)
}

// QR serves links' QR codes and their print sheets. Codes always encode the
// link's url (never Craftgate's qrCodeUrl image): rendered here they can be
// vector, any size, and cached.
type QR struct {
	site  Site
	links LinkReader
	cache *qr.Cache
}

// NewQR returns the QR and print handlers.
func NewQR(site Site, links LinkReader, cache *qr.Cache) *QR {
	return &QR{site: site, links: links, cache: cache}
}

// PNG serves GET /links/:id/qr.png?size=N. A size that is not a number is
// refused (400); a number out of range is clamped to 64..2048 px, so an
// old bookmark with a size we no longer allow still gets a code.
func (h *QR) PNG(c echo.Context) error {
	size, err := qrSize(c)
	if err != nil {
		return err
	}
	url, err := h.linkURL(c)
	if err != nil {
		return err
	}
	img, err := h.cache.PNG(url, size)
	if err != nil {
		return err
	}
	qr.Serve(c.Response(), c.Request(), img, qr.CacheControl)
	return nil
}

// qrSize reads a code's ?size= (links' and payments' alike): absent is
// the cache's default size (0), a number is clamped by the cache, and
// anything else is refused.
func qrSize(c echo.Context) (int, error) {
	s := c.QueryParam("size")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, app.Errorf(app.CodeInvalid, "print.bad_size")
	}
	return n, nil
}

// SVG serves GET /links/:id/qr.svg, the code for print.
func (h *QR) SVG(c echo.Context) error {
	url, err := h.linkURL(c)
	if err != nil {
		return err
	}
	img, err := h.cache.SVG(url)
	if err != nil {
		return err
	}
	qr.Serve(c.Response(), c.Request(), img, qr.CacheControl)
	return nil
}

// Print serves GET /links/:id/print?layout=poster|card|tent (poster when
// absent). It always reads the link afresh: the sheet shows its price.
func (h *QR) Print(c echo.Context) error {
	layout := c.QueryParam("layout")
	if layout == "" {
		layout = views.PrintPoster
	}
	if !views.ValidPrintLayout(layout) {
		return app.Errorf(app.CodeInvalid, "print.bad_layout")
	}
	id, err := linkID(c)
	if err != nil {
		return err
	}
	link, err := h.links.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	m := h.site.Meta(c, "links", "print.layout."+layout)
	m.Title += " · " + link.Name
	return render(c, http.StatusOK, views.LinkPrintPage(m, views.PrintProps{Layout: layout, Link: link}), nil)
}

// Labels serves GET /links/labels?id=…&id=… (up to
// views.MaxSelectedLinks ticked links) or ?all=1 with the list's filters
// (every link they match, any number): a label sheet, as many pages as it
// takes. Links that are unknown or cannot be loaded are listed as errors
// on the page; the others still get their labels. Nothing ticked sends the
// person back to the list with a message.
func (h *QR) Labels(c echo.Context) error {
	q := c.QueryParams()
	ids := q["id"]
	switch {
	case q.Get("all") == "1":
		return h.allLabels(c)
	case len(ids) == 0:
		flash.Error(c, LocaleFrom(c).T("print.labels_none"))
		return redirect(c, routes.Path(routes.Links))
	case len(ids) > views.MaxSelectedLinks:
		return app.Errorf(app.CodeInvalid, "print.labels_too_many")
	}
	l := LocaleFrom(c)
	links, errs := h.retrieveAll(c.Request().Context(), ids)
	props := views.LabelsProps{}
	for i, raw := range ids {
		if errs[i] == nil {
			props.Links = append(props.Links, links[i])
			continue
		}
		LoggerFrom(c).Warn("no label for link", "link_id", raw, "err", errs[i])
		info := Explain(errs[i]).Info(l)
		props.Failures = append(props.Failures, views.LabelFailure{ID: raw, Message: strings.TrimSpace(info.Message + " " + info.Detail)})
	}
	return h.renderLabels(c, props)
}

// allLabels is a label for every link the list's filter matches.
func (h *QR) allLabels(c echo.Context) error {
	f := views.LinkFilterFrom(c.QueryParams())
	if !f.Validate() {
		return app.Errorf(app.CodeInvalid, "links.filter_invalid")
	}
	all, err := searchAll(c.Request().Context(), h.links, f.Search())
	if err != nil {
		return err
	}
	props := views.LabelsProps{Links: make([]*app.Link, len(all))}
	for i := range all {
		props.Links[i] = &all[i]
	}
	return h.renderLabels(c, props)
}

func (h *QR) renderLabels(c echo.Context, props views.LabelsProps) error {
	m := h.site.Meta(c, "links", "print.layout.labels")
	return render(c, http.StatusOK, views.LabelsPage(m, props), nil)
}

// retrieveAll reads the links a few at a time, keeping the order asked. A bad id is an error in its slot.
func (h *QR) retrieveAll(ctx context.Context, ids []string) ([]*app.Link, []error) {
	const parallel = 8
	links := make([]*app.Link, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, raw := range ids {
		id, err := parseLinkID(raw)
		if err != nil {
			errs[i] = app.Errorf(app.CodeNotFound, "print.label_bad_id")
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			links[i], errs[i] = h.links.Get(ctx, id)
		}()
	}
	wg.Wait()
	return links, errs
}

// linkURL returns the URL of the link named by the :id parameter.
func (h *QR) linkURL(c echo.Context) (string, error) {
	id, err := linkID(c)
	if err != nil {
		return "", err
	}
	return h.links.URL(c.Request().Context(), id)
}
