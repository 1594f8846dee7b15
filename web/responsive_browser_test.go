package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Issue #14: every page fits a phone (no sideways scrolling) and its
// controls are big enough to hit with a thumb.

// pageFit is what checkFitJS finds on a page.
type pageFit struct {
	ScrollWidth int      `json:"scrollWidth"`
	Offenders   []string `json:"offenders"` // elements past the right edge, furthest first
	Scrollers   []string `json:"scrollers"` // elements that scroll sideways inside the page
	Small       []string `json:"small"`     // touch targets under 44 px (phones only)
}

// checkFitJS measures the page at width w. Offenders are the elements
// sticking out past the right edge, not counting those inside a scrolling
// box (the box is reported instead). On phones it also lists controls
// smaller than 44 × 44 px; links inside running text are exempt, as in
// WCAG 2.5.8, and a checkbox or radio counts with its label.
const checkFitJS = `((w, phone) => {
	const describe = el => {
		let s = el.tagName.toLowerCase();
		if (el.id) s += "#" + el.id;
		const tid = el.getAttribute("data-testid");
		if (tid) s += "[data-testid=" + tid + "]";
		if (el.classList.length) s += "." + [...el.classList].join(".");
		const r = el.getBoundingClientRect();
		const text = (el.innerText || el.value || "").trim().replace(/\s+/g, " ").slice(0, 30);
		return s + " (" + Math.round(r.width) + "×" + Math.round(r.height) + " px at x=" + Math.round(r.left) + (text ? ", \"" + text + "\"" : "") + ")";
	};
	const clipped = el => {
		for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			if (getComputedStyle(p).overflowX !== "visible") return true;
		}
		return false;
	};
	const shown = el => {
		const r = el.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
	};
	const all = [...document.body.querySelectorAll("*")];
	const out = {scrollWidth: document.documentElement.scrollWidth, offenders: [], scrollers: [], small: []};
	if (out.scrollWidth > w) {
		out.offenders = all
			.filter(el => shown(el) && el.getBoundingClientRect().right > w + 0.5 && !clipped(el))
			.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
			.slice(0, 5).map(describe);
	}
	out.scrollers = all.filter(el => {
		if (!shown(el) || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) return false;
		const o = getComputedStyle(el).overflowX;
		return (o === "auto" || o === "scroll") && el.scrollWidth > el.clientWidth + 1;
	}).map(describe);
	if (phone) {
		const inText = el => {
			const p = el.parentElement;
			return el.tagName === "A" && !el.matches("[role=button]") && p &&
				p.textContent.trim().length > el.textContent.trim().length;
		};
		out.small = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]")]
			.filter(el => shown(el) && !el.closest(".skip") && !inText(el))
			.map(el => (el.matches("input[type=checkbox], input[type=radio]") && el.closest("label")) || el)
			.filter(el => { const r = el.getBoundingClientRect(); return r.height < 43.5 || r.width < 43.5; })
			.map(describe);
	}
	return out;
})(%d, %t)`

// checkFits fails when the page is wider than the viewport, scrolls
// sideways inside, or (on phones) has a control too small to tap.
func checkFits(t *testing.T, ctx context.Context, vp viewport) {
	t.Helper()
	fit, err := chromedp.Run(ctx, chromedp.Evaluate[pageFit](fmt.Sprintf(checkFitJS, vp.width, vp.touch)))
	if err != nil {
		t.Fatalf("measure the page: %v", err)
	}
	if fit.ScrollWidth > int(vp.width) {
		t.Errorf("the page is %d px wide on a %d px screen; sticking out:\n  %s", fit.ScrollWidth, vp.width, strings.Join(fit.Offenders, "\n  "))
	}
	if len(fit.Scrollers) > 0 {
		t.Errorf("parts scroll sideways on a %d px screen:\n  %s", vp.width, strings.Join(fit.Scrollers, "\n  "))
	}
	if len(fit.Small) > 0 {
		t.Errorf("touch targets under 44 px on a %d px screen:\n  %s", vp.width, strings.Join(fit.Small, "\n  "))
	}
}

// phoneMenus opens the header's menu and a list row's action menu on a
// phone: open, they fit, are big enough to tap and pass axe, and Escape
// closes them with focus back on their button. On a desktop screen both
// are shown open, without their buttons.
func phoneMenus(t *testing.T, ctx context.Context, s *site) {
	s.setLang(t, ctx, "tr")
	s.signIn(t, ctx)
	setViewport(t, ctx, vpPhone)
	load(t, ctx, s.ta.URL+"/links")
	hidden := `[...document.querySelectorAll(".menu-body a, [data-testid=logout]")].every(el => !el.checkVisibility())`
	if !evalBool(t, ctx, hidden) {
		t.Errorf("on a phone the menu's links show before the menu is opened")
	}
	do(t, ctx, "open the menu", chromedp.Click(chromedp.CSS("[data-testid=menu-toggle]")))
	waitFor(t, ctx, "the open menu", `document.querySelector("[data-testid=menu]").open`)
	inView := `[...document.querySelectorAll(".menu-body a, [data-testid=logout]")].every(el => {
		const r = el.getBoundingClientRect(); return el.checkVisibility() && r.left >= 0 && r.right <= innerWidth; })`
	if !evalBool(t, ctx, inView) {
		t.Errorf("the open menu's links are not all on the screen")
	}
	checkFits(t, ctx, vpPhone)
	checkAxe(t, ctx)
	do(t, ctx, "Escape", chromedp.KeyEvent(kb.Escape))
	if !evalBool(t, ctx, `!document.querySelector("[data-testid=menu]").open && document.activeElement.dataset.testid === "menu-toggle"`) {
		t.Errorf("Escape did not close the menu and focus its button")
	}

	row := `[data-testid=link-row]:last-child `
	do(t, ctx, "open a row's menu", chromedp.Click(chromedp.CSS(row+"[data-testid=row-menu]")))
	if !evalBool(t, ctx, `["copy-link", "toggle-status", "edit-link", "delete-link"].every(id =>
		{ const el = document.querySelector('`+row+`[data-testid="' + id + '"]'); return el.checkVisibility() && el.getBoundingClientRect().height >= 44 })`) {
		t.Errorf("the row's open menu lacks its actions, or they are under 44 px")
	}
	checkFits(t, ctx, vpPhone)
	checkAxe(t, ctx)

	setViewport(t, ctx, vpDesktop)
	load(t, ctx, s.ta.URL+"/links")
	if !evalBool(t, ctx, `!document.querySelector("[data-testid=menu-toggle]").checkVisibility() &&
		!document.querySelector("[data-testid=row-menu]").checkVisibility() &&
		[...document.querySelectorAll(".menu-body a, [data-testid=logout], [data-testid=link-row] [data-testid=edit-link]")].every(el => el.checkVisibility())`) {
		t.Errorf("on a desktop screen the menu and row actions are not shown open")
	}
}

func evalBool(t *testing.T, ctx context.Context, js string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}
