package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/routes"
	"linkdesk/static"
	"linkdesk/web/flash"
	"linkdesk/web/qr"
)

// registerRoutes registers every route of the routes table, each by its
// name. Public routes come first; the dashboard routes get flash messages,
// CSRF protection, the signed-in user and the first-run redirect, and each
// role group adds its one authorisation check.
func registerRoutes(e *echo.Echo, cfg Config, core *app.App, cookies sessions.Store, codes *qr.Cache) {
	r := router{e: e}
	health := handlers.NewHealth(core, cfg.Upstreams)
	r.public(routes.Health, health.Show)
	e.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()))
	if cfg.Metrics != nil && cfg.MetricsToken != "" {
		e.GET("/metrics", echo.WrapHandler(cfg.Metrics.Handler()), bearer(cfg.MetricsToken))
	}
	if cfg.Sandbox != nil {
		// The emulators answer at /sandbox/… and at the real APIs' own
		// paths, so any official client given this server as its base URL
		// reaches them; none of those paths is a dashboard route.
		h := echo.WrapHandler(cfg.Sandbox)
		for _, prefix := range append([]string{"/sandbox/"}, cfg.SandboxPrefixes...) {
			e.Any(prefix+"*", h)
		}
	}
	// An unknown callback URL is a plain 404 for the provider, not the
	// dashboard's setup or sign-in redirect.
	e.RouteNotFound("/callbacks/*", func(echo.Context) error { return echo.ErrNotFound })
	callbacks := handlers.NewCallbacks(cfg.Site, core.Payments)
	r.public(routes.PaywallSuccess, callbacks.Success)
	r.public(routes.PaywallFail, callbacks.Fail)
	r.public(routes.CraftgateWebhook, handlers.NewWebhooks(core.Sales).Craftgate)

	names := cfg.Cookies()
	sess := handlers.NewSessions(cookies, core.Users, names)
	r.dash = e.Group("", noStore, flash.Middleware(cookies, names.Flash), csrf(cfg), sess.Load, sess.RequireSetup)
	r.dashboard(routes.Lang, handlers.SetLang(names))

	// Accounts: first run, sign-in and -out are open to signed-out
	// browsers; every signed-in person has their account page; owners
	// manage users and read the audit log.
	auth := handlers.NewAuth(cfg.Site, core.Users, sess)
	r.dashboard(routes.Setup, auth.SetupForm)
	r.dashboard(routes.SetupSubmit, auth.Setup)
	r.dashboard(routes.Login, auth.LoginForm)
	r.dashboard(routes.LoginSubmit, auth.Login)
	r.dashboard(routes.Logout, auth.Logout)
	r.as(app.RoleViewer, routes.LogoutAll, auth.LogoutEverywhere)
	users := handlers.NewUsers(cfg.Site, core.Users)
	r.as(app.RoleViewer, routes.Account, users.Account)
	r.as(app.RoleViewer, routes.AccountPass, users.ChangeOwnPassword)
	r.as(app.RoleOwner, routes.Users, users.Index)
	r.as(app.RoleOwner, routes.UserNew, users.New)
	r.as(app.RoleOwner, routes.UserCreate, users.Create)
	r.as(app.RoleOwner, routes.UserShow, users.Show)
	r.as(app.RoleOwner, routes.UserRole, users.UpdateRole)
	r.as(app.RoleOwner, routes.UserPassword, users.ResetPassword)
	r.as(app.RoleOwner, routes.UserDisable, users.Disable)
	r.as(app.RoleOwner, routes.UserEnable, users.Enable)
	trail := handlers.NewAuditTrail(cfg.Site, core.Audit, core.Users, core.Payments, cfg.Location, time.Now)
	r.as(app.RoleOwner, routes.Audit, trail.Index)
	r.as(app.RoleOwner, routes.AuditExport, trail.Export)

	// Sales: everyone signed in sees them, owners refund.
	sales := handlers.NewSales(cfg.Site, core.Sales, cfg.Location, time.Now)
	r.as(app.RoleViewer, routes.Home, sales.Overview)
	r.as(app.RoleViewer, routes.Sales, sales.Index)
	r.as(app.RoleViewer, routes.SalesExport, sales.Export)
	r.as(app.RoleViewer, routes.LinkSales, sales.LinkSales)
	r.as(app.RoleOwner, routes.SaleRefund, sales.RefundForm)
	r.as(app.RoleOwner, routes.SaleRefundSubmit, sales.Refund)

	// Payment links: viewers read, staff change.
	links := handlers.NewLinks(cfg.Site, core.Links, core.Sales, cfg.Location, time.Now)
	r.as(app.RoleViewer, routes.Links, links.Index)
	r.as(app.RoleViewer, routes.LinksExport, links.Export)
	r.as(app.RoleViewer, routes.LinkShow, links.Show)
	r.as(app.RoleStaff, routes.LinkNew, links.New)
	r.as(app.RoleStaff, routes.LinkCreate, links.Create)
	r.as(app.RoleStaff, routes.LinkValidate, links.Validate)
	r.as(app.RoleStaff, routes.LinkEdit, links.Edit)
	r.as(app.RoleStaff, routes.LinkUpdate, links.Update)
	r.as(app.RoleStaff, routes.LinkStatus, links.SetStatus)
	r.as(app.RoleStaff, routes.LinkDeleteAsk, links.ConfirmDelete)
	r.as(app.RoleStaff, routes.LinkDelete, links.Delete)
	qrs := handlers.NewQR(cfg.Site, core.Links, codes)
	r.as(app.RoleViewer, routes.LinkQRPNG, qrs.PNG)
	r.as(app.RoleViewer, routes.LinkQRSVG, qrs.SVG)
	r.as(app.RoleViewer, routes.LinkPrint, qrs.Print)
	r.as(app.RoleViewer, routes.LinksLabels, qrs.Labels)
	bulk := handlers.NewLinksBulk(cfg.Site, core.Links)
	r.as(app.RoleStaff, routes.LinksBulkConfirm, bulk.Confirm)
	r.as(app.RoleStaff, routes.LinksBulk, bulk.Apply)
	imports := handlers.NewImports(cfg.Site, core.Imports, time.Now)
	r.as(app.RoleStaff, routes.LinksImport, imports.Index)
	r.as(app.RoleStaff, routes.LinksImportUpload, imports.Upload)
	r.as(app.RoleStaff, routes.LinksImportTemplate, imports.Template)
	r.as(app.RoleStaff, routes.LinksImportShow, imports.Show)
	r.as(app.RoleStaff, routes.LinksImportStart, imports.Start)
	r.as(app.RoleStaff, routes.LinksImportProgress, imports.Progress)
	r.as(app.RoleStaff, routes.LinksImportReport, imports.Report)

	// QR payments.
	payments := handlers.NewPayments(cfg.Site, core.Payments, core.Users, codes, cfg.Location, nil)
	r.as(app.RoleViewer, routes.Payments, payments.Index)
	r.as(app.RoleViewer, routes.PaymentsExport, payments.Export)
	r.as(app.RoleStaff, routes.PaymentNew, payments.New)
	r.as(app.RoleStaff, routes.PaymentWallets, payments.Providers)
	r.as(app.RoleStaff, routes.PaymentCreate, payments.Create)
	r.as(app.RoleViewer, routes.PaymentShow, payments.Show)
	r.as(app.RoleViewer, routes.PaymentStatus, payments.Status)
	r.as(app.RoleViewer, routes.PaymentQR, payments.QR)
	r.as(app.RoleStaff, routes.PaymentRetry, payments.Retry)
	r.as(app.RoleStaff, routes.PaymentCheck, payments.Check)
	r.as(app.RoleOwner, routes.PaymentRefund, payments.RefundForm)
	r.as(app.RoleOwner, routes.PaymentRefunds, payments.Refund)
	r.as(app.RoleViewer, routes.PaymentCustomer, payments.Customer)
	r.as(app.RoleViewer, routes.PaymentCustomerStatus, payments.CustomerStatus)
	r.as(app.RoleStaff, routes.PaymentAgain, payments.Again)
}

// router registers routes by name from the routes table: the path and
// method come from there, and the Echo route carries the name.
type router struct {
	e    *echo.Echo
	dash *echo.Group
}

// public registers a route outside the dashboard group: no session, no
// CSRF token (the health check, provider callbacks).
func (r router) public(name routes.Name, h echo.HandlerFunc) {
	rt := routes.Get(name)
	r.e.Add(rt.Method, rt.Path, h).Name = string(name)
}

// dashboard registers a route open to signed-out browsers in the
// dashboard group.
func (r router) dashboard(name routes.Name, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	rt := routes.Get(name)
	r.dash.Add(rt.Method, rt.Path, h, m...).Name = string(name)
}

// as registers a route for people with at least role min: one role check
// per route. (Echo's own groups with middleware register a catch-all that
// would answer unknown URLs with the last group's check instead of a 404.)
func (r router) as(min app.Role, name routes.Name, h echo.HandlerFunc) {
	r.dashboard(name, h, handlers.RequireRole(min))
}

// bearer lets through requests that carry token as a bearer token, and
// answers 401 to the rest, comparing in constant time.
func bearer(token string) echo.MiddlewareFunc {
	want := []byte("Bearer " + token)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if subtle.ConstantTimeCompare([]byte(c.Request().Header.Get(echo.HeaderAuthorization)), want) != 1 {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
				return echo.ErrUnauthorized
			}
			return next(c)
		}
	}
}

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
		CookieName:     cfg.Cookies().CSRF,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   cfg.SecureCookies(),
		CookieSameSite: http.SameSiteLaxMode,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/callbacks/") || strings.HasPrefix(p, "/sandbox/") || isQRImage(c)
		},
		ErrorHandler: func(err error, c echo.Context) error {
			return &app.Error{Code: app.CodeForbidden, Message: "error.403_csrf", Err: err}
		},
	})
}
