package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/static"
	"linkdesk/web/webtest"
)

func TestSetupHappensOnce(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	c := acctAnon(t, ta)

	for _, path := range []string{"/", "/login", "/users", "/nope"} {
		acctExpectRedirect(t, c.Get(t, path), "/setup")
	}
	if doc := acctDoc(t, c.Get(t, "/setup")); doc.Find(`[data-testid="setup-form"]`).Length() != 1 {
		t.Fatal("GET /setup: no setup form")
	}

	resp := c.PostForm(t, "/setup", url.Values{"email": {"owner@shop.example"}, "name": {"Ayşe"}, "password": {"short"}, "password_confirm": {"short"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: status %d, want 422", resp.StatusCode)
	}
	doc := acctDoc(t, resp)
	if got := doc.Find(`[data-testid="field-email"]`).AttrOr("value", ""); got != "owner@shop.example" {
		t.Errorf("re-rendered email %q, want the typed one", got)
	}
	if doc.Find(`[data-testid="field-password"]`).AttrOr("aria-invalid", "") != "true" || acctText(doc, "error-summary") == "" {
		t.Error("the password error is not marked on the field and in the summary")
	}

	form := url.Values{"email": {"Owner@Shop.example"}, "name": {"Ayşe"}, "password": {acctPassword}, "password_confirm": {acctPassword}}
	acctExpectRedirect(t, c.PostForm(t, "/setup", form), "/")
	if resp := c.Get(t, "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after setup GET /: status %d, want 200 (signed in)", resp.StatusCode)
	}
	owner, err := ta.Store.UserByEmail(context.Background(), "owner@shop.example")
	if err != nil || owner.Role != app.RoleOwner {
		t.Fatalf("owner: %+v, %v", owner, err)
	}
	if evs := acctAudit(t, ta, "user.create"); len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != owner.ID {
		t.Errorf("user.create audit rows %+v, want one by the owner", evs)
	}

	other := acctAnon(t, ta)
	form.Set("email", "second@shop.example")
	// After setup the address leads to sign-in, not to a dead end.
	for _, resp := range []*http.Response{other.Get(t, "/setup"), other.PostForm(t, "/setup", form)} {
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("%s /setup after setup: %d → %q, want 303 to /login", resp.Request.Method, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if n, _ := ta.Store.CountUsers(context.Background()); n != 1 {
		t.Errorf("users after a second setup: %d, want 1", n)
	}
}

func TestSetupConcurrentDoubleSubmit(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	const browsers = 2
	answers := make([]string, browsers)
	clients := make([]*webtest.Client, browsers)
	for i := range clients {
		clients[i] = acctAnon(t, ta)
	}
	var wg sync.WaitGroup
	for i := range browsers {
		wg.Go(func() {
			form := url.Values{"email": {"owner" + string(rune('a'+i)) + "@shop.example"}, "name": {"Owner"},
				"password": {acctPassword}, "password_confirm": {acctPassword}}
			resp := clients[i].PostForm(t, "/setup", form)
			answers[i] = fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("Location"))
		})
	}
	wg.Wait()
	created := 0
	for _, a := range answers {
		switch a {
		case "303 /": // signed in as the new owner
			created++
		case "303 /login": // the other browser finished first
		default:
			t.Errorf("concurrent setup answered %q, want 303 to / or to /login", a)
		}
	}
	n, err := ta.Store.CountUsers(context.Background())
	if created != 1 || n != 1 || err != nil {
		t.Errorf("created %d (answers %v), users %d (%v); want exactly one owner", created, answers, n, err)
	}
}

// TestPublicRoutesSkipSetupAndLogin: health checks, assets, provider
// callbacks and the sandbox must answer on a fresh installation and to
// signed-out callers.
func TestPublicRoutesSkipSetupAndLogin(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	c := acctAnon(t, ta)
	tests := []struct {
		method, path string
		want         int // 0: anything but a redirect to /setup or /login
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodGet, static.Path("app.css"), http.StatusOK},
		{http.MethodGet, "/sandbox/", 0},
		{http.MethodGet, "/sandbox/paywall/nothing-here", 0},
		{http.MethodPost, "/callbacks/paywall", 0},
		{http.MethodGet, "/callbacks/craftgate", 0},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp := c.Do(t, tt.method, tt.path, nil)
			loc := resp.Header.Get("Location")
			if strings.HasPrefix(loc, "/setup") || strings.HasPrefix(loc, "/login") {
				t.Fatalf("redirected to %q", loc)
			}
			if tt.want != 0 && resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	u := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	c := acctAnon(t, ta)

	acctExpectRedirect(t, c.Get(t, "/users?x=1"), "/login")
	if loc := c.Get(t, "/users?x=1").Header.Get("Location"); loc != "/login?next="+url.QueryEscape("/users?x=1") {
		t.Errorf("login redirect %q keeps no next", loc)
	}
	doc := acctDoc(t, c.Get(t, "/login?next=/account"))
	if got := doc.Find(`input[name="next"]`).AttrOr("value", ""); got != "/account" {
		t.Errorf("next field %q, want /account", got)
	}

	resp := c.PostForm(t, "/login", url.Values{"email": {u.Email}, "password": {acctPassword}, "next": {"/account"}})
	acctExpectRedirect(t, resp, "/account")
	if resp := c.Get(t, "/account"); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in GET /account: %d", resp.StatusCode)
	}
	acctExpectRedirect(t, c.Get(t, "/login"), "/") // already signed in
	if evs := acctAudit(t, ta, "auth.login"); len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != u.ID || evs[0].IP == "" {
		t.Errorf("auth.login rows %+v, want one by the user with an IP", evs)
	}

	acctExpectRedirect(t, c.PostForm(t, "/logout", nil), "/login")
	acctExpectRedirect(t, c.Get(t, "/account"), "/login")
	if evs := acctAudit(t, ta, "auth.logout"); len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != u.ID {
		t.Errorf("auth.logout rows %+v, want one by the user", evs)
	}
	if doc := acctDoc(t, c.Get(t, "/login")); acctText(doc, "flash-success") == "" {
		t.Error("no sign-out message on the login page")
	}
}

// TestCSRFTokenChangesWithTheSignedInPerson: a token seen before sign-in
// (on a shared counter computer, say) is refused after it, and a token of a
// signed-in person is refused after sign-out.
func TestCSRFTokenChangesWithTheSignedInPerson(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	u := acctUser(t, ta, "counter@shop.example", app.RoleStaff)
	c := acctAnon(t, ta)
	pageToken := func(path string) string {
		t.Helper()
		doc := acctDoc(t, c.Get(t, path))
		token, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value")
		if !ok || token == "" {
			t.Fatalf("GET %s: no CSRF field", path)
		}
		return token
	}
	expired := func(resp *http.Response) bool {
		for _, ck := range resp.Cookies() {
			if ck.Name == handlers.CSRFCookie && ck.MaxAge < 0 {
				return true
			}
		}
		return false
	}

	before := pageToken("/login")
	resp := c.PostForm(t, "/login", url.Values{"email": {u.Email}, "password": {acctPassword}, "next": {"/account"}})
	acctExpectRedirect(t, resp, "/account")
	if !expired(resp) {
		t.Errorf("sign-in kept the CSRF cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	after := pageToken("/account")
	if after == before {
		t.Fatal("the CSRF token is the same after sign-in")
	}
	old := url.Values{"_csrf": {before}}
	if resp := c.PostForm(t, "/logout", old); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with the token from before sign-in: status %d, want 403", resp.StatusCode)
	}
	resp = c.PostForm(t, "/logout", url.Values{"_csrf": {after}})
	acctExpectRedirect(t, resp, "/login")
	if !expired(resp) {
		t.Errorf("sign-out kept the CSRF cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	if next := pageToken("/login"); next == after {
		t.Error("the CSRF token is the same after sign-out")
	}
}

func TestLoginRefusals(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	u := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	off := acctUser(t, ta, "gone@shop.example", app.RoleStaff)
	if _, err := ta.Core.Users.SetDisabled(context.Background(), app.Actor{Name: "test"}, off.ID, true); err != nil {
		t.Fatal(err)
	}
	c := acctAnon(t, ta)

	login := func(email, pw string) (int, string) {
		resp := c.PostForm(t, "/login", url.Values{"email": {email}, "password": {pw}}, "Accept-Language", "en")
		doc := acctDoc(t, resp)
		return resp.StatusCode, acctText(doc, "login-problem")
	}
	wrongStatus, wrongMsg := login(u.Email, "not the password")
	unknownStatus, unknownMsg := login("nobody@shop.example", "not the password")
	if wrongMsg == "" || wrongMsg != unknownMsg || wrongStatus != unknownStatus {
		t.Errorf("wrong password → %d %q, unknown e-mail → %d %q; want the same", wrongStatus, wrongMsg, unknownStatus, unknownMsg)
	}
	// A disabled account with its right password gets the same answer as a
	// wrong one: the form does not tell who has an account in what state.
	if status, msg := login(off.Email, acctPassword); status != wrongStatus || msg != wrongMsg {
		t.Errorf("disabled user: %d %q, want %d %q as for a wrong password", status, msg, wrongStatus, wrongMsg)
	}
	if status, _ := login("", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("empty form: status %d, want 422", status)
	}

	evs := acctAudit(t, ta, "auth.login_failed")
	if len(evs) != 3 {
		t.Fatalf("auth.login_failed rows: %d, want 3", len(evs))
	}
	for _, e := range evs {
		if e.ActorID != nil || strings.Contains(string(e.After), "not the password") || strings.Contains(string(e.After), acctPassword) {
			t.Errorf("failed-login row %+v names an actor or holds a password", e)
		}
	}

	// No open redirect through next: the login form drops a foreign next,
	// and a signed-in browser is sent on through the same check.
	for _, next := range []string{"//evil.example/x", "https://evil.example", "/\\evil.example"} {
		doc := acctDoc(t, c.Get(t, "/login?next="+url.QueryEscape(next)))
		if got := doc.Find(`input[name="next"]`).AttrOr("value", ""); got != "/" {
			t.Errorf("next %q kept as %q, want /", next, got)
		}
		acctExpectRedirect(t, acctAs(t, ta, u).Get(t, "/login?next="+url.QueryEscape(next)), "/")
	}
	resp := c.PostForm(t, "/login", url.Values{"email": {u.Email}, "password": {acctPassword}, "next": {"//evil.example"}})
	acctExpectRedirect(t, resp, "/")
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	ta, clock := acctClockApp(t)
	u := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	c := acctAnon(t, ta)
	try := func(pw string) (int, string) {
		resp := c.PostForm(t, "/login", url.Values{"email": {u.Email}, "password": {pw}}, "Accept-Language", "en")
		return resp.StatusCode, acctText(acctDoc(t, resp), "login-throttled")
	}

	for i := range app.LoginMaxFailures {
		if status, _ := try("wrong password " + string(rune('a'+i))); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, status)
		}
		clock.Advance(time.Minute)
	}
	// The first failure was 5 minutes ago: 10 minutes to go, even with the
	// right password.
	if status, msg := try(acctPassword); status != http.StatusTooManyRequests || !strings.Contains(msg, "10 minutes") {
		t.Fatalf("6th try: %d %q, want 429 saying 10 minutes", status, msg)
	}
	clock.Advance(9*time.Minute + 30*time.Second)
	if status, msg := try(acctPassword); status != http.StatusTooManyRequests || !strings.Contains(msg, "1 minute") {
		t.Fatalf("30 s before the window ends: %d %q, want 429 saying 1 minute", status, msg)
	}
	clock.Advance(31 * time.Second)
	if status, _ := try(acctPassword); status != http.StatusSeeOther {
		t.Fatalf("after the window: status %d, want 303 (signed in)", status)
	}

	// Another e-mail from the same IP is not held back.
	other := acctUser(t, ta, "viewer@shop.example", app.RoleViewer)
	acctSignIn(t, ta, other.Email, acctPassword)
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	ta, clock := acctClockApp(t)
	u := acctUser(t, ta, "viewer@shop.example", app.RoleViewer)

	idle := acctSignIn(t, ta, u.Email, acctPassword)
	clock.Advance(app.IdleTimeout - time.Minute)
	if resp := idle.Get(t, "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a minute inside the idle timeout: status %d, want 200", resp.StatusCode)
	}
	clock.Advance(app.IdleTimeout + time.Minute)
	acctExpectRedirect(t, idle.Get(t, "/"), "/login")

	// A session used every 7 hours still ends 7 days after login.
	busy := acctSignIn(t, ta, u.Email, acctPassword)
	var elapsed time.Duration
	for elapsed+7*time.Hour < app.AbsoluteTimeout {
		clock.Advance(7 * time.Hour)
		elapsed += 7 * time.Hour
		if resp := busy.Get(t, "/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("active session after %v: status %d, want 200", elapsed, resp.StatusCode)
		}
	}
	clock.Advance(app.AbsoluteTimeout - elapsed + time.Minute)
	acctExpectRedirect(t, busy.Get(t, "/"), "/login")
}

func TestSecurityHeadersOnDashboard(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	u := acctUser(t, ta, "viewer@shop.example", app.RoleViewer)
	resp := acctAs(t, ta, u).Get(t, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	want := map[string]string{
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	}
	for h, v := range want {
		if got := resp.Header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows inline code", csp)
	}
}
