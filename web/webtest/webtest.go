// Package webtest starts the whole dashboard for tests: the real Echo server
// on a loopback port, a fresh SQLite store, the embedded sandbox for both
// APIs, and the real craftclient talking to it over HTTP.
package webtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/sandbox"
	"linkdesk/store"
	"linkdesk/web"
)

// App is a running dashboard.
type App struct {
	URL       string
	Store     *store.DB
	Craftgate *craftclient.Craftgate
	Paywall   *craftclient.Paywall
	Config    web.Config
	// Reconciler settles pending payments; tests call RunOnce (no loop runs).
	Reconciler *handlers.Reconciler
	// Logs holds everything the server logged, for "no secret in logs" checks.
	Logs *SyncBuffer

	cookies *sessions.CookieStore
}

// Options change how the app is wired.
type Options struct {
	// CraftgateURL points the Craftgate client elsewhere (a fault-injecting
	// httptest server); empty uses the embedded sandbox.
	CraftgateURL string
	// PaywallURL likewise for Paywall.
	PaywallURL string
	// ClientTimeout bounds every upstream call (default 5 s).
	ClientTimeout time.Duration
	// Now is the clock for the sandbox; nil is time.Now.
	Now func() time.Time
	// ListCacheTTL turns on the link-search cache (off in tests, so a link
	// created behind the dashboard's back shows at once).
	ListCacheTTL time.Duration

	// Payments (#5).
	// ReconcilerNow is the payment reconciler's clock (nil is time.Now), so
	// a test can move past the payment timeout.
	ReconcilerNow func() time.Time
	// CallbackURL replaces the app's URL in the callback URLs given to
	// Paywall; an unreachable one makes callbacks get lost.
	CallbackURL string
}

// SandboxHashKey signs the sandbox's Paywall callbacks in tests.
const SandboxHashKey = "test-hash-key"

// New starts an app that stops when the test ends.
func New(tb testing.TB, opts Options) *App {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "linkdesk.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	sdb, err := store.OpenSQLite(filepath.Join(dir, "sandbox.db"))
	if err != nil {
		tb.Fatalf("open sandbox db: %v", err)
	}
	tb.Cleanup(func() { sdb.Close() })

	logs := &SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sb, err := sandbox.New(ctx, sandbox.Config{DB: sdb, Now: opts.Now, Logger: log, PaywallHashKey: SandboxHashKey})
	if err != nil {
		tb.Fatalf("sandbox: %v", err)
	}

	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	timeout := opts.ClientTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	hc := &http.Client{Timeout: timeout}
	cgURL, pwURL := opts.CraftgateURL, opts.PaywallURL
	if cgURL == "" {
		cgURL = base + "/sandbox/craftgate"
	}
	if pwURL == "" {
		pwURL = base + "/sandbox/paywall"
	}
	app := &App{
		URL:       base,
		Store:     db,
		Craftgate: craftclient.NewCraftgate(cgURL, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, craftclient.WithHTTPClient(hc)),
		Paywall:   craftclient.NewPaywall(pwURL, sandbox.PaywallPublicKey, sandbox.PaywallPublicClient, craftclient.WithHTTPClient(hc)),
		Logs:      logs,
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	enc := make([]byte, 32)
	_, _ = rand.Read(enc)
	app.Config = web.Config{
		Site:         handlers.Site{Merchant: "Test Mağaza", Sandbox: true},
		PublicURL:    base,
		SessionKeys:  [][]byte{key, enc},
		Upstreams:    map[string]string{"craftgate": "sandbox", "paywall": "sandbox"},
		ListCacheTTL: opts.ListCacheTTL,
	}
	callbackURL := opts.CallbackURL
	if callbackURL == "" {
		callbackURL = base
	}
	app.Config.Payments = handlers.PaymentsConfig{PublicURL: callbackURL, HashKey: SandboxHashKey, Timeout: handlers.DefaultPaymentTimeout}
	app.Reconciler = handlers.NewReconciler(log, db, app.Paywall.APM,
		handlers.ReconcilerConfig{Timeout: app.Config.Payments.Timeout, Now: opts.ReconcilerNow})
	app.cookies = sessions.NewCookieStore(app.Config.SessionKeys...)
	e := web.New(app.Config, web.Deps{Log: log, Store: db, Craftgate: app.Craftgate, Paywall: app.Paywall, Sandbox: sb.Handler(), Reconciler: app.Reconciler})
	srv.Config.Handler = e
	srv.Start()
	tb.Cleanup(srv.Close)
	return app
}

// SyncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CreateUser adds a user with a password directly in the store.
func (a *App) CreateUser(tb testing.TB, email string, role store.Role, password string) *store.User {
	tb.Helper()
	hash, err := handlers.HashPassword(password)
	if err != nil {
		tb.Fatal(err)
	}
	u := &store.User{Email: email, Name: strings.Split(email, "@")[0], Role: role, PasswordHash: hash}
	if err := a.Store.CreateUser(context.Background(), u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// Client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests assert them) and sends the CSRF token on unsafe requests.
type Client struct {
	*http.Client
	app *App
}

// csrfToken is the double-submit token test clients use: Echo's CSRF check
// compares the linkdesk_csrf cookie with the form field or header.
const csrfToken = "webtest-csrf-token-0123456789abcdef"

// Anonymous returns a signed-out client.
func (a *App) Anonymous(tb testing.TB) *Client {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(a.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: handlers.CSRFCookie, Value: csrfToken, Path: "/"}})
	return &Client{
		Client: &http.Client{
			Jar:           jar,
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		app: a,
	}
}

// As returns a client signed in as u, so tests need not go through /login.
func (a *App) As(tb testing.TB, u *store.User) *Client {
	tb.Helper()
	c := a.Anonymous(tb)
	base, _ := url.Parse(a.URL)
	c.Jar.SetCookies(base, []*http.Cookie{a.SessionCookie(tb, u)})
	return c
}

// SessionCookie mints the sign-in cookie for u the way the server mints it
// (same keys); browser tests set it with network.SetCookie.
func (a *App) SessionCookie(tb testing.TB, u *store.User) *http.Cookie {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, a.URL+"/", nil)
	rec := httptest.NewRecorder()
	sess, _ := a.cookies.New(req, handlers.SessionCookie)
	now := time.Now().Unix()
	sess.Values = map[any]any{"uid": u.ID, "epoch": u.SessionEpoch, "created": now, "seen": now}
	if err := sess.Save(req, rec); err != nil {
		tb.Fatalf("mint session: %v", err)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == handlers.SessionCookie {
			return ck
		}
	}
	tb.Fatal("mint session: no cookie")
	return nil
}

// CSRF is the token a page would carry now: the cookie's. The server
// forgets it at sign-in and sign-out; like a browser loading its next page,
// the client then gets one again.
func (c *Client) CSRF() string {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == handlers.CSRFCookie {
			return ck.Value
		}
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: handlers.CSRFCookie, Value: csrfToken, Path: "/"}})
	return csrfToken
}

// Get fetches path.
func (c *Client) Get(tb testing.TB, path string, header ...string) *http.Response {
	tb.Helper()
	return c.Do(tb, http.MethodGet, path, nil, header...)
}

// PostForm posts form values with the CSRF field.
func (c *Client) PostForm(tb testing.TB, path string, form url.Values, header ...string) *http.Response {
	tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.CSRF())
	}
	return c.Do(tb, http.MethodPost, path, strings.NewReader(form.Encode()), append(header, "Content-Type", "application/x-www-form-urlencoded")...)
}

// Do sends a request; header is a list of name, value pairs. Unsafe requests
// without a body (htmx deletes, toggles) carry the CSRF header unless the
// caller set X-CSRF-Token; form posts carry only the _csrf field, so a test
// can send a wrong field and see it refused.
func (c *Client) Do(tb testing.TB, method, path string, body *strings.Reader, header ...string) *http.Response {
	tb.Helper()
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(method, c.app.URL+path, body)
	} else {
		req, err = http.NewRequest(method, c.app.URL+path, nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if method != http.MethodGet && method != http.MethodHead && req.Header.Get("X-CSRF-Token") == "" && body == nil {
		req.Header.Set("X-CSRF-Token", c.CSRF())
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}
