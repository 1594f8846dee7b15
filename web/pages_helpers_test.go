package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"linkdesk/handlers"
	"linkdesk/web/webtest"
)

// Issue #14: the page-by-page browser checks (fit on a phone, axe, the
// screenshots) share one seeded app, one first-run app and one browser.

// sitePage is one page a person can open.
type sitePage struct {
	name      string // for subtests and screenshot files
	path      string
	signedOut bool // loaded without a session
	fresh     bool // on the first-run app (no users yet)
}

// site is a seeded dashboard with every kind of page filled in.
type site struct {
	ta, fresh *webtest.App
	owner     *app.User
	pages     []sitePage
}

// seedSite starts the dashboard and fills it through its own forms (links,
// payments, users) so the audit log has something to show, then lists every
// page a signed-in owner, or a signed-out browser, can open with GET.
func seedSite(t *testing.T) *site {
	t.Helper()
	s := &site{
		ta:    webtest.New(t, webtest.Options{ClientTimeout: 30 * time.Second}),
		fresh: webtest.New(t, webtest.Options{}),
	}
	s.owner = acctUser(t, s.ta, "ayse.demir@istanbul-kahve.example", app.RoleOwner)
	staff := acctUser(t, s.ta, "kasa.personeli@istanbul-kahve.example", app.RoleStaff)
	viewer := acctUser(t, s.ta, "muhasebe@istanbul-kahve.example", app.RoleViewer)
	owner := s.ta.As(t, s.owner)
	if r := owner.PostForm(t, "/users/"+fmt.Sprint(viewer.ID)+"/disable", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable viewer: got %d, want 303", r.StatusCode)
	}

	tomorrow := time.Now().Add(24 * time.Hour).Format("2006-01-02T15:04")
	linkIDs := make([]string, 0, 4)
	for _, f := range []url.Values{
		{"name": {"Doğum günü pastası — üç katlı, çikolatalı ve frambuazlı özel sipariş"}, "description": {"Sipariş tesliminde ödenir.\nKutusu ve mumları dahil."},
			"price": {"12.345,67"}, "currency": {"TRY"}, "enabledInstallments": {"1", "3", "6", "12"}, "stock": {"1"}, "orderId": {"siparis-2026-000123"},
			"channel": {"instagram-kampanya"}, "expiresAt": {tomorrow}},
		{"name": {"Filtre kahve"}, "price": {"85"}, "currency": {"TRY"}, "enabledInstallments": {"1"}},
		{"name": {"Gift card"}, "price": {"50"}, "currency": {"EUR"}, "enabledInstallments": {"1"}, "channel": {"web"}},
	} {
		linkIDs = append(linkIDs, mustPostLink(t, owner, f))
	}
	if r := owner.PostForm(t, "/links/"+linkIDs[2]+"/status", url.Values{"status": {"PASSIVE"}, "next": {"/links"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate link: got %d, want 303", r.StatusCode)
	}

	staffClient := s.ta.As(t, staff)
	paid := mustStartPayment(t, s.ta, staffClient, "1.234,56", "Masa 4 — iki latte, bir cheesecake ve bir şişe su")
	mustWallet(t, s.ta, owner, paid, "pay")
	failed := mustStartPayment(t, s.ta, owner, "42,50", "Paket servis")
	mustWallet(t, s.ta, owner, failed, "decline")
	pending := mustStartPayment(t, s.ta, owner, "250", "Kahve çekirdeği 1 kg")

	// Link sales: two paid (one partly refunded) and a declined card.
	coffee := linkIDs[1]
	sold := payLink(t, s.ta, coffee, cardOK)
	waitRecorded(t, s.ta, sold)
	waitRecorded(t, s.ta, payLink(t, s.ta, coffee, cardOK))
	waitRecorded(t, s.ta, payLink(t, s.ta, coffee, cardDeclined))
	refundable := strconv.FormatInt(sold, 10)
	if r := owner.PostForm(t, "/sales/link/"+refundable+"/refund", url.Values{"amount": {"20"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("refund a link payment: got %d, want 303", r.StatusCode)
	}

	// Imports (#15): one finished, with a refused row's report, and one
	// previewed, with bad rows.
	doneImport, _ := previewOf(t, staffClient, []byte("Ad;Tutar;Para birimi;Taksit seçenekleri;Harici no\n"+
		"Çekirdek kahve 1 kg;640,00;TRY;1,3,6;KAHVE-1KG\nKupa;150;TRY;1;KUPA\n"))
	staffClient.PostForm(t, doneImport+"/start", nil)
	for {
		did, err := s.ta.Core.Imports.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !did {
			break
		}
	}
	previewImport, _ := previewOf(t, owner, []byte("Ad;Tutar;Para birimi;Taksit seçenekleri\nDemlik;320;TRY;1,3\n;abc;XYZ;13\nFincan takımı;;TRY;1\n"))

	first := linkIDs[0]
	s.pages = []sitePage{
		{name: "import", path: "/links/import"},
		{name: "import-preview", path: previewImport},
		{name: "import-done", path: doneImport},
		{name: "links-bulk-confirm", path: "/links/bulk?action=delete&id=" + linkIDs[1] + "&id=" + linkIDs[2]},
		{name: "home", path: "/"},
		{name: "links", path: "/links"},
		{name: "links-empty", path: "/links?name=yok-boyle-bir-link"},
		{name: "links-bad-filter", path: "/links?minPrice=abc"},
		{name: "link-new", path: "/links/new"},
		{name: "link-detail", path: "/links/" + first},
		{name: "link-sales", path: "/links/" + coffee},
		{name: "links-by-revenue", path: "/links?sort=revenue"},
		{name: "sales", path: "/sales"},
		{name: "sales-filtered", path: "/sales?source=link&status=paid&link=" + coffee},
		{name: "sale-refund", path: "/sales/link/" + refundable + "/refund"},
		{name: "link-edit", path: "/links/" + first + "/edit"},
		{name: "link-delete", path: "/links/" + first + "/delete"},
		{name: "payments", path: "/payments"},
		{name: "payment-new", path: "/payments/new"},
		{name: "payment-pending", path: "/payments/" + pending},
		{name: "payment-paid", path: "/payments/" + paid},
		{name: "payment-refund", path: "/payments/" + paid + "/refund"},
		{name: "payment-failed", path: "/payments/" + failed},
		{name: "customer-pending", path: "/payments/" + pending + "/customer"},
		{name: "customer-paid", path: "/payments/" + paid + "/customer"},
		{name: "customer-failed", path: "/payments/" + failed + "/customer"},
		{name: "users", path: "/users"},
		{name: "user-new", path: "/users/new"},
		{name: "user-detail", path: "/users/" + fmt.Sprint(staff.ID)},
		{name: "account", path: "/account"},
		{name: "audit", path: "/audit"},
		{name: "not-found", path: "/no-such-page"},
		{name: "link-missing", path: "/links/999999"},
		{name: "login", path: "/login", signedOut: true},
		{name: "setup", path: "/setup", signedOut: true, fresh: true},
	}
	return s
}

// mustPostLink creates a link through the form and returns its id.
func mustPostLink(t *testing.T, c *webtest.Client, f url.Values) string {
	t.Helper()
	resp := c.PostForm(t, "/links", f)
	id, ok := strings.CutPrefix(resp.Header.Get("Location"), "/links/")
	if resp.StatusCode != http.StatusSeeOther || !ok {
		doc, _ := goquery.NewDocumentFromReader(resp.Body)
		t.Fatalf("POST /links %s: got %d to %q, want 303 to the link; errors: %s", f.Get("name"), resp.StatusCode, resp.Header.Get("Location"),
			doc.Find("[data-testid=error-summary]").Text())
	}
	return id
}

// mustStartPayment starts a QR payment with the sandbox's Papara (62) and
// returns its code.
func mustStartPayment(t *testing.T, ta *webtest.App, c *webtest.Client, amount, description string) string {
	t.Helper()
	resp := c.PostForm(t, "/payments", url.Values{"amount": {amount}, "currency": {"TRY"}, "description": {description}, "provider": {"62"}})
	code, ok := strings.CutPrefix(resp.Header.Get("Location"), "/payments/")
	if resp.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("POST /payments: got %d to %q, want 303 to the payment", resp.StatusCode, resp.Header.Get("Location"))
	}
	return code
}

// mustWallet answers a payment in the sandbox's wallet ("pay" or
// "decline"), found through the counter screen's wallet link.
func mustWallet(t *testing.T, ta *webtest.App, c *webtest.Client, code, action string) {
	t.Helper()
	resp := c.Get(t, "/payments/"+code)
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	href, ok := doc.Find("[data-testid=wallet-link]").Attr("href")
	if !ok {
		t.Fatalf("payment %s: no wallet link on the counter screen", code)
	}
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	r := ta.Anonymous(t).Do(t, http.MethodPost, u.Path+"/"+action, strings.NewReader(""))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("wallet %s %s: got %d, want 200", action, code, r.StatusCode)
	}
}

// setLang makes the browser ask both apps for lang.
func (s *site) setLang(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	for _, a := range []*webtest.App{s.ta, s.fresh} {
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: handlers.LangCookie, Value: lang, URL: a.URL + "/"}); err != nil {
			t.Fatalf("set language cookie: %v", err)
		}
	}
}

// signIn and signOut give the browser the owner's session, or take it
// away. Both apps listen on 127.0.0.1, and cookies ignore ports: the
// session is deleted by name for the host.
func (s *site) signIn(t *testing.T, ctx context.Context) { s.ta.SignIn(t, ctx, s.owner) }

func (s *site) signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: handlers.SessionCookie, URL: s.ta.URL + "/"}); err != nil {
		t.Fatalf("delete session cookie: %v", err)
	}
}

// url is where a page is served.
func (s *site) url(p sitePage) string {
	if p.fresh {
		return s.fresh.URL + p.path
	}
	return s.ta.URL + p.path
}

// viewport is one screen the pages must work on.
type viewport struct {
	width, height int64
	touch         bool // held with fingers: controls must be 44 px or more
}

var (
	vpPhoneSmall = viewport{360, 740, true}
	vpPhone      = viewport{390, 844, true}
	vpTablet     = viewport{768, 1024, true}
	vpDesktop    = viewport{1366, 768, false}
)

func (v viewport) String() string { return fmt.Sprint(v.width) }

// setViewport sizes the page to v. It is a plain resize, without Chrome's
// mobile emulation: switching that on and off costs a relayout of up to
// half a second a time, and the pages' CSS depends on the width only.
// Scrollbars are hidden, as on phones, so the page gets the full width.
func setViewport(t *testing.T, ctx context.Context, v viewport) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height)); err != nil {
		t.Fatalf("viewport %v: %v", v, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
		t.Fatalf("hide scrollbars: %v", err)
	}
}

// load opens a page and waits until it is ready (htmx loaded, images in).
func load(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === 'complete' && window.htmx !== undefined &&
		[...document.images].every(i => i.complete || i.loading === 'lazy')`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("wait for %s: %v", u, err)
	}
}
