// Linkdesk's small behaviours. No inline scripts anywhere (the CSP forbids
// them): pages opt in with data-* attributes.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // "/" focuses the page's search box, unless the user is typing.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) return;
    var box = document.querySelector("[data-search]");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });

  document.addEventListener("click", function (e) {
    var copy = e.target.closest("[data-copy]");
    if (copy) {
      e.preventDefault();
      var text = copy.getAttribute("data-copy");
      var done = function () {
        var label = copy.textContent;
        copy.textContent = copy.getAttribute("data-copied") || "✓";
        setTimeout(function () { copy.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        // Plain-http LAN installs have no async clipboard API.
        var ta = document.createElement("textarea");
        ta.value = text; document.body.appendChild(ta); ta.select();
        try { document.execCommand("copy"); done(); } finally { ta.remove(); }
      }
      return;
    }
    if (e.target.closest("[data-print]")) { e.preventDefault(); window.print(); return; }
    var all = e.target.closest("[data-select-all]");
    if (all) {
      var scope = document.querySelector(all.getAttribute("data-select-all"));
      if (scope) scope.querySelectorAll("input[type=checkbox][name=id]").forEach(function (cb) { cb.checked = all.checked; });
      syncBulk();
    }
  });

  // The list's bulk buttons act on the ticked rows (or "all matching"):
  // disabled while nothing is ticked, so they never lead to an empty page.
  function syncBulk() {
    document.querySelectorAll("[data-bulk-form]").forEach(function (form) {
      var any = document.querySelector('input[type=checkbox][name=id][form="' + form.id + '"]:checked, input[form="' + form.id + '"][data-select-all]:checked') ||
        form.querySelector("[data-bulk-all]:checked");
      form.querySelectorAll("[data-bulk]").forEach(function (b) { b.disabled = !any; });
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("input[type=checkbox]")) syncBulk();
  });
  document.addEventListener("DOMContentLoaded", syncBulk);
  document.addEventListener("htmx:afterSettle", syncBulk);

  // Plain (non-htmx) forms that need a confirmation.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  // Polling elements (the counter screen's payment status) pause while the
  // tab is hidden: a tab left in the background should not ask every 2 s.
  // Coming back asks at once ("pagevisible" is in their hx-trigger), so the
  // screen is never a poll behind. (htmx's own trigger filters would need
  // eval, which the CSP forbids.)
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (document.hidden && e.detail && e.detail.elt && e.detail.elt.hasAttribute("data-poll")) e.preventDefault();
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) document.dispatchEvent(new Event("pagevisible"));
  });

  // Inline validation answers with the whole field, input included. An
  // answer about an older value (the person typed on while it was on its
  // way) is dropped: swapping it in would put the old text back over what
  // they typed, and the newer change brings its own answer.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail, field = d && d.target;
    if (!field || !field.classList || !field.classList.contains("link-field") || !d.requestConfig || !d.requestConfig.formData) return;
    var input = field.querySelector("input[name]:not([type=checkbox]), textarea[name], select[name]");
    if (!input) return;
    var sent = d.requestConfig.formData.get(input.name);
    if (sent !== null && sent !== input.value) d.shouldSwap = false;
  });

  // Menus (the header's <details data-menu> and the list rows' .row-menu)
  // open and close without JavaScript. With it, Escape closes the open one
  // and gives focus back to its button, and a tap outside the header's
  // menu closes it, as it covers the page below.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var el = document.activeElement, menu = el && el.closest && el.closest("details[open]");
    if (!menu || !menu.matches("[data-menu], .row-menu")) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(e.target)) menu.open = false;
    });
  });

  // Move focus to an error summary so screen readers and keyboards land on it.
  function focusSummary(root) {
    var s = (root || document).querySelector("[data-error-summary]");
    if (s) { s.setAttribute("tabindex", "-1"); s.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id !== "flash" && e.detail.requestConfig && e.detail.requestConfig.verb !== "get") {
      focusSummary(e.detail.target);
    }
  });
})();
