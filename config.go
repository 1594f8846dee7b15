package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"linkdesk/app"
	"linkdesk/server"
	"linkdesk/store"
)

// Secret is a credential. It never prints: logs and error messages show
// "[redacted]" instead.
type Secret string

func (Secret) String() string                 { return "[redacted]" }
func (Secret) LogValue() slog.Value           { return slog.StringValue("[redacted]") }
func (s Secret) Reveal() string               { return string(s) }
func (s Secret) GoString() string             { return s.String() }
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Default upstream addresses, used when credentials are given without a base
// URL. They are the providers' production hosts: test credentials belong
// with the test hosts, set explicitly (see README).
const (
	defaultCraftgateURL = "https://api.craftgate.io"
	defaultPaywallURL   = "https://payment-api.itspaywall.com"
)

// Config is everything the server reads at start-up.
type Config struct {
	Addr    string
	DataDir string
	// Database is a postgres:// URL, or empty for SQLite in DataDir.
	Database Secret
	// Instance names this process among those sharing a PostgreSQL
	// database (LINKDESK_INSTANCE; default host name and -addr port).
	Instance string
	LogJSON  bool
	HTTP     HTTPConfig
	Merchant string
	// MetricsAddr serves /metrics on a listener of its own, with no token.
	MetricsAddr string
	// MetricsToken serves /metrics on the main listener to its bearer.
	MetricsToken Secret
	// Demo seeds the sandbox with a demo shop before serving (-demo).
	Demo bool

	Craftgate CraftgateConfig
	Paywall   PaywallConfig
	Payments  PaymentsConfig
	Sales     SalesConfig
	Imports   ImportsConfig
}

// HTTPConfig is about how people and providers reach us.
type HTTPConfig struct {
	PublicURL      string       // empty = http://<addr>
	SessionKeys    [][]byte     // empty = generated once and kept in the store
	TrustedProxies []*net.IPNet // empty = X-Forwarded-For is never read
}

// CraftgateConfig holds Craftgate credentials; empty keys mean sandbox.
type CraftgateConfig struct {
	BaseURL   string
	APIKey    Secret
	SecretKey Secret
	// WebhookKey verifies Craftgate's webhooks (x-cg-signature-v1); in
	// sandbox mode the sandbox's own key when empty.
	WebhookKey Secret
}

// Live reports whether real credentials are set.
func (c CraftgateConfig) Live() bool { return c.APIKey != "" }

// PaywallConfig holds Paywall credentials; empty keys mean sandbox.
type PaywallConfig struct {
	BaseURL      string
	PublicKey    Secret
	PublicClient Secret
	HashKey      Secret // verifies callback hashes when set
}

// Live reports whether real credentials are set.
func (c PaywallConfig) Live() bool { return c.PublicKey != "" }

// ImportsConfig tunes the spreadsheet import's workers (#15).
type ImportsConfig struct {
	Workers int           // rows sent to Craftgate at once
	Lease   time.Duration // how long before another instance takes over a dead one's rows
}

// PaymentsConfig tunes QR payments.
type PaymentsConfig struct {
	Timeout time.Duration // a pending payment older than this expires
}

// SalesConfig tunes the sales pages and their catch-up.
type SalesConfig struct {
	// Location is the shop's time zone: days begin at its midnight.
	Location *time.Location
	// SyncInterval is the time between catch-ups through Craftgate's
	// payment reporting.
	SyncInterval time.Duration
}

// Defaults of the sales settings.
const (
	defaultTimeZone   = "Europe/Istanbul"
	minSyncInterval   = 10 * time.Second
	syncIntervalUsage = "LINKDESK_SALES_SYNC_INTERVAL must be a duration of at least 10s, such as 2m"
)

// configError is a configuration mistake: main prints it as one line and
// exits with status 2.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

const serveUsage = `usage:
  linkdesk [-addr HOST:PORT] [-data DIR] [-database URL]   serve the dashboard
  linkdesk user …                          manage staff accounts (linkdesk user -h)
  linkdesk sandbox …                       run the provider emulators alone (linkdesk sandbox -h)
  linkdesk backup -to FILE                 copy the SQLite database while the server runs
  linkdesk migrate-to -database URL        copy this SQLite deployment into PostgreSQL
  linkdesk demo                            fill the sandbox with a demo shop (linkdesk demo -h)

Every other setting is an environment variable; README.md lists them.

flags:`

// parseFlags parses args into fs without letting the flag package print.
// Asked for help (-h, -help) it prints usage and the flags to out and returns
// flag.ErrHelp, which run turns into exit status 0; any other mistake is a
// one-line configError naming the flag.
func parseFlags(fs *flag.FlagSet, args []string, usage string, out io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, usage)
		fs.SetOutput(out)
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		return configErrorf("%v (-h lists the flags)", err)
	}
	return nil
}

// defaultDataDir holds the SQLite files unless -data or LINKDESK_DATA says
// otherwise.
const defaultDataDir = "./data"

// envOr is getenv(key) without surrounding spaces, or def when that is empty.
func envOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// LoadConfig reads flags from args with environment fallbacks from getenv.
// Help (-h) goes to out and comes back as flag.ErrHelp.
func LoadConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	env := func(key, def string) string { return envOr(getenv, key, def) }
	fs := flag.NewFlagSet("linkdesk", flag.ContinueOnError)
	cfg := Config{}
	fs.StringVar(&cfg.Addr, "addr", env("LINKDESK_ADDR", "127.0.0.1:8080"), "listen address (LINKDESK_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("LINKDESK_DATA", defaultDataDir), "data directory for the SQLite files (LINKDESK_DATA)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", env("LINKDESK_METRICS_ADDR", ""), "serve Prometheus metrics on this address (LINKDESK_METRICS_ADDR)")
	fs.BoolVar(&cfg.Demo, "demo", false, "first fill the sandbox with a demo shop's links and payments (linkdesk demo -h)")
	database := databaseFlag(fs, getenv)
	if err := parseFlags(fs, args, serveUsage, out); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, configErrorf("unexpected argument %q (commands: user, sandbox, backup, migrate-to, demo)", fs.Arg(0))
	}
	var err error
	if cfg.Database, err = checkDatabase(*database); err != nil {
		return Config{}, err
	}
	if cfg.Instance, err = instanceName(getenv, cfg.Addr); err != nil {
		return Config{}, err
	}
	switch format := env("LINKDESK_LOG_FORMAT", "text"); format {
	case "text", "json":
		cfg.LogJSON = format == "json"
	default:
		return Config{}, configErrorf("LINKDESK_LOG_FORMAT %q must be text or json", format)
	}
	cfg.Merchant = env("LINKDESK_MERCHANT_NAME", "Linkdesk Demo Mağaza")
	cfg.MetricsToken = Secret(env("LINKDESK_METRICS_TOKEN", ""))
	cfg.HTTP.PublicURL = strings.TrimRight(env("LINKDESK_PUBLIC_URL", ""), "/")
	cfg.Craftgate = CraftgateConfig{
		BaseURL:    strings.TrimRight(env("CRAFTGATE_BASE_URL", ""), "/"),
		APIKey:     Secret(env("CRAFTGATE_API_KEY", "")),
		SecretKey:  Secret(env("CRAFTGATE_SECRET_KEY", "")),
		WebhookKey: Secret(env("CRAFTGATE_WEBHOOK_KEY", "")),
	}
	cfg.Paywall = PaywallConfig{
		BaseURL:      strings.TrimRight(env("PAYWALL_BASE_URL", ""), "/"),
		PublicKey:    Secret(env("PAYWALL_PUBLIC_KEY", "")),
		PublicClient: Secret(env("PAYWALL_PUBLIC_CLIENT", "")),
		HashKey:      Secret(env("PAYWALL_HASH_KEY", "")),
	}
	cfg.Payments.Timeout = app.DefaultPaymentTimeout
	if raw := env("LINKDESK_PAYMENT_TIMEOUT", ""); raw != "" {
		timeout, err := time.ParseDuration(raw)
		if err != nil || timeout < time.Minute {
			return Config{}, configErrorf("LINKDESK_PAYMENT_TIMEOUT must be a duration of at least 1m, such as 15m")
		}
		cfg.Payments.Timeout = timeout
	}
	if err := cfg.Sales.load(env); err != nil {
		return Config{}, err
	}
	imports, err := parseImports(env)
	if err != nil {
		return Config{}, err
	}
	cfg.Imports = imports
	keys, err := parseSessionKeys(getenv("LINKDESK_SESSION_KEYS"))
	if err != nil {
		return Config{}, err
	}
	cfg.HTTP.SessionKeys = keys
	if cfg.HTTP.TrustedProxies, err = parseProxies(getenv("LINKDESK_TRUSTED_PROXIES")); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// load reads the shop's time zone and the catch-up interval.
func (c *SalesConfig) load(env func(key, def string) string) error {
	name := env("LINKDESK_TIME_ZONE", defaultTimeZone)
	loc, err := time.LoadLocation(name)
	if err != nil {
		return configErrorf("LINKDESK_TIME_ZONE %q is not a time zone such as Europe/Istanbul", name)
	}
	c.Location, c.SyncInterval = loc, app.DefaultSyncInterval
	if raw := env("LINKDESK_SALES_SYNC_INTERVAL", ""); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < minSyncInterval {
			return configErrorf(syncIntervalUsage)
		}
		c.SyncInterval = d
	}
	return nil
}

// Validate fails on half-given or malformed settings, naming the variable.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return configErrorf("-addr/LINKDESK_ADDR %q is not host:port", c.Addr)
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && err != nil {
		return configErrorf("-metrics-addr/LINKDESK_METRICS_ADDR %q is not host:port", c.MetricsAddr)
	}
	if c.HTTP.PublicURL != "" {
		if err := checkURL("LINKDESK_PUBLIC_URL", c.HTTP.PublicURL); err != nil {
			return err
		}
	}
	if err := pairGiven("CRAFTGATE_API_KEY", string(c.Craftgate.APIKey), "CRAFTGATE_SECRET_KEY", string(c.Craftgate.SecretKey)); err != nil {
		return err
	}
	if err := pairGiven("PAYWALL_PUBLIC_KEY", string(c.Paywall.PublicKey), "PAYWALL_PUBLIC_CLIENT", string(c.Paywall.PublicClient)); err != nil {
		return err
	}
	if err := baseURLFor("CRAFTGATE", &c.Craftgate.BaseURL, c.Craftgate.Live(), defaultCraftgateURL); err != nil {
		return err
	}
	return baseURLFor("PAYWALL", &c.Paywall.BaseURL, c.Paywall.Live(), defaultPaywallURL)
}

func pairGiven(nameA, a, nameB, b string) error {
	if (a == "") != (b == "") {
		missing := nameA
		if b == "" {
			missing = nameB
		}
		return configErrorf("%s and %s go together: %s is missing", nameA, nameB, missing)
	}
	return nil
}

// baseURLFor checks an API's base URL: only meaningful with credentials
// (without them the embedded sandbox is used), defaulted when absent.
func baseURLFor(api string, base *string, live bool, def string) error {
	name := api + "_BASE_URL"
	switch {
	case !live && *base != "":
		return configErrorf("%s is set but %s credentials are not; set both, or neither to use the sandbox", name, strings.ToLower(api))
	case !live:
		return nil
	case *base == "":
		*base = def
	}
	return checkURL(name, *base)
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configErrorf("%s %q is not an absolute http(s) URL", name, raw)
	}
	return nil
}

// parseProxies reads comma-separated CIDRs (a bare address is a /32 or /128).
func parseProxies(raw string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if ip := net.ParseIP(part); ip != nil && ip.To4() != nil {
				part += "/32"
			} else {
				part += "/128"
			}
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, configErrorf("LINKDESK_TRUSTED_PROXIES: %q is not an address or CIDR such as 10.0.0.0/8", part)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// parseSessionKeys reads comma-separated hex keys of at least 32 bytes.
func parseSessionKeys(raw string) ([][]byte, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	var keys [][]byte
	for _, part := range strings.Split(raw, ",") {
		k, err := hex.DecodeString(strings.TrimSpace(part))
		if err != nil || len(k) < 32 {
			return nil, configErrorf("LINKDESK_SESSION_KEYS must be comma-separated hex keys of at least 32 bytes (64 hex digits)")
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// Server is the assembly's configuration: this one, with selfURL (how the
// process reaches its own listener) and the logger.
func (c Config) Server(selfURL string, log *slog.Logger) server.Config {
	return server.Config{
		DataDir:        c.DataDir,
		Database:       c.Database.Reveal(),
		Instance:       c.Instance,
		SelfURL:        selfURL,
		PublicURL:      c.HTTP.PublicURL,
		Merchant:       c.Merchant,
		SessionSecrets: c.HTTP.SessionKeys,
		TrustedProxies: c.HTTP.TrustedProxies,
		MetricsToken:   c.MetricsToken.Reveal(),
		MetricsOn:      c.MetricsAddr != "",
		Craftgate: server.Craftgate{BaseURL: c.Craftgate.BaseURL, APIKey: c.Craftgate.APIKey.Reveal(), SecretKey: c.Craftgate.SecretKey.Reveal(),
			WebhookKey: c.Craftgate.WebhookKey.Reveal()},
		Paywall: server.Paywall{BaseURL: c.Paywall.BaseURL, PublicKey: c.Paywall.PublicKey.Reveal(),
			PublicClient: c.Paywall.PublicClient.Reveal(), HashKey: c.Paywall.HashKey.Reveal()},
		PaymentTimeout: c.Payments.Timeout,
		Location:       c.Sales.Location,
		SyncInterval:   c.Sales.SyncInterval,
		Imports:        app.ImportsConfig{Workers: c.Imports.Workers, Lease: c.Imports.Lease},
		SearchTTL:      app.DefaultSearchTTL,
		Log:            log,
	}
}

// databaseFlag defines -database on fs, defaulting to LINKDESK_DATABASE_URL.
// The default is not shown in -h: the URL holds the password.
func databaseFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	database := fs.String("database", "", "a postgres:// URL: several instances share one PostgreSQL; empty is SQLite in the data folder (LINKDESK_DATABASE_URL)")
	*database = envOr(getenv, "LINKDESK_DATABASE_URL", "")
	return database
}

// checkDatabase checks a -database/LINKDESK_DATABASE_URL value without
// connecting: empty (SQLite) or a PostgreSQL URL pgx can use.
func checkDatabase(raw string) (Secret, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	if !store.IsDatabaseURL(raw) {
		return "", configErrorf("-database/LINKDESK_DATABASE_URL must be a postgres:// URL (or empty for SQLite in the data folder), not %s", store.RedactURL(raw))
	}
	if err := store.CheckDatabaseURL(raw); err != nil {
		return "", configErrorf("-database/LINKDESK_DATABASE_URL: %v", err)
	}
	return Secret(raw), nil
}

// instanceName is LINKDESK_INSTANCE, or the host name and the port of
// addr: stable across restarts of one instance, distinct between instances
// on one host. A restarted instance takes back at once the payments its
// previous run was starting when it died, so two instances must never
// share a name.
func instanceName(getenv func(string) string, addr string) (string, error) {
	if name := envOr(getenv, "LINKDESK_INSTANCE", ""); name != "" {
		if len(name) > 100 || !utf8.ValidString(name) {
			return "", configErrorf("LINKDESK_INSTANCE must be a name of at most 100 characters")
		}
		return name, nil
	}
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	_, port, _ := net.SplitHostPort(addr)
	return host + ":" + port, nil
}

// openStore opens the configured database for a command: one line and
// exit status 2 when the server cannot be reached.
func openStore(ctx context.Context, database Secret, dataDir string) (*store.DB, error) {
	db, err := store.OpenDatabase(ctx, database.Reveal(), dataDir)
	var ce *store.ConnectError
	if errors.As(err, &ce) {
		return nil, configErrorf("%v", ce)
	}
	return db, err
}

// parseImports reads LINKDESK_IMPORT_WORKERS (1 to 32) and
// LINKDESK_IMPORT_LEASE (at least 1s); unset means the core's defaults.
func parseImports(env func(key, def string) string) (ImportsConfig, error) {
	var c ImportsConfig
	if raw := env("LINKDESK_IMPORT_WORKERS", ""); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 32 {
			return c, configErrorf("LINKDESK_IMPORT_WORKERS must be a number from 1 to 32")
		}
		c.Workers = n
	}
	if raw := env("LINKDESK_IMPORT_LEASE", ""); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < time.Second {
			return c, configErrorf("LINKDESK_IMPORT_LEASE must be a duration of at least 1s, such as 1m")
		}
		c.Lease = d
	}
	return c, nil
}
