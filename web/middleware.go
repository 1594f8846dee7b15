package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
)

// requestLogger gives each request an id and a logger carrying it, and
// writes one line per request when it is done.
func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if id == "" || len(id) > 64 {
				id = newRequestID()
			}
			c.Response().Header()[echo.HeaderXRequestID] = []string{id}
			handlers.SetLogger(c, log, id)
			err := next(c)
			if err != nil {
				// The error handler writes the response; do it now so the
				// logged status is the one sent.
				c.Error(err)
			}
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", id),
				slog.String("method", c.Request().Method),
				slog.String("path", loggedPath(c)),
				slog.Int("status", c.Response().Status),
				slog.Int64("latency_ms", time.Since(start).Milliseconds()),
			)
			return nil
		}
	}
}

// loggedPath is the path a request is logged under. Provider callback URLs
// carry a per-payment secret token, so they are logged by their route.
func loggedPath(c echo.Context) string {
	if strings.HasPrefix(c.Path(), "/callbacks/") {
		return c.Path()
	}
	return c.Request().URL.Path
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// contentSecurityPolicy allows only our own origin: no inline script or
// style, no framing. data: images are allowed because a wallet provider may
// hand us its QR as an inline image.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

var (
	cspValue        = []string{contentSecurityPolicy}
	denyValue       = []string{"DENY"}
	sameOriginValue = []string{"same-origin"}
	nosniffValue    = []string{"nosniff"}
)

// securityHeaders protects the dashboard's pages. The sandbox is left alone:
// it stands in for foreign sites with their own rules.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Request().URL.Path, "/sandbox/") {
			// Assigned, not Set: the names are canonical already and the
			// values shared, which saves four allocations on every
			// response (a later Set or Add replaces or copies them).
			h := c.Response().Header()
			h["Content-Security-Policy"] = cspValue
			h["X-Frame-Options"] = denyValue
			h["Referrer-Policy"] = sameOriginValue
			h["X-Content-Type-Options"] = nosniffValue
		}
		return next(c)
	}
}

// withLocale picks the request's language once.
func withLocale(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		handlers.SetLocale(c, handlers.LocaleFor(c.Request()))
		return next(c)
	}
}

// renderComponent writes a component with a status; used by the error handler.
func renderComponent(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response())
}

// noStore keeps dashboard pages (which show money and personal data) out of
// shared caches and the back-forward cache after logout.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodGet {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}
