package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
)

// bufPool recycles render buffers: a page is rendered completely before any
// byte is written, so a template error still becomes a clean error page.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes fragment for an htmx partial request (plus any queued flash
// messages out of band) and page otherwise. fragment may be nil for routes
// that only serve full pages.
func render(c echo.Context, status int, page, fragment templ.Component) error {
	c.Response().Header().Add("Vary", htmx.HeaderRequest)
	partial := fragment != nil && htmx.Parse(c.Request()).Partial()
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	ctx := c.Request().Context()
	if partial {
		if err := fragment.Render(ctx, buf); err != nil {
			return err
		}
		if msgs := flash.Peek(c); len(msgs) > 0 {
			if err := views.FlashStackOOB(viewFlashes(c, msgs)).Render(ctx, buf); err != nil {
				return err
			}
		}
	} else if err := page.Render(ctx, buf); err != nil {
		return err
	}
	// Queued messages are now part of what was rendered, either inside the
	// page's layout (via Meta) or out of band.
	flash.Clear(c)
	// A known length spares a list page's ~60 kB the chunked encoding and
	// lets it go out in a few large writes.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// redirect ends a successful POST: 303 to url, or HX-Redirect for htmx so the
// browser loads the whole page.
func redirect(c echo.Context, url string) error {
	if htmx.Parse(c.Request()).Enabled {
		c.Response().Header().Set(htmx.HeaderRedirect, url)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// viewFlashes readies queued messages for the page; an undo gets its label
// and the CSRF token now, as it is shown.
func viewFlashes(c echo.Context, msgs []flash.Message) []views.Flash {
	out := make([]views.Flash, len(msgs))
	for i, m := range msgs {
		out[i] = views.Flash{Kind: string(m.Kind), Text: m.Text}
		if u := m.Undo; u != nil {
			out[i].Undo = &views.FlashUndo{Links: u.Links, Next: SafeNext(u.Next, views.PathLinks),
				CSRF: CSRFToken(c), Label: LocaleFrom(c).T("bulk.undo")}
		}
	}
	return out
}
