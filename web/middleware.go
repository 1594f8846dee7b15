package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/metrics"
	"linkdesk/routes"
)

// requestLogger gives each request an id and a logger carrying it, and
// writes one line per request when it is done.
func requestLogger(log *slog.Logger, m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if id == "" || len(id) > 64 {
				id = newRequestID()
			}
			c.Response().Header()[echo.HeaderXRequestID] = []string{id}
			handlers.SetLogger(c, log, id)
			var body *watchedBody
			if r := c.Request(); r.Body != nil && r.Body != http.NoBody {
				body = &watchedBody{ReadCloser: r.Body}
				r.Body = body
			}
			err := next(c)
			cut := errors.Is(err, handlers.ErrCutShort)
			if err != nil && !cut {
				// The error handler writes the response; do it now so the
				// logged status is the one sent.
				c.Error(err)
			}
			status, took := loggedStatus(c, body), time.Since(start)
			if cut {
				status = cutShortStatus(c, err)
			}
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", id),
				slog.String("method", c.Request().Method),
				slog.String("path", loggedPath(c)),
				slog.Int("status", status),
				slog.Int64("latency_ms", took.Milliseconds()),
			)
			if m != nil {
				m.ObserveRequest(c.Path(), c.Request().Method, status, took)
			}
			if cut {
				// Dropping the connection without the final chunk is the one
				// way left to tell the client its download is incomplete.
				panic(http.ErrAbortHandler)
			}
			return nil
		}
	}
}

// statusClientClosed is what a request is logged as when the client went
// away or never finished sending its body (nginx's 499): nothing was
// answered to anyone, whatever the response writer holds.
const statusClientClosed = 499

// loggedStatus is the status sent, or statusClientClosed when the client
// hung up or its body timed out before an answer could reach it.
func loggedStatus(c echo.Context, body *watchedBody) int {
	if body != nil && body.err != nil {
		return statusClientClosed
	}
	if c.Request().Context().Err() != nil && !c.Response().Committed {
		return statusClientClosed
	}
	return c.Response().Status
}

// cutShortStatus logs a streamed answer that failed after its status was
// sent, and returns the status it counts as: 499 when the client gave up
// (cancelled the download), 500 when the server failed it.
func cutShortStatus(c echo.Context, err error) int {
	if c.Request().Context().Err() != nil {
		handlers.LoggerFrom(c).Info("download cancelled by the client", "path", loggedPath(c))
		return statusClientClosed
	}
	handlers.LoggerFrom(c).Error("download failed midway; the connection is dropped so the client sees it", "path", loggedPath(c), "err", err)
	return http.StatusInternalServerError
}

// watchedBody remembers the first error reading a request body other
// than its end: a read deadline passed, the connection dropped.
type watchedBody struct {
	io.ReadCloser
	err error
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
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

// securityHeaders protects the dashboard's pages; over https it also
// tells browsers to use nothing else for a year (HSTS). The sandbox is left
// alone: it stands in for foreign sites with their own rules.
func securityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !strings.HasPrefix(c.Request().URL.Path, "/sandbox/") {
				// Assigned, not Set: the names are canonical already and
				// the values shared, which saves allocations on every
				// response (a later Set or Add replaces or copies them).
				h := c.Response().Header()
				h["Content-Security-Policy"] = cspValue
				h["X-Frame-Options"] = denyValue
				h["Referrer-Policy"] = sameOriginValue
				h["X-Content-Type-Options"] = nosniffValue
				if https {
					h["Strict-Transport-Security"] = hstsValue
				}
			}
			return next(c)
		}
	}
}

// hstsValue keeps browsers on https for a year once they have seen it.
var hstsValue = []string{"max-age=31536000"}

// withLocale picks the request's language once: the cookie named
// langCookie, then Accept-Language.
func withLocale(langCookie string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			handlers.SetLocale(c, handlers.LocaleFor(c.Request(), langCookie))
			return next(c)
		}
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

// maxFormBytes bounds what a form may send: the longest form (a link with
// every field at its limit) is a few kilobytes.
const maxFormBytes = 64 << 10

// uploadLimits are the routes that take a file, and how large one may be;
// only they accept multipart bodies. The import takes a sheet of up to
// app.MaxImportBytes plus what multipart wraps it in.
var uploadLimits = map[routes.Name]int64{
	routes.LinksImportUpload: app.MaxImportBytes + maxFormBytes,
}

// limitBodies bounds every request body before anything reads it, so an
// anonymous request cannot make the server read or store a large one (the
// CSRF check reads the form to find its token): a declared length over the
// limit is refused at once (413), a longer body is cut off where it passes
// it, and a multipart body is refused (415) except where a route takes a
// file. The emulated providers keep their own limits.
func limitBodies(sandboxPrefixes []string) echo.MiddlewareFunc {
	uploads := make(map[string]int64, len(uploadLimits))
	for name, limit := range uploadLimits {
		uploads[routes.Get(name).Path] = limit
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body == nil || r.Body == http.NoBody || isSandboxPath(r.URL.Path, sandboxPrefixes) {
				return next(c)
			}
			limit, upload := uploads[c.Path()]
			if !upload {
				limit = maxFormBytes
				if mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); strings.HasPrefix(mt, "multipart/") {
					return refuseBody(c, http.StatusUnsupportedMediaType)
				}
			}
			if r.ContentLength > limit {
				return refuseBody(c, http.StatusRequestEntityTooLarge)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			return next(c)
		}
	}
}

// refuseBody answers a body refused unread and closes the connection
// after the answer: otherwise net/http would read on, to keep the
// connection for the next request, the very body that was refused.
func refuseBody(c echo.Context, status int) error {
	c.Response().Header().Set(echo.HeaderConnection, "close")
	return echo.NewHTTPError(status)
}

func isSandboxPath(path string, prefixes []string) bool {
	if strings.HasPrefix(path, "/sandbox/") {
		return true
	}
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
