package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/crypto/bcrypt"

	"linkdesk/web/webtest"
)

// acctPassword is every test user's password. Fixture users get a
// minimum-cost hash, computed once: a cost-12 hash or comparison takes
// seconds under -race, and logins compare at the stored hash's cost.
// Hashes the handlers make are checked to have app.BcryptCost.
const acctPassword = "correct horse battery"

var acctHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte(acctPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return h
})

// acctUser adds a user with acctPassword straight to the store.
func acctUser(tb testing.TB, ta *webtest.App, email string, role app.Role) *app.User {
	tb.Helper()
	u := &app.User{Email: email, Name: strings.Split(email, "@")[0], Role: role, PasswordHash: acctHash()}
	if err := ta.Store.CreateUser(context.Background(), u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// acctReload reads a user again, e.g. to see a bumped session epoch.
func acctReload(tb testing.TB, ta *webtest.App, u *app.User) *app.User {
	tb.Helper()
	fresh, err := ta.Store.UserByID(context.Background(), u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return fresh
}

// acctClock is an adjustable clock for the store and therefore sessions and
// login throttling (routes.go reads the store's clock on every call).
type acctClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *acctClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *acctClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// acctClockApp starts an app whose clock the test moves. The clock is set
// before the first request, so the server never sees the swap.
func acctClockApp(tb testing.TB) (*webtest.App, *acctClock) {
	tb.Helper()
	clock := &acctClock{t: time.Now()}
	ta := webtest.New(tb, webtest.Options{Clock: clock.Now})
	return ta, clock
}

// acctPatience bounds one request of the account tests. Setup, adding a
// user and password changes hash at bcrypt cost 12, which under -race on a
// busy two-core machine can pass webtest's 30-second client timeout.
const acctPatience = 3 * time.Minute

// acctAnon is a signed-out browser with acctPatience.
func acctAnon(tb testing.TB, ta *webtest.App) *webtest.Client {
	tb.Helper()
	c := ta.Anonymous(tb)
	c.Timeout = acctPatience
	return c
}

// acctAs is a browser signed in as u, with acctPatience.
func acctAs(tb testing.TB, ta *webtest.App, u *app.User) *webtest.Client {
	tb.Helper()
	c := ta.As(tb, u)
	c.Timeout = acctPatience
	return c
}

// acctSignIn signs in through the login form and returns the browser.
func acctSignIn(tb testing.TB, ta *webtest.App, email, password string) *webtest.Client {
	tb.Helper()
	c := acctAnon(tb, ta)
	resp := c.PostForm(tb, "/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("login %s: status %d, want 303", email, resp.StatusCode)
	}
	return c
}

// acctDoc parses an HTML response.
func acctDoc(tb testing.TB, resp *http.Response) *goquery.Document {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		tb.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// acctText returns the trimmed text of the elements with data-testid id.
func acctText(doc *goquery.Document, id string) string {
	return strings.TrimSpace(doc.Find(`[data-testid="` + id + `"]`).Text())
}

// acctBody reads a response body.
func acctBody(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// acctExpectRedirect checks a 303 to want (compared without the query
// when want has none).
func acctExpectRedirect(tb testing.TB, resp *http.Response, want string) {
	tb.Helper()
	loc := resp.Header.Get("Location")
	if !strings.Contains(want, "?") {
		loc, _, _ = strings.Cut(loc, "?")
	}
	if resp.StatusCode != http.StatusSeeOther || loc != want {
		tb.Fatalf("%s %s: got %d → %q, want 303 → %q", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

// acctAudit returns the audit rows with action, newest first.
func acctAudit(tb testing.TB, ta *webtest.App, action string) []app.AuditEvent {
	tb.Helper()
	evs, _, err := ta.Store.ListAudit(context.Background(), app.AuditFilter{Action: action})
	if err != nil {
		tb.Fatal(err)
	}
	return evs
}

// acctCookie returns the value of a browser's cookie for the app.
func acctCookie(tb testing.TB, ta *webtest.App, c *webtest.Client, name string) string {
	tb.Helper()
	base, _ := url.Parse(ta.URL)
	for _, ck := range c.Jar.Cookies(base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	tb.Fatalf("no %s cookie", name)
	return ""
}
