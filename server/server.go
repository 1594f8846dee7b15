// Package server assembles Linkdesk from its configuration: the store, the
// provider clients (or the embedded sandbox), the core and the web server.
// It is the one constructor the linkdesk command, bench/server and the test
// harness all use, so what is measured and tested is what runs.
package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/metrics"
	"linkdesk/providers"
	"linkdesk/sandbox"
	"linkdesk/store"
	"linkdesk/web"
)

// Config is everything Linkdesk is built from. main fills it from flags and
// the environment; tests and benchmarks fill it directly.
type Config struct {
	// DataDir holds linkdesk.db (and sandbox.db in sandbox mode).
	DataDir string
	// Database is a postgres:// URL; empty is SQLite in DataDir.
	Database string
	// Instance names this process among those sharing the database (the
	// owner of its payment leases); empty is a random name.
	Instance string
	// SelfURL is how this process reaches its own listener (the embedded
	// sandbox's API is called through it).
	SelfURL string
	// PublicURL is how browsers, phones and providers reach Linkdesk;
	// empty means SelfURL.
	PublicURL string
	// Merchant is the shop's name on pages and print sheets.
	Merchant string
	// SessionSecrets sign and encrypt cookies; empty means one generated
	// at first start and kept in the database.
	SessionSecrets [][]byte

	Craftgate Craftgate
	Paywall   Paywall

	// PaymentTimeout expires a QR payment still unpaid after it; 0 is the
	// default.
	PaymentTimeout time.Duration
	// Location is the shop's time zone, where days begin (the overview,
	// date filters, times on pages); nil is app.DefaultLocation(), the
	// zone the core takes too, never the host's.
	Location *time.Location
	// SyncInterval is the time between sales catch-ups; 0 is the default.
	SyncInterval time.Duration
	// Imports tunes the spreadsheet import's workers; zero takes defaults.
	Imports app.ImportsConfig
	// SearchTTL keeps identical link searches; zero keeps none.
	SearchTTL time.Duration
	// CallbackURL replaces PublicURL in the callback URLs given to
	// Paywall and the webhook URL given to the Craftgate sandbox (tests
	// make callbacks and webhooks get lost with it).
	CallbackURL string
	// Now is the core's and the store's clock; nil is time.Now.
	Now func() time.Time
	// SandboxNow is the emulated providers' clock; nil is time.Now.
	SandboxNow func() time.Time
	// ClientTimeout bounds every provider call; 0 is craftclient's default.
	ClientTimeout time.Duration
	// MetricsToken turns on /metrics for requests bearing it; MetricsOn
	// turns the metrics on without it (main serves them on a listener of
	// their own).
	MetricsToken string
	MetricsOn    bool
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the
	// client (LINKDESK_TRUSTED_PROXIES); empty trusts none.
	TrustedProxies []*net.IPNet
	// CraftgateVia and PaywallVia send the calls to an emulated API
	// through another URL (tests put a fault-injecting proxy there).
	CraftgateVia, PaywallVia string

	Log *slog.Logger
}

// Craftgate holds Craftgate's credentials; an empty APIKey means sandbox.
type Craftgate struct {
	BaseURL, APIKey, SecretKey string
	// WebhookKey verifies webhooks; empty in sandbox mode means the
	// sandbox's own key, so the check runs out of the box.
	WebhookKey string
}

// craftgateZone is where live Craftgate's wall-clock dates are: it is a
// Turkish service and documents no zone (an assumption, like the
// sandbox's UTC, which its README states).
const craftgateZone = "Europe/Istanbul"

// Paywall holds Paywall's credentials; an empty PublicKey means sandbox.
type Paywall struct {
	BaseURL, PublicKey, PublicClient string
	// HashKey verifies callback hashes; empty in sandbox mode means the
	// sandbox's own key, so the check runs out of the box.
	HashKey string
}

// Well-known keys of sandbox mode: SandboxHashKey signs the sandbox's
// Paywall callbacks when no PAYWALL_HASH_KEY is set, SandboxWebhookKey its
// Craftgate webhooks when no CRAFTGATE_WEBHOOK_KEY is.
const (
	SandboxHashKey    = "sandbox-hash-key"
	SandboxWebhookKey = "sandbox-webhook-key"
)

// Server is an assembled Linkdesk.
type Server struct {
	// Handler serves every page, the providers' callbacks and, in sandbox
	// mode, the emulated providers.
	Handler http.Handler
	App     *app.App
	Store   *store.DB
	// Upstreams says for each API whether it is "sandbox" or "live".
	Upstreams map[string]string
	// Metrics are the Prometheus collectors, when turned on; nil otherwise.
	Metrics *metrics.Metrics

	secrets [][]byte
	secure  bool // cookies are for https
	closers []func() error
}

// New opens the store and builds everything on it. Close releases it.
func New(ctx context.Context, cfg Config) (_ *Server, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = cfg.SelfURL
	}
	if cfg.CallbackURL == "" {
		cfg.CallbackURL = cfg.PublicURL
	}
	if cfg.Location == nil {
		cfg.Location = app.DefaultLocation()
	}
	s := &Server{Upstreams: map[string]string{"craftgate": "live", "paywall": "live"}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	db, err := store.OpenDatabase(ctx, cfg.Database, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	db.Now = cfg.Now
	s.Store = db
	s.closers = append(s.closers, db.Close)

	sb, err := s.providersOf(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	var observer app.Observer
	if cfg.MetricsOn || cfg.MetricsToken != "" {
		s.Metrics = metrics.New(s.paymentCounts)
		observer = s.Metrics
	}
	cg := craftclient.NewCraftgate(cfg.Craftgate.BaseURL, cfg.Craftgate.APIKey, cfg.Craftgate.SecretKey,
		craftclient.WithHTTPClient(s.client("craftgate", cfg.ClientTimeout)), craftclient.WithLogger(cfg.Log.With("component", "craftgate")))
	pw := craftclient.NewPaywall(cfg.Paywall.BaseURL, cfg.Paywall.PublicKey, cfg.Paywall.PublicClient,
		craftclient.WithHTTPClient(s.client("paywall", cfg.ClientTimeout)), craftclient.WithLogger(cfg.Log.With("component", "paywall")))
	if cfg.Paywall.HashKey == "" {
		cfg.Log.Warn("PAYWALL_HASH_KEY is not set: Paywall callback hashes are not checked (results are still confirmed with Paywall)")
	}
	if cfg.Craftgate.WebhookKey == "" {
		cfg.Log.Warn("CRAFTGATE_WEBHOOK_KEY is not set: Craftgate webhooks are refused; link payments arrive by the catch-up only")
	}
	zone := time.UTC // the sandbox's dates are UTC
	if s.Upstreams["craftgate"] == "live" {
		if zone, err = time.LoadLocation(craftgateZone); err != nil {
			return nil, fmt.Errorf("craftgate's time zone: %w", err)
		}
	}
	s.App = app.New(app.Config{
		Store:          db,
		Links:          providers.NewLinks(cg),
		Payments:       providers.NewPayments(pw, cfg.Paywall.HashKey),
		Sales:          providers.NewSales(cg, cfg.Craftgate.WebhookKey, zone),
		PaymentsConfig: app.PaymentsConfig{CallbackURLs: web.CallbackURLs(cfg.CallbackURL), Timeout: cfg.PaymentTimeout},
		SalesConfig:    app.SalesConfig{SyncInterval: cfg.SyncInterval},
		ImportsConfig:  cfg.Imports,
		Location:       cfg.Location,
		SearchTTL:      cfg.SearchTTL,
		Now:            cfg.Now,
		Log:            cfg.Log,
		Observer:       observer,
		Instance:       cfg.Instance,
		Changes:        db,
	})
	if s.secrets, err = SessionSecrets(ctx, s.App, cfg.SessionSecrets); err != nil {
		return nil, err
	}
	if err := s.App.Sales.Prepare(ctx); err != nil {
		return nil, fmt.Errorf("sales days in %s: %w", cfg.Location, err)
	}
	wc := web.Config{
		Site:            handlers.Site{Merchant: cfg.Merchant, Sandbox: sb != nil},
		PublicURL:       cfg.PublicURL,
		Location:        cfg.Location,
		SessionKeys:     cookieKeys(s.secrets),
		Upstreams:       s.Upstreams,
		Sandbox:         sb,
		SandboxPrefixes: sandbox.APIPrefixes(),
		TrustedProxies:  cfg.TrustedProxies,
		Log:             cfg.Log,
		Metrics:         s.Metrics,
		MetricsToken:    cfg.MetricsToken,
	}
	s.secure = wc.SecureCookies()
	s.Handler = web.New(wc, s.App)
	return s, nil
}

// providersOf points each API without credentials at the embedded sandbox,
// mounted on this server under /sandbox/<api> with its well-known keys, and
// returns the sandbox's handler (nil when both APIs are live). An API whose
// credentials are set never gets an emulator answering in its name.
func (s *Server) providersOf(ctx context.Context, cfg *Config) (http.Handler, error) {
	cgLive, pwLive := cfg.Craftgate.APIKey != "", cfg.Paywall.PublicKey != ""
	if cgLive && pwLive {
		return nil, nil
	}
	hashKey := cfg.Paywall.HashKey
	if !pwLive && hashKey == "" {
		hashKey = SandboxHashKey
		cfg.Paywall.HashKey = hashKey
	}
	sc := sandbox.Config{PublicURL: cfg.PublicURL, Logger: cfg.Log, PaywallHashKey: hashKey, Now: cfg.SandboxNow}
	if !cgLive {
		// The emulated Craftgate posts its webhooks to this Linkdesk.
		if cfg.Craftgate.WebhookKey == "" {
			cfg.Craftgate.WebhookKey = SandboxWebhookKey
		}
		sc.CraftgateWebhookURL, sc.CraftgateWebhookKey = web.CraftgateWebhookURL(cfg.CallbackURL), cfg.Craftgate.WebhookKey
	}
	sdb, err := store.OpenSQLite(filepath.Join(cfg.DataDir, "sandbox.db"))
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, sdb.Close)
	sc.DB = sdb
	sb, err := sandbox.New(ctx, sc)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, sb.Close)
	if !cgLive {
		s.Upstreams["craftgate"] = "sandbox"
		cfg.Craftgate = Craftgate{BaseURL: or(cfg.CraftgateVia, cfg.SelfURL+"/sandbox/craftgate"),
			APIKey: sandbox.CraftgateAPIKey, SecretKey: sandbox.CraftgateSecretKey, WebhookKey: cfg.Craftgate.WebhookKey}
	}
	if !pwLive {
		s.Upstreams["paywall"] = "sandbox"
		cfg.Paywall = Paywall{BaseURL: or(cfg.PaywallVia, cfg.SelfURL+"/sandbox/paywall"), PublicKey: sandbox.PaywallPublicKey,
			PublicClient: sandbox.PaywallPublicClient, HashKey: hashKey}
	}
	cfg.Log.Info("no credentials for some providers: serving the embedded sandbox at "+cfg.PublicURL+"/sandbox/",
		"craftgate", s.Upstreams["craftgate"], "paywall", s.Upstreams["paywall"])
	return liveless(sb.Handler(), s.Upstreams), nil
}

// client is the HTTP client of one provider's calls: bounded by timeout
// (craftclient's default when 0), measured when metrics are on.
func (s *Server) client(provider string, timeout time.Duration) *http.Client {
	if timeout == 0 {
		timeout = craftclient.DefaultTimeout
	}
	c := &http.Client{Timeout: timeout}
	if s.Metrics != nil {
		c.Transport = s.Metrics.Transport(provider, nil)
	}
	return c
}

// paymentCounts is what the metrics ask of the database at each scrape.
func (s *Server) paymentCounts(ctx context.Context) (map[string]int, error) {
	counts, err := s.App.Payments.CountByStatus(ctx)
	out := make(map[string]int, len(counts))
	for status, n := range counts {
		out[string(status)] = n
	}
	return out, err
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}

// liveless serves the emulator of the APIs upstreams marks "sandbox" and
// answers 404 for a live one, under /sandbox/<api> and its real paths.
func liveless(sb http.Handler, upstreams map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if upstreams[apiOf(r.URL.Path)] == "live" {
			http.NotFound(w, r)
			return
		}
		sb.ServeHTTP(w, r)
	})
}

// apiOf names the API an emulator path belongs to.
func apiOf(path string) string {
	for _, api := range []string{"craftgate", "paywall"} {
		if strings.HasPrefix(path, "/sandbox/"+api) {
			return api
		}
	}
	for _, p := range sandbox.CraftgateAPIPrefixes() {
		if strings.HasPrefix(path, p) {
			return "craftgate"
		}
	}
	return "paywall"
}

// SessionSecrets returns the secrets cookies are signed with: the
// configured ones (so several instances share them), or one generated at
// first start and kept in the database.
func SessionSecrets(ctx context.Context, core *app.App, configured [][]byte) ([][]byte, error) {
	if len(configured) > 0 {
		return configured, nil
	}
	v, err := core.Setting(ctx, "session_key", func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	})
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	k, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("session key in the database is not hex: %w", err)
	}
	return [][]byte{k}, nil
}

// cookieKeys turns each secret into a signing and an encryption key.
func cookieKeys(secrets [][]byte) [][]byte {
	var pairs [][]byte
	for _, secret := range secrets {
		enc := sha256.Sum256(append([]byte("linkdesk-cookie-encryption:"), secret...))
		pairs = append(pairs, secret, enc[:])
	}
	return pairs
}

// SessionCookie is the sign-in cookie carrying a session token, encoded
// with secrets as the server sets it on a site reached over https (secure)
// or plain http: for tests and benchmarks, which sign in without the form.
func SessionCookie(secrets [][]byte, secure bool, token string) (*http.Cookie, error) {
	cookies := sessions.NewCookieStore(cookieKeys(secrets)...)
	cookies.Options.Secure = secure
	name := handlers.CookiesFor(secure).Session
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	sess, _ := cookies.New(req, name)
	sess.Values = map[any]any{"token": token}
	if err := sess.Save(req, rec); err != nil {
		return nil, err
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == name {
			return ck, nil
		}
	}
	return nil, errors.New("server: no session cookie minted")
}

// Run does the background work (the payment reconciler, the sales
// catch-up, the import workers, session pruning) until ctx is done.
func (s *Server) Run(ctx context.Context) { s.App.Run(ctx) }

// Close releases the databases.
func (s *Server) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// SignIn opens a session for u and returns the cookie a browser would hold
// after signing in.
func (s *Server) SignIn(ctx context.Context, u *app.User) (*http.Cookie, error) {
	token, err := s.App.Users.StartSession(ctx, u, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	return SessionCookie(s.secrets, s.secure, token)
}
