// Command linkdesk serves the Linkdesk dashboard. With no provider
// credentials it runs against its embedded sandbox.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"linkdesk/craftclient"
	"linkdesk/handlers"
	"linkdesk/sandbox"
	"linkdesk/store"
	"linkdesk/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "linkdesk:", err)
		var ce *configError
		if errors.As(err, &ce) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is main without the process: tests call it with their own args,
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // usage was asked for and printed: not a failure
	}
	return err
}

// dispatch runs the user command or serves the dashboard.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "user" {
		return runUserCommand(ctx, args[1:], getenv, stdin, stdout, stderr)
	}
	cfg, err := LoadConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, newLogger(cfg, stderr), nil)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// serve runs the dashboard until ctx is done, then shuts down gracefully.
// When ready is non-nil it receives the base URL once the listener is up.
func serve(ctx context.Context, cfg Config, log *slog.Logger, ready chan<- string) error {
	db, err := store.Open(ctx, filepath.Join(cfg.DataDir, "linkdesk.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return configErrorf("cannot listen on %s: %v", cfg.Addr, err)
	}
	selfURL := "http://" + loopbackAddr(ln.Addr())
	publicURL := cfg.HTTP.PublicURL
	if publicURL == "" {
		publicURL = selfURL
	}

	// Paywall callbacks are checked with PAYWALL_HASH_KEY or, when Paywall
	// runs against the sandbox, with the key the sandbox signs them with, so
	// hash verification is exercised out of the box.
	hashKey := cfg.Paywall.HashKey.Reveal()
	if hashKey == "" && !cfg.Paywall.Live() {
		hashKey = sandboxHashKey
	}

	deps := web.Deps{Log: log, Store: db}
	upstreams := map[string]string{"craftgate": "live", "paywall": "live"}
	craftgateURL, paywallURL := cfg.Craftgate.BaseURL, cfg.Paywall.BaseURL
	if !cfg.Craftgate.Live() || !cfg.Paywall.Live() {
		sb, closeSandbox, err := openSandbox(ctx, cfg.DataDir, log, publicURL, hashKey)
		if err != nil {
			return err
		}
		defer closeSandbox()
		if !cfg.Craftgate.Live() {
			craftgateURL, upstreams["craftgate"] = selfURL+"/sandbox/craftgate", "sandbox"
			cfg.Craftgate.APIKey, cfg.Craftgate.SecretKey = sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey
		}
		if !cfg.Paywall.Live() {
			paywallURL, upstreams["paywall"] = selfURL+"/sandbox/paywall", "sandbox"
			cfg.Paywall.PublicKey, cfg.Paywall.PublicClient = sandbox.PaywallPublicKey, sandbox.PaywallPublicClient
		}
		deps.Sandbox = sandboxedOnly(sb, upstreams)
		log.Info("no credentials for some providers: serving the embedded sandbox at "+publicURL+"/sandbox/", "craftgate", upstreams["craftgate"], "paywall", upstreams["paywall"])
	}
	// craftclient's own HTTP client (15 s timeout, redirects not followed)
	// is what both APIs need.
	deps.Craftgate = craftclient.NewCraftgate(craftgateURL, cfg.Craftgate.APIKey.Reveal(), cfg.Craftgate.SecretKey.Reveal(),
		craftclient.WithLogger(log.With("component", "craftgate")))
	deps.Paywall = craftclient.NewPaywall(paywallURL, cfg.Paywall.PublicKey.Reveal(), cfg.Paywall.PublicClient.Reveal(),
		craftclient.WithLogger(log.With("component", "paywall")))

	keys, err := sessionKeys(ctx, cfg, db)
	if err != nil {
		return err
	}
	payments := paymentsConfig(cfg, publicURL, hashKey, log)
	deps.Reconciler = handlers.NewReconciler(log.With("component", "reconciler"), db, deps.Paywall.APM,
		handlers.ReconcilerConfig{Timeout: payments.Timeout})
	e := web.New(web.Config{
		Site:         handlers.Site{Merchant: cfg.Merchant, Sandbox: deps.Sandbox != nil},
		PublicURL:    publicURL,
		SessionKeys:  keys,
		Upstreams:    upstreams,
		ListCacheTTL: web.DefaultListCacheTTL,
		Payments:     payments,
	}, deps)

	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The reconciler also picks up payments a previous run left pending.
	// It stops with ctx and is waited for before the store closes.
	recCtx, stopRec := context.WithCancel(ctx)
	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		deps.Reconciler.Run(recCtx)
	}()
	defer func() {
		stopRec()
		<-recDone
	}()
	log.Info("Linkdesk is ready: open " + publicURL)
	if ready != nil {
		ready <- selfURL
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// openSandbox opens the emulator on its own database file, so the app's data
// and the pretend provider's data never mix. It signs Paywall callbacks with
// hashKey.
func openSandbox(ctx context.Context, dataDir string, log *slog.Logger, publicURL, hashKey string) (http.Handler, func(), error) {
	sdb, err := store.OpenSQLite(filepath.Join(dataDir, "sandbox.db"))
	if err != nil {
		return nil, nil, err
	}
	// No component attribute here: the sandbox adds its own.
	sb, err := sandbox.New(ctx, sandbox.Config{
		DB:             sdb,
		PublicURL:      publicURL,
		Logger:         log,
		PaywallHashKey: hashKey,
	})
	if err != nil {
		sdb.Close()
		return nil, nil, err
	}
	return sb.Handler(), func() { sdb.Close() }, nil
}

// sandboxedOnly serves the emulator of the APIs upstreams marks "sandbox"
// and answers 404 under /sandbox/<api> for a live one, so an API whose
// credentials are set has no emulator answering in its name.
func sandboxedOnly(sb http.Handler, upstreams map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for api, mode := range upstreams {
			if mode == "live" && strings.HasPrefix(r.URL.Path, "/sandbox/"+api) {
				http.NotFound(w, r)
				return
			}
		}
		sb.ServeHTTP(w, r)
	})
}

// paymentsConfig is the QR payment settings: callbacks reach us at the
// public URL and are checked with hashKey when there is one.
func paymentsConfig(cfg Config, publicURL, hashKey string, log *slog.Logger) handlers.PaymentsConfig {
	if hashKey == "" {
		log.Warn("PAYWALL_HASH_KEY is not set: Paywall callback hashes are not checked (results are still confirmed with Paywall)")
	}
	return handlers.PaymentsConfig{PublicURL: publicURL, HashKey: hashKey, Timeout: cfg.Payments.Timeout}
}

// sandboxHashKey signs the sandbox's callbacks when PAYWALL_HASH_KEY is not
// set.
const sandboxHashKey = "sandbox-hash-key"

// sessionKeys returns the cookie keys: LINKDESK_SESSION_KEYS when set (so
// several instances share them), otherwise one generated at first start and
// kept in the store. Each secret yields a signing and an encryption key.
func sessionKeys(ctx context.Context, cfg Config, db *store.DB) ([][]byte, error) {
	secrets := cfg.HTTP.SessionKeys
	if len(secrets) == 0 {
		v, err := db.SettingOrInit(ctx, "session_key", func() (string, error) {
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
			return nil, fmt.Errorf("session key in store is not hex: %w", err)
		}
		secrets = [][]byte{k}
	}
	var pairs [][]byte
	for _, s := range secrets {
		enc := sha256.Sum256(append([]byte("linkdesk-cookie-encryption:"), s...))
		pairs = append(pairs, s, enc[:])
	}
	return pairs, nil
}

// loopbackAddr turns a listener address into one this process can dial:
// an unspecified host (0.0.0.0, ::) becomes 127.0.0.1.
func loopbackAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
