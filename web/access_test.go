package web_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"linkdesk/app"

	"github.com/labstack/echo/v4"

	"linkdesk/web/webtest"
)

// Access levels of a route, for the route × role matrix.
const (
	// accessOpen routes are dashboard pages without a role check: first-run
	// setup, sign-in and -out, the language switch.
	accessOpen = "open"
	// The role names: the least role that may use the route.
	accessViewer = string(app.RoleViewer)
	accessStaff  = string(app.RoleStaff)
	accessOwner  = string(app.RoleOwner)
)

// routeAccess is THE route × role table: every dashboard route registered
// in web/routes.go, keyed "METHOD /path" exactly as registered, with the
// least role that may use it. Owners may do everything, plus users,
// refunds and the audit log; staff create, edit, deactivate and delete
// links, take payments and print; viewers only read and view or print QR
// codes. TestRouteRoleMatrix fails for a registered route missing here, so
// whoever adds a route adds its line.
var routeAccess = map[string]string{
	"GET /lang/:lang": accessOpen,
	"GET /":           accessViewer,

	// Accounts (#4).
	"GET /setup":   accessOpen,
	"POST /setup":  accessOpen,
	"GET /login":   accessOpen,
	"POST /login":  accessOpen,
	"POST /logout": accessOpen,
	// Signed in, it signs everyone out and sends them to /login, as
	// logout does; signed out it needs sign-in like any viewer route.
	"POST /account/logout-everywhere": accessOpen,
	"GET /account":                    accessViewer,
	"POST /account/password":          accessViewer,
	"GET /users":                      accessOwner,
	"GET /users/new":                  accessOwner,
	"POST /users":                     accessOwner,
	"GET /users/:id":                  accessOwner,
	"POST /users/:id/role":            accessOwner,
	"POST /users/:id/password":        accessOwner,
	"POST /users/:id/disable":         accessOwner,
	"POST /users/:id/enable":          accessOwner,
	"GET /audit":                      accessOwner,
	"GET /audit/export.csv":           accessOwner,

	// Payment links (#3): viewers read, staff change.
	"GET /links":                  accessViewer,
	"GET /links/export.csv":       accessViewer,
	"GET /links/:id":              accessViewer,
	"GET /links/new":              accessStaff,
	"POST /links":                 accessStaff,
	"POST /links/validate/:field": accessStaff,
	"GET /links/:id/edit":         accessStaff,
	"POST /links/:id":             accessStaff,
	"POST /links/:id/status":      accessStaff,
	"GET /links/:id/delete":       accessStaff,
	"POST /links/:id/delete":      accessStaff,

	// QR codes and print sheets (#3): viewers may view and print them.
	"GET /links/:id/qr.png": accessViewer,
	"GET /links/:id/qr.svg": accessViewer,
	"GET /links/:id/print":  accessViewer,
	"GET /links/labels":     accessViewer,

	// Bulk links (#15): staff import and change many at once.
	"GET /links/import":                accessStaff,
	"POST /links/import":               accessStaff,
	"GET /links/import/template":       accessStaff,
	"GET /links/import/:id":            accessStaff,
	"POST /links/import/:id/start":     accessStaff,
	"GET /links/import/:id/progress":   accessStaff,
	"GET /links/import/:id/report.csv": accessStaff,
	"GET /links/bulk":                  accessStaff,
	"POST /links/bulk":                 accessStaff,

	// QR payments (#5): viewers watch and list, staff take payments,
	// owners refund. Paywall's callbacks are under /callbacks/ (public).
	"GET /payments":               accessViewer,
	"GET /payments/export.csv":    accessViewer,
	"GET /payments/:code":         accessViewer,
	"GET /payments/:code/status":  accessViewer,
	"GET /payments/:code/qr.png":  accessViewer,
	"GET /payments/new":           accessStaff,
	"GET /payments/providers":     accessStaff,
	"POST /payments":              accessStaff,
	"POST /payments/:code/retry":  accessStaff,
	"POST /payments/:code/check":  accessStaff,
	"GET /payments/:code/refund":  accessOwner,
	"POST /payments/:code/refund": accessOwner,

	// The counter's customer screen (#14): a display signed in as anyone
	// shows it; taking a payment again is taking a payment.
	"GET /payments/:code/customer":        accessViewer,
	"GET /payments/:code/customer/status": accessViewer,
	"POST /payments/:code/again":          accessStaff,
	// Sales (#12): viewers and staff see them, owners refund link
	// payments. Craftgate's webhooks are under /callbacks/ (public).
	"GET /sales":                  accessViewer,
	"GET /sales/export.csv":       accessViewer,
	"GET /links/:id/sales":        accessViewer,
	"GET /sales/link/:id/refund":  accessOwner,
	"POST /sales/link/:id/refund": accessOwner,
}

// publicPrefixes are outside the dashboard by design (issue #4): no login,
// no setup redirect, no CSRF. Routes under them need no table line.
var publicPrefixes = []string{"/healthz", "/static/", "/sandbox/", "/callbacks/",
	// The emulated providers at the real APIs' own paths (sandbox mode).
	"/craftlink/", "/payment-reporting/", "/payment/v1/", "/api/paywall/"}

func isPublic(path string) bool {
	return slices.ContainsFunc(publicPrefixes, func(p string) bool { return strings.HasPrefix(path, p) })
}

// registeredRoutes lists the routes the test app's server registers (it
// runs the sandbox, so /sandbox/* is listed).
func registeredRoutes(t *testing.T, ta *webtest.App) []*echo.Route {
	t.Helper()
	e, ok := ta.Server.Handler.(*echo.Echo)
	if !ok {
		t.Fatalf("the server's handler is a %T, want *echo.Echo", ta.Server.Handler)
	}
	var routes []*echo.Route
	for _, r := range e.Routes() {
		if r.Method != echo.RouteNotFound {
			routes = append(routes, r)
		}
	}
	return routes
}

var routeParam = regexp.MustCompile(`:[a-zA-Z_]+`)

// concretePath fills path parameters with an id nobody has, so allowed
// requests fail harmlessly (404, 422) after the role check instead of
// changing data, and wildcards with a plain segment.
func concretePath(path string) string {
	return strings.ReplaceAll(routeParam.ReplaceAllString(path, "999999"), "*", "x")
}

func roleRank(access string) int {
	return map[string]int{accessViewer: 1, accessStaff: 2, accessOwner: 3}[access]
}

func TestRouteRoleMatrix(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	people := map[string]*app.User{
		accessViewer: acctUser(t, ta, "viewer@shop.example", app.RoleViewer),
		accessStaff:  acctUser(t, ta, "staff@shop.example", app.RoleStaff),
		accessOwner:  acctUser(t, ta, "owner@shop.example", app.RoleOwner),
	}

	registered := map[string]bool{}
	for _, r := range registeredRoutes(t, ta) {
		key := r.Method + " " + r.Path
		if isPublic(r.Path) {
			checkPublicRoute(t, ta, r)
			continue
		}
		registered[key] = true
		access, ok := routeAccess[key]
		if !ok {
			t.Errorf("route %q is not in the access table routeAccess (web/access_test.go): add it with its least role", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			path := concretePath(r.Path)
			resp := ta.Anonymous(t).Do(t, r.Method, path, nil)
			loc := resp.Header.Get("Location")
			if access == accessOpen {
				if resp.StatusCode == http.StatusForbidden {
					t.Errorf("anonymous: 403 on an open route")
				}
			} else if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("anonymous: %d → %q, want 303 to /login", resp.StatusCode, loc)
			}
			for _, role := range []string{accessViewer, accessStaff, accessOwner} {
				resp := ta.As(t, people[role]).Do(t, r.Method, path, nil)
				loc := resp.Header.Get("Location")
				allowed := access == accessOpen || roleRank(role) >= roleRank(access)
				// Open routes may send anyone to /login (logout does).
				toLogin := access != accessOpen && strings.HasPrefix(loc, "/login")
				switch {
				case allowed && (resp.StatusCode == http.StatusForbidden || toLogin || resp.StatusCode >= 500):
					t.Errorf("%s: %d → %q, want it allowed", role, resp.StatusCode, loc)
				case !allowed && resp.StatusCode != http.StatusForbidden:
					t.Errorf("%s: %d → %q, want 403", role, resp.StatusCode, loc)
				}
			}
		})
	}
	for key := range routeAccess {
		if !registered[key] {
			t.Errorf("routeAccess lists %q, which routes.go does not register", key)
		}
	}
}

// checkPublicRoute: signed out, a public route answers by itself.
func checkPublicRoute(t *testing.T, ta *webtest.App, r *echo.Route) {
	t.Helper()
	if r.Method == http.MethodConnect || r.Method == "PROPFIND" || r.Method == "REPORT" || r.Method == http.MethodTrace {
		return // registered by Echo's Any; Go's client cannot send them plainly
	}
	resp := ta.Anonymous(t).Do(t, r.Method, concretePath(r.Path), nil)
	loc := resp.Header.Get("Location")
	if strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/setup") || resp.StatusCode == http.StatusForbidden {
		t.Errorf("public %s %s: %d → %q, want an answer without sign-in", r.Method, r.Path, resp.StatusCode, loc)
	}
}
