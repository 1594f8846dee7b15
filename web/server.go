// Package web is Linkdesk's HTTP server: middleware, routes, static files
// and the central error handler.
package web

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/metrics"
	"linkdesk/routes"
	"linkdesk/web/fragment"
	"linkdesk/web/qr"
)

// Config is what the server needs to know about this installation.
type Config struct {
	Site handlers.Site
	// PublicURL is how browsers and providers reach us (LINKDESK_PUBLIC_URL).
	PublicURL string
	// Location is the shop's time zone (days, date filters, times shown);
	// nil is the system's.
	Location *time.Location
	// SessionKeys sign (and, for the second of each pair, encrypt) cookies;
	// rotating keys are appended pairs.
	SessionKeys [][]byte
	// Upstreams says for each API whether it is "sandbox" or "live".
	Upstreams map[string]string
	// Sandbox serves the emulated providers when an API runs against it;
	// nil otherwise. It is mounted at /sandbox/ and at SandboxPrefixes,
	// the real APIs' own paths.
	Sandbox         http.Handler
	SandboxPrefixes []string
	// TrustedProxies are the addresses of reverse proxies in front of
	// Linkdesk: only from them is the client's address taken from
	// X-Forwarded-For. Empty trusts nobody: the address is the
	// connection's.
	TrustedProxies []*net.IPNet
	// Log receives one line per request and every error.
	Log *slog.Logger
	// Metrics, when set, counts every request; with MetricsToken set it is
	// also served at /metrics to whoever sends that bearer token.
	Metrics      *metrics.Metrics
	MetricsToken string
}

// SecureCookies reports whether cookies must carry the Secure flag: the
// site is reached over https.
func (c Config) SecureCookies() bool {
	return strings.HasPrefix(strings.ToLower(c.PublicURL), "https://")
}

// clientIP is how a request's client address is found, for the sign-in
// throttle and the audit log. X-Forwarded-For can be sent by anyone, so it
// is read only when the connection comes from a configured proxy, and then
// from the right, skipping the proxies, so an address the client wrote
// there itself is never taken for its own.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// CSRFCookie is the CSRF cookie's name on a plain-http site, for clients
// that sign in without a browser (the benchmarks).
const CSRFCookie = handlers.CSRFCookie

// Cookies names the site's cookies (the __Host- prefix over https).
func (c Config) Cookies() handlers.Cookies { return handlers.CookiesFor(c.SecureCookies()) }

// New builds the Echo server with every route over the core.
func New(cfg Config, core *app.App) *echo.Echo {
	if cfg.Site.Fragments == nil {
		cfg.Site.Fragments = fragment.New(fragment.DefaultMaxBytes)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(cfg.Log, cfg.Site)
	e.IPExtractor = clientIP(cfg.TrustedProxies)

	cookies := sessions.NewCookieStore(cfg.SessionKeys...)
	cookies.Options = &sessions.Options{
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: cfg.SecureCookies(),
	}

	e.Use(requestLogger(cfg.Log, cfg.Metrics))
	e.Use(middleware.Recover())
	e.Use(securityHeaders(cfg.SecureCookies()))
	e.Use(limitBodies(cfg.SandboxPrefixes))
	e.Use(withLocale(cfg.Cookies().Lang))
	registerRoutes(e, cfg, core, cookies, qr.New(1024))
	return e
}

// CraftgateWebhookURL is where Craftgate posts its webhooks, on base (the
// public URL), from the route table.
func CraftgateWebhookURL(base string) string {
	return strings.TrimRight(base, "/") + routes.Path(routes.CraftgateWebhook)
}

// CallbackURLs builds the URLs Paywall posts a payment's result to, on
// base (the public URL), from the route table.
func CallbackURLs(base string) func(token string) (success, fail string) {
	base = strings.TrimRight(base, "/")
	return func(token string) (string, string) {
		return base + routes.Path(routes.PaywallSuccess, token), base + routes.Path(routes.PaywallFail, token)
	}
}
