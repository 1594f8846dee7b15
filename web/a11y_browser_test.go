package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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

// focusState is where keyboard focus is and whether it shows.
type focusState struct {
	Desc    string  `json:"desc"`
	Match   bool    `json:"match"`   // the focused element matches the selector sought
	Visible bool    `json:"visible"` // :focus-visible with a solid outline of 2 px or more
	Outline string  `json:"outline"`
	Width   float64 `json:"width"`
}

const focusStateJS = `((sel) => {
	const el = document.activeElement;
	if (!el || el === document.body) return {desc: "body", match: false, visible: false, outline: "", width: 0};
	const cs = getComputedStyle(el);
	const width = parseFloat(cs.outlineWidth) || 0;
	let desc = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.dataset.testid ? "[data-testid=" + el.dataset.testid + "]" : "");
	desc += " \"" + (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 30) + "\"";
	// Date and time inputs focus a part inside them; the input itself
	// matches :focus but not :focus-visible.
	const keyboardFocus = el.matches(":focus-visible") || el.matches("input[type^=date], input[type=time]");
	return {desc, match: el.matches(sel), visible: keyboardFocus && cs.outlineStyle !== "none" && width >= 2,
		outline: cs.outlineStyle + " " + cs.outlineWidth + " " + cs.outlineColor + (el.matches(":focus") ? " :focus" : "") + (el.matches(":focus-within") ? " :focus-within" : ""), width};
})(%q)`

// keys presses keys (kb.Tab, kb.Enter, " ", or text to type) in the
// focused element; shift holds Shift down.
func keys(t *testing.T, ctx context.Context, s string, shift bool) {
	t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(s, opts...)); err != nil {
		t.Fatalf("press %q: %v", s, err)
	}
}

// tabTo presses Tab (Shift+Tab when back) until the focused element
// matches sel, at most max times, and checks every control it passes
// shows where the focus is.
func tabTo(t *testing.T, ctx context.Context, sel string, back bool, max int) {
	t.Helper()
	var path []string
	for range max {
		keys(t, ctx, kb.Tab, back)
		st, err := chromedp.Run(ctx, chromedp.Evaluate[focusState](fmt.Sprintf(focusStateJS, sel)))
		if err != nil {
			t.Fatal(err)
		}
		path = append(path, st.Desc)
		if !st.Visible {
			t.Errorf("tabbing to %s: focus on %s does not show: outline %q (want :focus-visible, solid, 2 px or more)", sel, st.Desc, st.Outline)
		}
		if st.Match {
			return
		}
	}
	t.Fatalf("%d Tabs did not reach %s; focus went:\n  %s", max, sel, strings.Join(path, "\n  "))
}

// waitPage waits for a page that a key press loaded (or htmx swapped in).
// A navigation under way destroys the page's JavaScript context, which
// fails a poll: then it polls again in the new page.
func waitPage(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete" && window.htmx !== undefined && (`+predicate+`)`,
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// keyboardOnly creates a payment link and takes a QR payment with the
// keyboard alone (Tab, Shift+Tab, Enter, Space and typing; no clicks), on
// a desktop screen and then on a phone, where the menu is a disclosure
// opened with Space. Every control focus passes shows a focus outline.
func keyboardOnly(t *testing.T, ctx context.Context, s *site) {
	s.setLang(t, ctx, "tr")
	s.signIn(t, ctx)

	// Desktop: from the list, "New link", fill in, save.
	setViewport(t, ctx, vpDesktop)
	load(t, ctx, s.ta.URL+"/links")
	tabTo(t, ctx, "[data-testid=new-link]", false, 20)
	keys(t, ctx, kb.Enter, false)
	waitPage(t, ctx, "the new link form", `document.getElementById("link-name") !== null`)
	tabTo(t, ctx, "#link-name", false, 20)
	keys(t, ctx, "Klavye ile link", false)
	tabTo(t, ctx, "#link-price", false, 3)
	keys(t, ctx, "249,90", false)
	tabTo(t, ctx, "#link-enabledInstallments", false, 3) // installments: "one payment" is ticked
	tabTo(t, ctx, "[data-testid=installment-3]", false, 2)
	keys(t, ctx, " ", false) // tick 3 installments
	tabTo(t, ctx, "form#link-form a.secondary", false, 25)
	tabTo(t, ctx, "[data-testid=link-submit]", true, 2) // back from Cancel
	keys(t, ctx, kb.Enter, false)
	waitPage(t, ctx, "the new link's page", `document.querySelector("[data-testid=detail-name]")?.textContent === "Klavye ile link"`)
	if got := text(t, ctx, `[data-testid="fact-installments"]`); got != "1, 3" {
		t.Errorf("installments: got %q, want 1, 3", got)
	}

	// Phone: the menu, then QR payments, a new payment, the counter screen.
	setViewport(t, ctx, vpPhone)
	load(t, ctx, s.ta.URL+"/")
	tabTo(t, ctx, "[data-testid=menu-toggle]", false, 5)
	keys(t, ctx, " ", false)
	waitPage(t, ctx, "the open menu", `document.querySelector("[data-testid=menu]").open`)
	tabTo(t, ctx, `.menu-body a[href="/payments"]`, false, 5)
	keys(t, ctx, kb.Enter, false)
	waitPage(t, ctx, "the payments list", `location.pathname === "/payments"`)
	tabTo(t, ctx, "[data-testid=payments-new]", false, 10)
	keys(t, ctx, kb.Enter, false)
	waitPage(t, ctx, "the payment form", `document.activeElement?.id === "payment-amount"`) // autofocus
	keys(t, ctx, "75,50", false)
	tabTo(t, ctx, "#payment-description", false, 3)
	keys(t, ctx, "Klavye ile ödeme", false)
	tabTo(t, ctx, "[data-testid=payment-submit]", false, 3)
	keys(t, ctx, kb.Enter, false)
	waitPage(t, ctx, "the counter screen", `document.querySelector("[data-testid=payment-qr]")?.complete &&
		document.querySelector("[data-testid=payment-status]")?.dataset.status === "pending"`)
	if got := text(t, ctx, "[data-testid=payment-amount]"); got != "75,50 ₺" {
		t.Errorf("counter screen amount: got %q, want 75,50 ₺", got)
	}
}

// darkPages between them show every kind of button, badge and muted text.
var darkPages = map[string]bool{"links": true, "link-detail": true, "link-delete": true, "payments": true,
	"user-detail": true, "not-found": true, "customer-failed": true, "customer-paid": true, "audit": true}

// darkContrast loads pages in dark mode (the layout follows the system's
// colour scheme) and checks colour contrast alone: buttons, badges and
// muted text must stay readable there too.
func darkContrast(t *testing.T, ctx context.Context, s *site) {
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{}})
	s.setLang(t, ctx, "en")
	setViewport(t, ctx, vpDesktop)
	for _, p := range s.pages {
		if !darkPages[p.name] {
			continue
		}
		if p.signedOut {
			s.signOut(t, ctx)
		} else {
			s.signIn(t, ctx)
		}
		t.Run(p.name, func(t *testing.T) {
			load(t, ctx, s.url(p))
			checkAxe(t, ctx, "color-contrast")
		})
	}
}
