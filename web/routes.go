package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"linkdesk/handlers"
	"linkdesk/static"
	"linkdesk/store"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// registerRoutes lists every route. Public routes come first; the dashboard
// routes get flash messages, CSRF protection, the signed-in user and the
// first-run redirect, and each role group adds its one authorisation check.
func registerRoutes(e *echo.Echo, cfg Config, deps Deps, cookies sessions.Store) {
	health := handlers.NewHealth(deps.Store, cfg.Upstreams)
	e.GET("/healthz", health.Show)
	e.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()))
	if deps.Sandbox != nil {
		e.Any("/sandbox/*", echo.WrapHandler(deps.Sandbox))
	}
	// Accounts (#4): an unknown callback URL is a plain 404 for the
	// provider, not the dashboard's setup or login redirect.
	e.RouteNotFound("/callbacks/*", func(echo.Context) error { return echo.ErrNotFound })

	// The store's clock is the app's clock, so tests move sessions, login
	// throttling and stored times together. It is read on every call.
	now := func() time.Time { return deps.Store.Now() }
	sess := handlers.NewSessions(cookies, deps.Store, now)
	dash := e.Group("", noStore, flash.Middleware(cookies), csrf(cfg), sess.Load, sess.RequireSetup)
	dash.GET("/lang/:lang", handlers.SetLang(cfg.SecureCookies()))

	viewer := roleGroup{dash, handlers.RequireRole(store.RoleViewer)}
	owner := roleGroup{dash, handlers.RequireRole(store.RoleOwner)}
	home := handlers.NewHome(cfg.Site)
	viewer.GET("/", home.Index)

	// Payment links (#3): viewers read, staff change.
	staff := roleGroup{dash, handlers.RequireRole(store.RoleStaff)}
	linkService := handlers.NewSearchCache(deps.Craftgate.Products, cfg.ListCacheTTL, nil)
	links := handlers.NewLinks(cfg.Site, linkService, deps.Store, time.Now)
	viewer.GET("/links", links.Index)
	viewer.GET("/links/export.csv", links.Export)
	viewer.GET("/links/:id", links.Show)
	staff.GET("/links/new", links.New)
	staff.POST("/links", links.Create)
	staff.POST("/links/validate/:field", links.Validate)
	staff.GET("/links/:id/edit", links.Edit)
	staff.POST("/links/:id", links.Update)
	staff.POST("/links/:id/status", links.SetStatus)
	staff.GET("/links/:id/delete", links.ConfirmDelete)
	staff.POST("/links/:id/delete", links.Delete)

	// Accounts (#4): first run, sign-in and -out are open to signed-out
	// browsers; every signed-in person has their account page; owners
	// manage users and read the audit log.
	auth := handlers.NewAuth(cfg.Site, deps.Store, sess, now)
	dash.GET("/setup", auth.SetupForm)
	dash.POST("/setup", auth.Setup)
	dash.GET("/login", auth.LoginForm)
	dash.POST("/login", auth.Login)
	dash.POST("/logout", auth.Logout)
	users := handlers.NewUsers(cfg.Site, deps.Store, sess, now)
	viewer.GET("/account", users.Account)
	viewer.POST("/account/password", users.ChangeOwnPassword)
	owner.GET("/users", users.Index)
	owner.GET("/users/new", users.New)
	owner.POST("/users", users.Create)
	owner.GET("/users/:id", users.Show)
	owner.POST("/users/:id/role", users.UpdateRole)
	owner.POST("/users/:id/password", users.ResetPassword)
	owner.POST("/users/:id/disable", users.Disable)
	owner.POST("/users/:id/enable", users.Enable)
	trail := handlers.NewAuditTrail(cfg.Site, deps.Store, time.Local, now)
	owner.GET("/audit", trail.Index)
	owner.GET("/audit/export.csv", trail.Export)

	// QR codes and print sheets (issue #3). /links/labels is a static path,
	// so Echo matches it before /links/:id.
	qrs := handlers.NewQR(cfg.Site, linkService, deps.QR)
	linkService.OnDelete(qrs.Forget)
	linkService.OnRead(qrs.Remember)
	viewer.GET("/links/:id/qr.png", qrs.PNG)
	viewer.GET("/links/:id/qr.svg", qrs.SVG)
	viewer.GET("/links/:id/print", qrs.Print)
	viewer.GET(views.PathLinksLabels, qrs.Labels)

	registerPaymentRoutes(e, dash, cfg, deps)
}

// registerPaymentRoutes adds QR payments (#5). Paywall's callbacks are
// public: no session, no CSRF token; the per-payment token, the hash and a
// query to Paywall protect them.
func registerPaymentRoutes(e *echo.Echo, dash *echo.Group, cfg Config, deps Deps) {
	rec := deps.Reconciler
	if rec == nil {
		rec = handlers.NewReconciler(deps.Log, deps.Store, deps.Paywall.APM, handlers.ReconcilerConfig{Timeout: cfg.Payments.Timeout})
	}
	pc := cfg.Payments
	if pc.PublicURL == "" {
		pc.PublicURL = cfg.PublicURL
	}
	callbacks := handlers.NewCallbacks(cfg.Site, deps.Store, deps.Paywall.APM, rec, pc.HashKey)
	e.POST("/callbacks/paywall/:token/success", callbacks.Success)
	e.POST("/callbacks/paywall/:token/fail", callbacks.Fail)

	payments := handlers.NewPayments(cfg.Site, deps.Store, deps.Paywall.APM, rec, deps.QR, pc.PublicURL, time.Local, deps.Store.Now)
	viewer := roleGroup{dash, handlers.RequireRole(store.RoleViewer)}
	staff := roleGroup{dash, handlers.RequireRole(store.RoleStaff)}
	owner := roleGroup{dash, handlers.RequireRole(store.RoleOwner)}
	viewer.GET("/payments", payments.Index)
	viewer.GET("/payments/export.csv", payments.Export)
	staff.GET("/payments/new", payments.New)
	staff.GET("/payments/providers", payments.Providers)
	staff.POST("/payments", payments.Create)
	viewer.GET("/payments/:code", payments.Show)
	viewer.GET("/payments/:code/status", payments.Status)
	viewer.GET("/payments/:code/qr.png", payments.QR)
	staff.POST("/payments/:code/retry", payments.Retry)
	staff.POST("/payments/:code/check", payments.Check)
	owner.GET("/payments/:code/refund", payments.RefundForm)
	owner.POST("/payments/:code/refund", payments.Refund)
}

// roleGroup adds one role check to each route it registers. (Echo's own
// groups with middleware register a catch-all that would answer unknown
// URLs with the last group's check instead of a 404.)
type roleGroup struct {
	g     *echo.Group
	check echo.MiddlewareFunc
}

func (r roleGroup) GET(path string, h echo.HandlerFunc)  { r.g.GET(path, h, r.check) }
func (r roleGroup) POST(path string, h echo.HandlerFunc) { r.g.POST(path, h, r.check) }

// isQRImage reports a request for a QR image. Images carry no form that
// needs a token, and the middleware would otherwise answer every one with a
// Set-Cookie, which has no place on a response caches may keep.
func isQRImage(c echo.Context) bool {
	if c.Request().Method != http.MethodGet {
		return false
	}
	p := c.Path() // the route, matched before group middleware runs
	return strings.HasSuffix(p, "/qr.png") || strings.HasSuffix(p, "/qr.svg")
}

// csrf protects every state-changing dashboard request: a hidden _csrf field
// in forms, the X-CSRF-Token header from htmx. Provider callbacks and the
// sandbox are called by other sites and have their own checks.
func csrf(cfg Config) echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "header:X-CSRF-Token,form:_csrf",
		ContextKey:     handlers.KeyCSRF,
		CookieName:     handlers.CSRFCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   cfg.SecureCookies(),
		CookieSameSite: http.SameSiteLaxMode,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/callbacks/") || strings.HasPrefix(p, "/sandbox/") || isQRImage(c)
		},
		ErrorHandler: func(err error, c echo.Context) error {
			return &handlers.Error{Code: handlers.CodeForbidden, Message: "error.403_csrf", Err: err}
		},
	})
}
