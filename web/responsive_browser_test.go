package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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
