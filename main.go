// Command linkdesk serves the Linkdesk dashboard. With no provider
// credentials it runs against its embedded sandbox.
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
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // LINKDESK_TIME_ZONE works on hosts without zone files

	"linkdesk/server"
	"linkdesk/store"
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
	if len(args) > 0 {
		switch args[0] {
		case "user":
			return runUserCommand(ctx, args[1:], getenv, stdin, stdout, stderr)
		case "sandbox":
			return runSandboxCommand(ctx, args[1:], getenv, stdout, stderr)
		case "backup":
			return runBackupCommand(ctx, args[1:], getenv, stdout)
		case "migrate-to":
			return runMigrateToCommand(ctx, args[1:], getenv, stdout)
		case "demo":
			return runDemoCommand(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	cfg, err := LoadConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if cfg.Demo {
		if err := seedDemo(ctx, cfg, log, stdout); err != nil {
			return err
		}
	}
	return serve(ctx, cfg, log, nil)
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
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return configErrorf("cannot listen on %s: %v", cfg.Addr, err)
	}
	selfURL := "http://" + loopbackAddr(ln.Addr())
	srv, err := server.New(ctx, cfg.Server(selfURL, log))
	if err != nil {
		ln.Close()
		var ce *store.ConnectError
		if errors.As(err, &ce) {
			return configErrorf("%v", ce)
		}
		return err
	}
	defer srv.Close()
	httpSrv := &http.Server{
		Handler:           srv.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	go func() { errc <- httpSrv.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		metricsSrv, err := serveMetrics(cfg.MetricsAddr, srv, errc)
		if err != nil {
			return err
		}
		defer metricsSrv.Close()
	}
	// The background work (the reconciler also picks up payments a
	// previous run left pending) stops with ctx and is waited for before
	// the store closes.
	workCtx, stopWork := context.WithCancel(ctx)
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		srv.Run(workCtx)
	}()
	defer func() {
		stopWork()
		<-workDone
	}()
	publicURL := cfg.HTTP.PublicURL
	if publicURL == "" {
		publicURL = selfURL
	}
	log.Info("Linkdesk is ready: open "+publicURL, "database", srv.Store.Engine(), "instance", cfg.Instance)
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
	return httpSrv.Shutdown(shutdownCtx)
}

// serveMetrics serves the Prometheus metrics alone on addr, for an
// operator's network that the public never reaches.
func serveMetrics(addr string, srv *server.Server, errc chan<- error) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, configErrorf("cannot listen on %s for metrics: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.Metrics.Handler())
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { errc <- ms.Serve(ln) }()
	return ms, nil
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
