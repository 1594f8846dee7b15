// Package sandbox is an embedded emulator of Craftgate Craftlink (payment links) and
// Paywall APM QR payments. It speaks the same HTTP wire protocol as the real services,
// so real clients, ours and the official ones, talk to it unmodified over HTTP.
//
// Handler serves every API twice. Under Prefix: the Craftgate API and hosted payment
// pages under /sandbox/craftgate, the Paywall API and a wallet simulator under
// /sandbox/paywall, so a client's base URL can name the emulator. And at the real APIs'
// own paths, listed by APIPrefixes (/craftlink/v1/…, /api/paywall/…), because some
// official clients, such as Craftgate's Go client, resolve API paths against the host
// root and drop any path in their base URL. A dashboard mounts Handler at Prefix+"/"
// and at each of APIPrefixes; every path under an API prefix answers in that
// provider's JSON envelope, never HTML and never a redirect.
//
// Craftgate link payments taken on the hosted page are reported through payment
// reporting, refunded through the refund API, and announced to
// Config.CraftgateWebhookURL by webhooks delivered in the background; Close stops that
// delivery.
//
// To run the emulators alone, so that several dashboards share one provider, serve
// Handler on its own listener and set Config.PublicURL to that listener's origin: every
// URL the sandbox hands out (link url and qrCodeUrl, wallet QR content, logos) then
// points at the sandbox itself, whatever host name a dashboard used to reach it.
//
// State lives in sandbox_ tables of the caller's SQLite database. README.md lists every
// behaviour the public documentation leaves open and what the sandbox chose.
package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Credentials the sandbox accepts, and the path prefix it serves under.
const (
	CraftgateAPIKey     = "sandbox-api-key"
	CraftgateSecretKey  = "sandbox-secret-key"
	PaywallPublicKey    = "sandbox-public-key"
	PaywallPublicClient = "sandbox-public-client"
	Prefix              = "/sandbox" // everything is served under it
)

const (
	craftgatePrefix = Prefix + "/craftgate"
	paywallPrefix   = Prefix + "/paywall"

	// paywallAPIRoot is where the Paywall API's own paths start, on its real host and
	// under paywallPrefix.
	paywallAPIRoot = "/api/paywall/"

	// maxBodyBytes bounds request bodies; real payloads are a few hundred bytes.
	maxBodyBytes = 1 << 20

	// dbTimeLayout is fixed-width so that stored UTC times compare correctly as text.
	dbTimeLayout = "2006-01-02T15:04:05.000000"
)

// Config configures a Sandbox.
type Config struct {
	// DB is opened by the caller. The sandbox creates its own tables (prefix sandbox_)
	// with an embedded, versioned schema tracked in sandbox_schema_version. Open it with
	// a busy_timeout so concurrent writers wait instead of failing with SQLITE_BUSY.
	DB *sql.DB
	// PublicURL is scheme://host[:port] of the server the sandbox is mounted on, used for
	// link and wallet URLs it hands out; empty means scheme://Host of each request.
	PublicURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient sends Paywall callbacks; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger receives state changes and internal errors; nil discards.
	Logger *slog.Logger
	// PaywallHashKey, when set, makes callbacks carry a `hash` field.
	PaywallHashKey string
	// CraftgateWebhookURL receives a Craftgate webhook after each link payment and
	// refund (the dashboard's /callbacks/craftgate); empty sends none.
	CraftgateWebhookURL string
	// CraftgateWebhookKey signs webhooks in the x-cg-signature-v1 header; empty sends
	// them unsigned.
	CraftgateWebhookKey string
	// CraftgateWebhookRetryDelays are the waits before each retry of a webhook the
	// merchant did not answer with 2xx; nil means 1s, 2s, 4s, 8s, 16s (six attempts).
	CraftgateWebhookRetryDelays []time.Duration
}

// Sandbox serves the emulated APIs. It is safe for concurrent use.
type Sandbox struct {
	db         *sql.DB
	publicURL  string
	now        func() time.Time
	httpClient *http.Client
	log        *slog.Logger
	hashKey    string
	pages      *pages
	hooks      *webhooks
	search     searchCache
	handler    http.Handler
}

// New migrates the sandbox tables in cfg.DB and returns a ready Sandbox.
func New(ctx context.Context, cfg Config) (*Sandbox, error) {
	if cfg.DB == nil {
		return nil, errors.New("sandbox: new: Config.DB is nil")
	}
	publicURL, err := normalizePublicURL(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("sandbox: new: %w", err)
	}
	if cfg.CraftgateWebhookURL != "" && !absoluteHTTPURL(cfg.CraftgateWebhookURL) {
		return nil, fmt.Errorf("sandbox: new: CraftgateWebhookURL %q: want an absolute http(s) URL", cfg.CraftgateWebhookURL)
	}
	if err := migrate(ctx, cfg.DB, schemaFS); err != nil {
		return nil, fmt.Errorf("sandbox: new: %w", err)
	}
	p, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("sandbox: new: %w", err)
	}
	s := &Sandbox{
		db:         cfg.DB,
		publicURL:  publicURL,
		now:        cfg.Now,
		httpClient: cfg.HTTPClient,
		log:        cfg.Logger,
		hashKey:    cfg.PaywallHashKey,
		pages:      p,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.httpClient == nil {
		s.httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "sandbox")
	s.hooks = newWebhooks(cfg, s.httpClient, s.now, s.log)
	s.handler = s.routes()
	if err := s.hooks.resume(ctx); err != nil {
		s.hooks.close()
		return nil, fmt.Errorf("sandbox: new: %w", err)
	}
	return s, nil
}

// Close stops background work, the delivery of Craftgate webhooks, and waits for it to
// return. Webhooks not yet delivered, and any fired after Close, stay pending in the
// database; the next New on it delivers them. Close always returns nil.
func (s *Sandbox) Close() error {
	s.hooks.close()
	return nil
}

// craftgateAPIRoots are the Craftgate APIs' own path prefixes.
var craftgateAPIRoots = []string{"/craftlink/v1/", "/payment-reporting/v1/", "/payment/v1/"}

// APIPrefixes lists the root path prefixes, each ending in "/", under which Handler
// answers at the real APIs' own paths. Mount Handler at each of them and at Prefix+"/".
func APIPrefixes() []string {
	return append(CraftgateAPIPrefixes(), paywallAPIRoot)
}

// CraftgateAPIPrefixes are the APIPrefixes of Craftgate; the rest is Paywall's.
func CraftgateAPIPrefixes() []string { return slices.Clone(craftgateAPIRoots) }

// Handler serves the paths under Prefix and under each of APIPrefixes.
func (s *Sandbox) Handler() http.Handler { return s.handler }

func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	// bare lists the subtree roots without their slash, which ServeMux would redirect.
	bare := []string{craftgatePrefix, paywallPrefix}
	subtree := func(pattern string, h http.Handler) {
		mux.Handle(pattern, h)
		bare = append(bare, strings.TrimSuffix(pattern, "/"))
	}

	// Craftgate API, at the real paths and under craftgatePrefix. Method dispatch happens
	// inside, so a wrong method still gets the Craftgate error envelope instead of the
	// mux's plain-text 405.
	for _, base := range []string{"", craftgatePrefix} {
		mux.Handle(base+"/craftlink/v1/products", s.craftgateAPI(s.products))
		mux.Handle(base+"/craftlink/v1/products/{id}", s.craftgateAPI(s.product))
		mux.Handle(base+"/payment-reporting/v1/payments", s.craftgateAPI(s.reportPayments))
		mux.Handle(base+"/payment-reporting/v1/payments/{id}", s.craftgateAPI(s.reportPayment))
		mux.Handle(base+"/payment-reporting/v1/payments/{id}/refunds", s.craftgateAPI(s.reportPaymentRefunds))
		mux.Handle(base+"/payment/v1/refunds", s.craftgateAPI(s.refunds))
		mux.Handle(base+"/payment/v1/refunds/{id}", s.craftgateAPI(s.refundByID))
	}
	for _, root := range craftgateAPIRoots {
		subtree(root, http.HandlerFunc(s.craftgateNotFound))
	}
	mux.HandleFunc("GET "+craftgatePrefix+"/pay/{token}", s.linkPage)
	mux.HandleFunc("POST "+craftgatePrefix+"/pay/{token}", s.payLink)
	mux.HandleFunc("GET "+craftgatePrefix+"/pay/{token}/qr", s.linkQR)
	mux.HandleFunc(craftgatePrefix+"/", s.craftgateNotFound)

	paywall := s.paywallAPI(s.paywallEndpoints())
	subtree(paywallAPIRoot, paywall)
	subtree(paywallPrefix+"/api/", paywall)
	mux.HandleFunc("GET "+paywallPrefix+"/wallet/{uniqueCode}", s.walletPage)
	mux.HandleFunc("POST "+paywallPrefix+"/wallet/{uniqueCode}/pay", s.walletPay)
	mux.HandleFunc("POST "+paywallPrefix+"/wallet/{uniqueCode}/decline", s.walletDecline)
	mux.HandleFunc("GET "+paywallPrefix+"/logo/{file}", s.providerLogo)
	mux.HandleFunc(paywallPrefix+"/", s.paywallNotFound)
	return s.noRedirects(mux, bare)
}

// noRedirects answers paths ServeMux would redirect ("//", "/./", a subtree root without
// its slash) with the service's 404 envelope: clients treat any 3xx as an error, and a
// misconfigured base URL should say "not found", not send them elsewhere.
func (s *Sandbox) noRedirects(mux *http.ServeMux, bare []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if clean == p && !slices.Contains(bare, p) {
			mux.ServeHTTP(w, r)
			return
		}
		if isPaywallPath(clean) {
			s.paywallNotFound(w, r)
			return
		}
		s.craftgateNotFound(w, r)
	})
}

// isPaywallPath reports whether p belongs to the Paywall side of the sandbox.
func isPaywallPath(p string) bool {
	return p == paywallPrefix || strings.HasPrefix(p, paywallPrefix+"/") ||
		p+"/" == paywallAPIRoot || strings.HasPrefix(p, paywallAPIRoot)
}

func normalizePublicURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("PublicURL %q: want scheme://host[:port]", raw)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("PublicURL %q: want no path, query or fragment", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// requestBase is the scheme://host the request was addressed to.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// baseURL is where links and wallet pages handed out in answer to r point.
func (s *Sandbox) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	return requestBase(r)
}

func (s *Sandbox) nowUTC() time.Time { return s.now().UTC() }

// readBody reads at most maxBodyBytes; larger bodies fail with *http.MaxBytesError.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// lang is the language of human-readable texts in responses.
type lang int

const (
	langTR lang = iota // Turkish is the default of both services
	langEN
)

func parseLang(v string) lang {
	if strings.EqualFold(strings.TrimSpace(v), "en") {
		return langEN
	}
	return langTR
}

// text is a message in both languages the sandbox speaks.
type text struct{ tr, en string }

func (t text) in(l lang) string {
	if l == langEN {
		return t.en
	}
	return t.tr
}

// rowQuerier reads one row inside or outside a transaction: *sql.DB and *sql.Tx both fit.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
