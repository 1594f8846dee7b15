// Package web is Linkdesk's HTTP server: middleware, routes, static files
// and the central error handler.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/store"
	"linkdesk/web/fragment"
	"linkdesk/web/qr"
)

// Config is what the server needs to know about this installation.
type Config struct {
	Site handlers.Site
	// PublicURL is how browsers and providers reach us (LINKDESK_PUBLIC_URL).
	PublicURL string
	// SessionKeys sign (and, for the second of each pair, encrypt) cookies;
	// rotating keys are appended pairs.
	SessionKeys [][]byte
	// Upstreams says for each API whether it is "sandbox" or "live".
	Upstreams map[string]string
	// ListCacheTTL is how long an identical link search may be answered
	// from memory (see handlers.SearchCache); 0 keeps nothing.
	ListCacheTTL time.Duration
	// Payments configures QR payments: callback base URL, hash key, timeout.
	Payments handlers.PaymentsConfig
}

// DefaultListCacheTTL keeps link lists for two seconds: long enough to
// absorb refreshes and search-as-you-type, short enough that a sale made
// elsewhere shows almost at once.
const DefaultListCacheTTL = 2 * time.Second

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool {
	return strings.HasPrefix(strings.ToLower(c.PublicURL), "https://")
}

// Deps are the services the handlers call.
type Deps struct {
	Log       *slog.Logger
	Store     *store.DB
	Craftgate *craftclient.Craftgate
	Paywall   *craftclient.Paywall
	// Sandbox serves /sandbox/… when an API runs against the emulator; nil otherwise.
	Sandbox http.Handler
	// QR caches encoded QR codes for every feature that shows them; New
	// creates it when nil.
	QR *qr.Cache
	// Reconciler settles pending QR payments; main runs its loop. When nil,
	// one is made from Config.Payments for "check now" and callbacks.
	Reconciler *handlers.Reconciler
}

// New builds the Echo server with every route.
func New(cfg Config, deps Deps) *echo.Echo {
	if cfg.Site.Fragments == nil {
		cfg.Site.Fragments = fragment.New(fragment.DefaultMaxBytes)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(deps.Log, cfg.Site)
	// Linkdesk is reached directly, not through a proxy: never trust
	// X-Forwarded-For, which anyone can send, for throttling or the audit log.
	e.IPExtractor = echo.ExtractIPDirect()

	cookies := sessions.NewCookieStore(cfg.SessionKeys...)
	cookies.Options = &sessions.Options{
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: cfg.SecureCookies(),
	}

	e.Use(requestLogger(deps.Log))
	e.Use(middleware.Recover())
	e.Use(securityHeaders)
	e.Use(withLocale)
	if deps.QR == nil {
		deps.QR = qr.New(1024)
	}
	registerRoutes(e, cfg, deps, cookies)
	return e
}
