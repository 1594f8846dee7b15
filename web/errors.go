package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
	"linkdesk/views"
	"linkdesk/web/htmx"
)

// errorHandler is the one place errors become responses: a page for normal
// requests, an alert retargeted into #flash for htmx requests. Internal
// errors are logged at Error, the rest at Warn.
func errorHandler(log *slog.Logger, site handlers.Site) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed || errors.Is(err, context.Canceled) {
			return
		}
		p := handlers.Explain(err)
		l := handlers.LocaleFrom(c)
		reqLog := handlers.LoggerFrom(c)
		attrs := []any{"status", p.Status, "path", loggedPath(c), "err", err}
		if p.Status >= http.StatusInternalServerError {
			reqLog.Error("request failed", attrs...)
		} else {
			reqLog.Warn("request refused", attrs...)
		}
		info := p.Info(l)
		var werr error
		switch {
		case c.Request().Method == http.MethodHead:
			werr = c.NoContent(p.Status)
		case htmx.Parse(c.Request()).Enabled:
			h := c.Response().Header()
			h.Set(htmx.HeaderRetarget, "#"+views.IDFlash)
			h.Set(htmx.HeaderReswap, "innerHTML")
			werr = renderComponent(c, p.Status, views.ErrorAlert(info))
		default:
			title := "error.title"
			if p.Status == http.StatusNotFound {
				title = "notfound.title"
			}
			werr = renderComponent(c, p.Status, views.ErrorPage(site.Meta(c, "", title), info))
		}
		if werr != nil {
			log.Error("writing error response failed", "err", werr)
		}
	}
}
