package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// linksEnv is a running app with a staff and a viewer client.
type linksEnv struct {
	ta     *webtest.App
	staff  *webtest.Client
	viewer *webtest.Client
}

// newLinksEnv starts the app. Users get a placeholder password hash: the
// clients sign in with minted cookies, and bcrypt under -race is slow.
func newLinksEnv(tb testing.TB, opts webtest.Options) linksEnv {
	tb.Helper()
	ta := webtest.New(tb, opts)
	return linksEnv{
		ta:     ta,
		staff:  ta.As(tb, mustCreateUser(tb, ta, "staff@example.com", app.RoleStaff)),
		viewer: ta.As(tb, mustCreateUser(tb, ta, "viewer@example.com", app.RoleViewer)),
	}
}

func mustCreateUser(tb testing.TB, ta *webtest.App, email string, role app.Role) *app.User {
	tb.Helper()
	u := &app.User{Email: email, Name: strings.Split(email, "@")[0], Role: role, PasswordHash: []byte("not-a-hash")}
	if err := ta.Store.CreateUser(context.Background(), u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// linkRequest is a valid create request; edit adjusts it.
func linkRequest(name, price string, edit ...func(*craftclient.ProductRequest)) craftclient.ProductRequest {
	req := craftclient.ProductRequest{
		Name:                name,
		Description:         "Test link",
		Price:               craftclient.NewAmount(decimal.RequireFromString(price)),
		Currency:            craftclient.CurrencyTRY,
		EnabledInstallments: []int{1},
		Channel:             "shop",
	}
	for _, e := range edit {
		e(&req)
	}
	return req
}

// mustCreateLink creates a link straight through the client.
func mustCreateLink(tb testing.TB, ta *webtest.App, req craftclient.ProductRequest) *craftclient.Product {
	tb.Helper()
	p, err := ta.Craftgate.Products.Create(context.Background(), req)
	if err != nil {
		tb.Fatalf("create link %q: %v", req.Name, err)
	}
	return p
}

func mustRetrieve(tb testing.TB, ta *webtest.App, id int64) *craftclient.Product {
	tb.Helper()
	p, err := ta.Craftgate.Products.Retrieve(context.Background(), id)
	if err != nil {
		tb.Fatalf("retrieve link %d: %v", id, err)
	}
	return p
}

// linkCount is how many links the sandbox holds.
func linkCount(tb testing.TB, ta *webtest.App) int64 {
	tb.Helper()
	page, err := ta.Craftgate.Products.Search(context.Background(), craftclient.ProductSearchRequest{Size: 1})
	if err != nil {
		tb.Fatalf("count links: %v", err)
	}
	return page.TotalSize
}

// linkForm is a valid create form as a browser posts it.
func linkForm(name, price string) url.Values {
	return url.Values{
		"name":                {name},
		"description":         {"Kahve ve kurabiye"},
		"price":               {price},
		"currency":            {"TRY"},
		"enabledInstallments": {"1", "3"},
		"stock":               {""},
		"channel":             {"kasa"},
		"orderId":             {""},
		"expiresAt":           {""},
	}
}

// with returns a copy of v with key set to values.
func with(v url.Values, key string, values ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	if len(values) == 0 {
		out.Del(key)
	} else {
		out[key] = values
	}
	return out
}

// body reads and returns the response body.
func body(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return string(b)
}

func parse(tb testing.TB, html string) *goquery.Document {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		tb.Fatalf("parse html: %v", err)
	}
	return doc
}

// page checks the status and parses the body.
func page(tb testing.TB, resp *http.Response, want int) (*goquery.Document, string) {
	tb.Helper()
	html := body(tb, resp)
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: got status %d, want %d; body:\n%s", resp.Request.Method, resp.Request.URL, resp.StatusCode, want, excerpt(html))
	}
	return parse(tb, html), html
}

func excerpt(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// testid selects elements by data-testid.
func testid(id string) string { return `[data-testid="` + id + `"]` }

// wantRedirect checks a 303 and returns its Location.
func wantRedirect(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("%s %s: got status %d, want 303; body:\n%s", resp.Request.Method, resp.Request.URL, resp.StatusCode, excerpt(body(tb, resp)))
	}
	return resp.Header.Get("Location")
}

// fragment checks an htmx answer is a fragment, not a page.
func wantFragment(tb testing.TB, resp *http.Response, html string) {
	tb.Helper()
	if strings.Contains(html, "<html") {
		tb.Errorf("htmx answer contains <html>: %s", excerpt(html))
	}
	if v := resp.Header.Values("Vary"); !containsFold(v, "HX-Request") {
		tb.Errorf("got Vary %q, want it to name HX-Request", v)
	}
}

func containsFold(vs []string, want string) bool {
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}

var hx = []string{"HX-Request", "true"}

// auditEvents lists the audit log for one action, newest first.
func auditEvents(tb testing.TB, ta *webtest.App, action string) []app.AuditEvent {
	tb.Helper()
	events, _, err := ta.Store.ListAudit(context.Background(), app.AuditFilter{Action: action})
	if err != nil {
		tb.Fatalf("list audit: %v", err)
	}
	return events
}

// auditLink decodes an audit before/after snapshot.
func auditLink(tb testing.TB, raw json.RawMessage) craftclient.Product {
	tb.Helper()
	var p craftclient.Product
	if err := json.Unmarshal(raw, &p); err != nil {
		tb.Fatalf("decode audit snapshot %s: %v", raw, err)
	}
	return p
}

// future is a datetime-local value two days ahead.
func future() string { return time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04") }

// linkPath is a path under a link's detail page.
func linkPath(id int64, suffix string) string {
	return "/links/" + strconv.FormatInt(id, 10) + suffix
}
