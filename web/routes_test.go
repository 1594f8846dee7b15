package web_test

import (
	"testing"

	"github.com/labstack/echo/v4"

	"linkdesk/routes"
	"linkdesk/web/webtest"
)

// TestRoutesComeFromTheTable: every route of the routes table is
// registered under its name, method and path, and every named route Echo
// has is in the table, so the URLs views build always exist.
func TestRoutesComeFromTheTable(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	byName := map[string]*echo.Route{}
	for _, r := range registeredRoutes(t, ta) {
		byName[r.Name] = r
	}
	for _, want := range routes.All {
		got, ok := byName[string(want.Name)]
		if !ok {
			t.Errorf("route %s is not registered", want.Name)
			continue
		}
		if got.Method != want.Method || got.Path != want.Path {
			t.Errorf("route %s: registered as %s %s, the table says %s %s", want.Name, got.Method, got.Path, want.Method, want.Path)
		}
		delete(byName, string(want.Name))
	}
	for name, r := range byName {
		if looksNamed(name) {
			t.Errorf("registered route %s (%s %s) is not in the routes table", name, r.Method, r.Path)
		}
	}
}

// looksNamed tells a name given from the table (dotted, lower case) from
// the handler names Echo gives unnamed routes.
func looksNamed(name string) bool {
	for _, c := range name {
		if c == '(' || c == '/' || c == '*' {
			return false
		}
	}
	return true
}
