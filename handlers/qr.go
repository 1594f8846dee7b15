package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/craftclient"
	"linkdesk/views"
	"linkdesk/web/qr"
)

// LinkRetriever reads one payment link (*craftclient.ProductService).
type LinkRetriever interface {
	Retrieve(ctx context.Context, id int64) (*craftclient.Product, error)
}

// QR serves links' QR codes and their print sheets. Codes always encode the
// link's url (never Craftgate's qrCodeUrl image): rendered here they can be
// vector, any size, and cached.
type QR struct {
	site     Site
	products LinkRetriever
	cache    *qr.Cache
	urls     *linkURLs
}

// NewQR returns the QR and print handlers.
func NewQR(site Site, products LinkRetriever, cache *qr.Cache) *QR {
	return &QR{site: site, products: products, cache: cache, urls: newLinkURLs(4096, 10*time.Minute, time.Now)}
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
		return 0, NewError(CodeInvalid, "print.bad_size")
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
		return NewError(CodeInvalid, "print.bad_layout")
	}
	id, err := linkID(c)
	if err != nil {
		return err
	}
	link, err := h.products.Retrieve(c.Request().Context(), id)
	if err != nil {
		return err
	}
	h.urls.put(link.ID, link.URL)
	m := h.site.Meta(c, "links", "print.layout."+layout)
	m.Title += " · " + link.Name
	return render(c, http.StatusOK, views.LinkPrintPage(m, views.PrintProps{Layout: layout, Link: link}), nil)
}

// Labels serves GET /links/labels?id=…&id=…: a label sheet of 1 to
// views.MaxLabels links. Links that are unknown or cannot be loaded are
// listed as errors on the page; the others still get their labels.
func (h *QR) Labels(c echo.Context) error {
	ids := c.QueryParams()["id"]
	switch {
	case len(ids) == 0:
		return NewError(CodeInvalid, "print.labels_none")
	case len(ids) > views.MaxLabels:
		return NewError(CodeInvalid, "print.labels_too_many")
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
	m := h.site.Meta(c, "links", "print.layout.labels")
	return render(c, http.StatusOK, views.LabelsPage(m, props), nil)
}

// retrieveAll reads the links a few at a time (up to MaxLabels, three sheets),
// keeping the order asked. A bad id is an error in its slot.
func (h *QR) retrieveAll(ctx context.Context, ids []string) ([]*craftclient.Product, []error) {
	const parallel = 8
	links := make([]*craftclient.Product, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, raw := range ids {
		id, err := parseLinkID(raw)
		if err != nil {
			errs[i] = NewError(CodeNotFound, "print.label_bad_id")
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			links[i], errs[i] = h.products.Retrieve(ctx, id)
		}()
	}
	wg.Wait()
	for _, link := range links {
		if link != nil {
			h.urls.put(link.ID, link.URL)
		}
	}
	return links, errs
}

// linkURL returns the URL of the link named by the :id parameter, from
// memory when it was read recently: a code is requested far more often
// than links change, and reading the link upstream for every thumbnail
// would cost more than the code itself.
func (h *QR) linkURL(c echo.Context) (string, error) {
	id, err := linkID(c)
	if err != nil {
		return "", err
	}
	if url, ok := h.urls.get(id); ok {
		return url, nil
	}
	link, err := h.products.Retrieve(c.Request().Context(), id)
	if err != nil {
		return "", err
	}
	h.urls.put(id, link.URL)
	return link.URL, nil
}

// Remember keeps a link's URL that was read elsewhere (the list, the
// detail page), so its code needs no read of its own; wired to
// SearchCache.OnRead.
func (h *QR) Remember(id int64, url string) { h.urls.put(id, url) }

// Forget drops a link's remembered URL; wired to link deletes, so a
// deleted link's code is not served from memory.
func (h *QR) Forget(id int64) { h.urls.forget(id) }

// parseLinkID reads a link id from the URL; anything but a positive number
// names no link.
func parseLinkID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, NewError(CodeNotFound, "error.404")
	}
	return id, nil
}

// linkURLs remembers link URLs for a while. A link's url does not change
// over its life; links deleted through Linkdesk are forgotten at once (see
// Forget), and the time limit bounds how long one deleted elsewhere is
// still served. When full it first drops expired entries, then everything.
type linkURLs struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[int64]linkURL
}

type linkURL struct {
	url     string
	expires time.Time
}

func newLinkURLs(max int, ttl time.Duration, now func() time.Time) *linkURLs {
	return &linkURLs{max: max, ttl: ttl, now: now, m: make(map[int64]linkURL)}
}

func (u *linkURLs) get(id int64) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	e, ok := u.m[id]
	if !ok || u.now().After(e.expires) {
		return "", false
	}
	return e.url, true
}

func (u *linkURLs) forget(id int64) {
	u.mu.Lock()
	delete(u.m, id)
	u.mu.Unlock()
}

func (u *linkURLs) put(id int64, url string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := u.now()
	if _, ok := u.m[id]; !ok && len(u.m) >= u.max {
		for k, e := range u.m {
			if now.After(e.expires) {
				delete(u.m, k)
			}
		}
		if len(u.m) >= u.max {
			clear(u.m)
		}
	}
	u.m[id] = linkURL{url: url, expires: now.Add(u.ttl)}
}
