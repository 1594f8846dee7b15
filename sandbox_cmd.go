package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"linkdesk/sandbox"
	"linkdesk/server"
	"linkdesk/store"
)

const sandboxUsage = `usage:
  linkdesk sandbox [-addr HOST:PORT] [-data DIR] [-public-url URL] [-webhook-url URL]

Runs the Craftgate and Paywall emulators alone, at the providers' own paths,
so several Linkdesk instances (or any other program) share one provider.
Point each instance at it with CRAFTGATE_BASE_URL and PAYWALL_BASE_URL and
the sandbox keys (see README.md).

flags:`

// runSandboxCommand serves the emulators on their own listener until ctx
// is done.
func runSandboxCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linkdesk sandbox", flag.ContinueOnError)
	addr := fs.String("addr", envOr(getenv, "LINKDESK_SANDBOX_ADDR", "127.0.0.1:9090"), "listen address (LINKDESK_SANDBOX_ADDR)")
	data := fs.String("data", envOr(getenv, "LINKDESK_DATA", defaultDataDir), "folder for sandbox.db (LINKDESK_DATA)")
	publicURL := fs.String("public-url", "", "how clients reach this sandbox, if not at http://ADDR")
	webhookURL := fs.String("webhook-url", "", "where Craftgate webhooks go (a dashboard's /callbacks/craftgate)")
	if err := parseFlags(fs, args, sandboxUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return configErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *publicURL != "" {
		if err := checkURL("-public-url", *publicURL); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return configErrorf("cannot listen on %s: %v", *addr, err)
	}
	defer ln.Close()
	if *publicURL == "" {
		*publicURL = "http://" + loopbackAddr(ln.Addr())
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	db, err := store.OpenSQLite(filepath.Join(*data, "sandbox.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	hashKey := envOr(getenv, "PAYWALL_HASH_KEY", server.SandboxHashKey)
	sb, err := sandbox.New(ctx, sandbox.Config{DB: db, PublicURL: *publicURL, Logger: log, PaywallHashKey: hashKey,
		CraftgateWebhookURL: *webhookURL, CraftgateWebhookKey: envOr(getenv, "CRAFTGATE_WEBHOOK_KEY", server.SandboxWebhookKey)})
	if err != nil {
		return err
	}
	defer sb.Close()
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("Linkdesk sandbox is ready at " + *publicURL)
	fmt.Fprintln(stdout, "sandbox ready: "+*publicURL)
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
