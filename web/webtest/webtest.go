// Package webtest starts the whole dashboard for tests: the real Echo server
// on a loopback port, a fresh store (SQLite, or PostgreSQL through pgtest),
// the embedded sandbox for both APIs, and the real craftclient talking to
// it over HTTP. Test packages using PostgreSQL stop its server from
// TestMain with pgtest.Main.
package webtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/sandbox"
	"linkdesk/server"
	"linkdesk/store"
	"linkdesk/store/pgtest"
)

// App is a running dashboard.
type App struct {
	URL string
	// Server is the assembled app; Core its core and Store its database.
	Server *server.Server
	Core   *app.App
	Store  *store.DB
	// Craftgate and Paywall are clients of the same upstreams the app uses,
	// for tests that seed or inspect provider data directly.
	Craftgate *craftclient.Craftgate
	Paywall   *craftclient.Paywall
	// Logs holds everything the server logged, for "no secret in logs" checks.
	Logs *SyncBuffer
	// SessionSecret signs and encrypts the app's cookies.
	SessionSecret []byte
}

// Options change how the app is wired.
type Options struct {
	// CraftgateURL points Craftgate calls elsewhere (a fault-injecting
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
	// Clock is the core's and the database's clock (nil is time.Now), so
	// a test can move past the payment timeout or a session's end; the
	// reconciler's loop does not run, tests call Core.Payments.ReconcileOnce.
	Clock func() time.Time
	// CallbackURL replaces the app's URL in the callback URLs given to
	// Paywall; an unreachable one makes callbacks get lost.
	CallbackURL string
	// SyncInterval is the time between sales catch-ups, for a test that
	// runs the loop itself (Core.Sales.Run); the app does not start it.
	SyncInterval time.Duration
	// MetricsToken serves /metrics to its bearer.
	MetricsToken string
	// TrustedProxies are the proxies whose X-Forwarded-For the app reads.
	TrustedProxies []*net.IPNet
	// Imports runs the import workers with this configuration while the
	// test lasts (nil runs none: tests call Core.Imports.Step).
	Imports *app.ImportsConfig
	// PublicURL is how browsers reach the app (LINKDESK_PUBLIC_URL);
	// empty is the test server's own URL. An https one turns on secure
	// cookies and HSTS.
	PublicURL string
	// Engine is the database: EngineSQLite (the default) or
	// EnginePostgres, a new database on the test server (pgtest).
	Engine string
	// Database is a postgres:// URL to use instead (a test's own server).
	Database string
}

// The engines a test can run on (Options.Engine).
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Engines lists every engine, for tests that run on each.
var Engines = []string{EngineSQLite, EnginePostgres}

// Merchant is the test shop's name, as pages and print sheets show it.
const Merchant = "Test Mağaza"

// SandboxHashKey signs the sandbox's Paywall callbacks in tests.
const SandboxHashKey = "test-hash-key"

// New starts an app that stops when the test ends.
func New(tb testing.TB, opts Options) *App {
	tb.Helper()
	logs := &SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	timeout := opts.ClientTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	cfg := server.Config{
		DataDir:        tb.TempDir(),
		SelfURL:        base,
		PublicURL:      opts.PublicURL,
		TrustedProxies: opts.TrustedProxies,
		MetricsToken:   opts.MetricsToken,
		Merchant:       Merchant,
		SessionSecrets: [][]byte{secret},
		Paywall:        server.Paywall{HashKey: SandboxHashKey},
		SearchTTL:      opts.ListCacheTTL,
		CallbackURL:    opts.CallbackURL,
		SyncInterval:   opts.SyncInterval,
		Now:            opts.Clock,
		SandboxNow:     opts.Now,
		ClientTimeout:  timeout,
		Log:            log,
	}
	cfg.CraftgateVia, cfg.PaywallVia = opts.CraftgateURL, opts.PaywallURL
	cfg.Database = opts.Database
	if opts.Engine == EnginePostgres && cfg.Database == "" {
		cfg.Database = pgtest.URL(tb)
	}
	if opts.Imports != nil {
		cfg.Imports = *opts.Imports
	}
	s, err := server.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("assemble the app: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	cgURL, pwURL := opts.CraftgateURL, opts.PaywallURL
	if cgURL == "" {
		cgURL = base + "/sandbox/craftgate"
	}
	if pwURL == "" {
		pwURL = base + "/sandbox/paywall"
	}
	hc := &http.Client{Timeout: timeout}
	a := &App{
		URL: base, Server: s, Core: s.App, Store: s.Store, Logs: logs, SessionSecret: secret,
		Craftgate: craftclient.NewCraftgate(cgURL, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, craftclient.WithHTTPClient(hc)),
		Paywall:   craftclient.NewPaywall(pwURL, sandbox.PaywallPublicKey, sandbox.PaywallPublicClient, craftclient.WithHTTPClient(hc)),
	}
	srv.Config.Handler = s.Handler
	srv.Start()
	tb.Cleanup(srv.Close)
	if opts.Imports != nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.App.Imports.Run(ctx)
		}()
		tb.Cleanup(func() { cancel(); <-done })
	}
	return a
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
func (a *App) CreateUser(tb testing.TB, email string, role app.Role, password string) *app.User {
	tb.Helper()
	hash, err := app.HashPassword(password)
	if err != nil {
		tb.Fatal(err)
	}
	u := &app.User{Email: email, Name: strings.Split(email, "@")[0], Role: role, PasswordHash: hash}
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

// As returns a client signed in as u, so tests need not go through the
// sign-in form.
func (a *App) As(tb testing.TB, u *app.User) *Client {
	tb.Helper()
	c := a.Anonymous(tb)
	base, _ := url.Parse(a.URL)
	c.Jar.SetCookies(base, []*http.Cookie{a.SessionCookie(tb, u)})
	return c
}

// SessionCookie opens a session for u and returns the sign-in cookie the
// server would have set; browser tests set it with network.SetCookie.
func (a *App) SessionCookie(tb testing.TB, u *app.User) *http.Cookie {
	tb.Helper()
	ck, err := a.Server.SignIn(context.Background(), u)
	if err != nil {
		tb.Fatalf("sign in %s: %v", u.Email, err)
	}
	return ck
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
