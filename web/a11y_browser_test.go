package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Issue #14: axe-core (web/testdata/axe, for tests only) finds no serious
// or critical problem on any page.

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe/axe.min.js")
	return string(b), err
})

// axeViolation is one rule axe found broken, with where.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Targets []string `json:"targets"`
}

func (v axeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s\n    %s\n    at %s", v.ID, v.Impact, v.Help, v.HelpURL, strings.Join(v.Targets, ", "))
}

// runAxeJS runs axe's default rules (WCAG 2.x A and AA, best practices)
// on the whole page and keeps serious and critical violations. Stylesheets
// are not fetched again for every page (preload: false): only the
// orientation-lock rule reads them, and the pages set no orientation.
const runAxeJS = `axe.run(document, {resultTypes: ["violations"], preload: false, runOnly: %s}).then(r => r.violations
	.filter(v => v.impact === "serious" || v.impact === "critical")
	.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
		targets: v.nodes.slice(0, 8).map(n => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.replace(/\s+/g, " ").slice(0, 200) : ""))})))`

// checkAxe runs axe-core in the page and fails on serious or critical
// violations, naming the rule, the elements and where to read about it.
// Rules limits axe to those rules; none runs the default set.
func checkAxe(t *testing.T, ctx context.Context, rules ...string) {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === "object"`))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	only := "undefined"
	if len(rules) > 0 {
		b, _ := json.Marshal(rules)
		only = string(b)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(runAxeJS, only), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range vs {
		t.Errorf("axe: %s", v)
	}
}
