package craftclient

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// DefaultTimeout bounds a whole request (connect, send, read) when the caller
// does not supply its own *http.Client.
const DefaultTimeout = 15 * time.Second

// maxResponseBytes caps how much of a response body is read, so a misbehaving
// upstream cannot exhaust memory. Link and APM payloads are a few KiB.
const maxResponseBytes = 4 << 20

// Option configures a Craftgate or Paywall client.
type Option func(*config)

type config struct {
	httpClient *http.Client
	lang       string
	logger     *slog.Logger
	random     io.Reader
}

func newConfig(opts []Option) config {
	cfg := config{
		// A private client: http.DefaultClient is shared process state and has no timeout.
		httpClient: &http.Client{Timeout: DefaultTimeout, CheckRedirect: refuseRedirect},
		logger:     slog.New(slog.DiscardHandler),
		random:     rand.Reader,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg
}

// refuseRedirect stops the client at a 3xx: following it would re-send the
// API key and a signed body to another URL (or turn a POST into a GET), so
// the 3xx surfaces as an *APIError instead.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// WithHTTPClient sends requests through a copy of hc; its Timeout, Transport
// and Jar apply. Unless hc sets its own CheckRedirect, redirects are not
// followed; hc itself is left unchanged. A nil hc keeps the default client
// (15 s timeout, redirects not followed).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			return
		}
		guarded := *hc
		if guarded.CheckRedirect == nil {
			guarded.CheckRedirect = refuseRedirect
		}
		c.httpClient = &guarded
	}
}

// WithLang asks the provider to localise error messages ("tr" or "en"). It is
// sent as the Craftgate "lang" header and the Paywall "locale" header, and only
// when lang is not empty.
func WithLang(lang string) Option {
	return func(c *config) { c.lang = lang }
}

// WithLogger logs every outbound call at Debug level (method, path, status,
// duration). Keys and signatures are never logged. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRandom replaces crypto/rand as the source of Craftgate's x-rnd-key, so
// tests can produce deterministic signatures. r must be safe for concurrent
// use if the client is used concurrently.
func WithRandom(r io.Reader) Option {
	return func(c *config) {
		if r != nil {
			c.random = r
		}
	}
}

// transport is the part both providers share: send one request, read a
// bounded body, log the call.
type transport struct {
	provider string
	client   *http.Client
	logger   *slog.Logger
}

// send performs req and returns the status and body. path is the request path
// without query, used for logs and errors. Network failures, timeouts and
// cancellation are wrapped so errors.Is(err, context.DeadlineExceeded) holds.
func (t transport) send(req *http.Request, path string) (int, []byte, error) {
	ctx := req.Context()
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		t.log(ctx, req.Method, path, 0, start, err)
		return 0, nil, fmt.Errorf("craftclient: %s %s: %w", req.Method, path, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body, resp.ContentLength)
	t.log(ctx, req.Method, path, resp.StatusCode, start, err)
	if err != nil {
		return 0, nil, fmt.Errorf("craftclient: %s %s: read response: %w", req.Method, path, err)
	}
	return resp.StatusCode, body, nil
}

// readBody reads r to the end, at most maxResponseBytes. size is the
// announced length (-1 if unknown, e.g. chunked): when known, the buffer
// is allocated once at its size; otherwise io.ReadAll's growth is used.
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size > maxResponseBytes {
		return nil, errBodyTooLarge
	}
	if size < 0 {
		b, err := io.ReadAll(io.LimitReader(r, maxResponseBytes+1))
		if err == nil && len(b) > maxResponseBytes {
			err = errBodyTooLarge
		}
		return b, err
	}
	// One spare byte, so a body of exactly size bytes reaches EOF without
	// the buffer growing.
	b := make([]byte, 0, size+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > maxResponseBytes {
			return nil, errBodyTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) { // longer than announced; the transport will say so
			b = append(b, 0)[:len(b)]
		}
	}
}

var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)

func (t transport) log(ctx context.Context, method, path string, status int, start time.Time, err error) {
	// Checked first: building the attributes costs an allocation per call,
	// and the default logger discards.
	if !t.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("provider", t.provider),
		slog.String("method", method),
		slog.String("path", path),
		slog.Int("http_status", status),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "craftclient call", attrs...)
}
