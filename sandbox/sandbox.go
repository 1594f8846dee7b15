// Package sandbox is an embedded emulator of Craftgate Craftlink (payment links) and
// Paywall APM QR payments. It speaks the same HTTP wire protocol as the real services,
// so real clients, ours and the official ones, talk to it unmodified over HTTP.
//
// Everything is served under Prefix: the Craftgate API and hosted payment pages under
// /sandbox/craftgate, the Paywall API and a wallet simulator under /sandbox/paywall.
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
	if err := migrate(ctx, cfg.DB); err != nil {
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
	s.handler = s.routes()
	return s, nil
}

// Handler serves full paths under /sandbox/craftgate/... and /sandbox/paywall/...
func (s *Sandbox) Handler() http.Handler { return s.handler }

func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()

	// Craftgate API: method dispatch happens inside, so a wrong method still gets the
	// Craftgate error envelope instead of the mux's plain-text 405.
	mux.Handle(craftgatePrefix+"/craftlink/v1/products", s.craftgateAPI(s.products))
	mux.Handle(craftgatePrefix+"/craftlink/v1/products/{id}", s.craftgateAPI(s.product))
	mux.HandleFunc("GET "+craftgatePrefix+"/pay/{token}", s.linkPage)
	mux.HandleFunc("POST "+craftgatePrefix+"/pay/{token}", s.payLink)
	mux.HandleFunc("GET "+craftgatePrefix+"/pay/{token}/qr", s.linkQR)
	mux.HandleFunc(craftgatePrefix+"/", s.craftgateNotFound)

	mux.Handle(paywallPrefix+"/api/", s.paywallAPI(s.paywallEndpoints()))
	mux.HandleFunc("GET "+paywallPrefix+"/wallet/{uniqueCode}", s.walletPage)
	mux.HandleFunc("POST "+paywallPrefix+"/wallet/{uniqueCode}/pay", s.walletPay)
	mux.HandleFunc("POST "+paywallPrefix+"/wallet/{uniqueCode}/decline", s.walletDecline)
	mux.HandleFunc("GET "+paywallPrefix+"/logo/{file}", s.providerLogo)
	mux.HandleFunc(paywallPrefix+"/", s.paywallNotFound)
	return s.noRedirects(mux)
}

// noRedirects answers paths ServeMux would redirect ("//", "/./", a subtree root without
// its slash) with the service's 404 envelope: clients treat any 3xx as an error, and a
// misconfigured base URL should say "not found", not send them elsewhere.
func (s *Sandbox) noRedirects(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if clean == p && p != craftgatePrefix && p != paywallPrefix && p != paywallPrefix+"/api" {
			mux.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(clean, paywallPrefix) {
			s.paywallNotFound(w, r)
			return
		}
		s.craftgateNotFound(w, r)
	})
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
