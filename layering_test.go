package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers says, for each package of ours, which of our packages it may
// import (nil: none at all). Imports point one way: the core (app) knows
// nothing above it; the adapters (store, providers) know only the core and
// what they adapt; handlers and views never reach storage or providers;
// the command and the benchmarks build the app through server, never
// through handlers. Third-party imports are checked for the core only
// (no Echo, no templ).
var layers = map[string][]string{
	"linkdesk/app":          nil,
	"linkdesk/routes":       nil,
	"linkdesk/craftclient":  nil,
	"linkdesk/sandbox":      nil,
	"linkdesk/static":       nil,
	"linkdesk/web/htmx":     nil,
	"linkdesk/web/flash":    nil,
	"linkdesk/web/fragment": {"linkdesk/views"},
	"linkdesk/web/qr":       nil,
	"linkdesk/metrics":      nil,
	"linkdesk/sheet":        nil,
	"linkdesk/store":        {"linkdesk/app"},
	"linkdesk/store/pgtest": nil, // a PostgreSQL for tests and benchmarks
	"linkdesk/providers":    {"linkdesk/app", "linkdesk/craftclient"},
	"linkdesk/views":        {"linkdesk/app", "linkdesk/routes", "linkdesk/static"},
	"linkdesk/handlers":     {"linkdesk/app", "linkdesk/routes", "linkdesk/sheet", "linkdesk/views", "linkdesk/web/flash", "linkdesk/web/htmx", "linkdesk/web/fragment", "linkdesk/web/qr"},
	"linkdesk/web": {"linkdesk/app", "linkdesk/routes", "linkdesk/handlers", "linkdesk/views", "linkdesk/static", "linkdesk/metrics",
		"linkdesk/web/flash", "linkdesk/web/htmx", "linkdesk/web/fragment", "linkdesk/web/qr"},
	"linkdesk/server": {"linkdesk/app", "linkdesk/craftclient", "linkdesk/handlers", "linkdesk/metrics", "linkdesk/providers", "linkdesk/routes",
		"linkdesk/sandbox", "linkdesk/store", "linkdesk/web"},
	"linkdesk":              {"linkdesk/app", "linkdesk/sandbox", "linkdesk/server", "linkdesk/store", "linkdesk/views"},
	"linkdesk/bench/server": {"linkdesk/app", "linkdesk/craftclient", "linkdesk/sandbox", "linkdesk/server", "linkdesk/store", "linkdesk/store/pgtest", "linkdesk/views", "linkdesk/web"},
}

// coreForbidden are third-party packages the core must not import.
var coreForbidden = []string{"github.com/labstack/echo", "github.com/a-h/templ", "net/http"}

// TestLayering reads the import graph (without tests) and fails for any
// import against the layers, and for a package the table does not know.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		if strings.HasPrefix(pkg, "linkdesk/bench/") && pkg != "linkdesk/bench/server" || strings.Contains(pkg, "/webtest") || strings.HasSuffix(pkg, "/qrtest") {
			continue // benchmark and test harnesses may reach anything
		}
		allowed, known := layers[pkg]
		if !known {
			t.Errorf("package %s is not in the layers table (layering_test.go): add it with what it may import", pkg)
			continue
		}
		for _, imp := range imports {
			if (imp == "linkdesk" || strings.HasPrefix(imp, "linkdesk/")) && !slices.Contains(allowed, imp) {
				t.Errorf("%s imports %s, against the layers", pkg, imp)
			}
			if pkg == "linkdesk/app" && slices.ContainsFunc(coreForbidden, func(p string) bool { return strings.HasPrefix(imp, p) }) {
				t.Errorf("the core imports %s: it must know nothing of HTTP or HTML", imp)
			}
		}
	}
}
