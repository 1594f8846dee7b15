// Command server runs what bench/run measures, on loopback only: the real
// Linkdesk server (web.New) with a temporary store and the embedded sandbox,
// seeded with payment links and a signed-in viewer, and beside it a bare
// Echo handler as the baseline. It prints one JSON line with the URLs and
// the cookie to send, then serves until -lifetime passes or it is stopped.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	httppprof "net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/sandbox"
	"linkdesk/server"
	"linkdesk/store"
	"linkdesk/store/pgtest"
	"linkdesk/views"
	"linkdesk/web"
)

// bareBody is the baseline's fixed page: small, like a tiny HTML response.
const bareBody = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bare</title></head><body><p>Hello from a bare Echo handler.</p></body></html>`

// csrfToken is sent as the CSRF cookie so the server does not mint a new
// one (and a Set-Cookie) on every measured request.
const csrfToken = "bench-csrf-token-0123456789abcdef0123"

// Targets is what bench/run reads.
type Targets struct {
	Bare        string `json:"bare"`
	Links       string `json:"links"`
	QR          string `json:"qr"`
	Cookie      string `json:"cookie"`
	FreshCookie string `json:"fresh_cookie"` // GET it for a newly minted Cookie
	LinksStatus int    `json:"links_status"`
	QRStatus    int    `json:"qr_status"`

	// For bench/load's mixed scenario: the app's base URL, the seeded
	// links, a staff member's cookie (payments need staff), the CSRF
	// token to post, and the bench-only runtime stats of this process.
	Base        string  `json:"base"`
	LinkIDs     []int64 `json:"link_ids"`
	StaffCookie string  `json:"staff_cookie"`
	CSRF        string  `json:"csrf"`
	Stats       string  `json:"stats"`
}

// setup is what a bench run is made of: the database engine and how many
// instances share it behind a round-robin proxy.
type setup struct {
	engine    string // "sqlite" or "postgres"
	instances int
	searchTTL time.Duration // how long identical link searches are kept
	payments  int           // QR payments written straight into the store
}

func main() {
	lifetime := flag.Duration("lifetime", 3*time.Minute, "stop after this long")
	links := flag.Int("links", 30, "payment links to create in the sandbox")
	localLinks := flag.Int("local-links", 0, "further links written straight into the local record, each with a sale (#12)")
	linksQuery := flag.String("links-query", "size=25", "the query string of the measured links list (sort=revenue sorts the local record)")
	var st setup
	flag.StringVar(&st.engine, "engine", "sqlite", "sqlite, or postgres: a throwaway server from Debian's postgresql (or LINKDESK_TEST_POSTGRES)")
	flag.IntVar(&st.instances, "instances", 1, "instances sharing the database behind a round-robin proxy (postgres only above 1)")
	flag.DurationVar(&st.searchTTL, "search-ttl", app.DefaultSearchTTL, "how long identical link searches are kept (0: not at all, every list is a Craftgate call)")
	flag.IntVar(&st.payments, "payments", 0, "QR payments to write straight into the store (for bench/scale's export)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the server's whole life to this file (to see where a MISS goes)")
	flag.Parse()
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		defer stopProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *lifetime)
	defer cancel()
	if st.engine != "sqlite" && st.engine != "postgres" || st.instances < 1 || st.instances > 1 && st.engine != "postgres" {
		fmt.Fprintln(os.Stderr, "bench server: -engine sqlite (one instance) or postgres (one or more)")
		os.Exit(2)
	}
	if err := run(ctx, st, *links, *localLinks, *linksQuery, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		os.Exit(1)
	}
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func run(ctx context.Context, st setup, nLinks, nLocal int, linksQuery string, out io.Writer) error {
	dir, err := os.MkdirTemp("", "linkdesk-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Request logs are formatted as in production but not written: the
	// terminal would measure itself.
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	database := ""
	if st.engine == "postgres" {
		pg, err := pgtest.Start()
		if err != nil {
			return err
		}
		defer pg.Stop()
		if database, err = pg.CreateDB(ctx); err != nil {
			return err
		}
	}

	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	self := "http://" + appLn.Addr().String()
	base := self
	var proxy *roundRobin
	if st.instances > 1 {
		if proxy, err = newRoundRobin(); err != nil {
			return err
		}
		defer proxy.Close()
		base = proxy.url
	}
	// The same assembly main.go runs, in sandbox mode; further instances
	// share the first one's sandbox, as instances share one provider.
	cfg := server.Config{
		DataDir:   dir,
		Database:  database,
		SelfURL:   self,
		PublicURL: base,
		Merchant:  "Bench Mağaza",
		Paywall:   server.Paywall{HashKey: "bench-hash-key"},
		SearchTTL: st.searchTTL,
		Log:       log,
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	listeners := []net.Listener{appLn}
	handlers := []http.Handler{srv.Handler}
	for i := 1; i < st.instances; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		peer, err := server.New(ctx, sharedSandbox(cfg, "http://"+ln.Addr().String(), i))
		if err != nil {
			return err
		}
		defer peer.Close()
		listeners, handlers = append(listeners, ln), append(handlers, peer.Handler)
	}
	if proxy != nil {
		for _, ln := range listeners {
			proxy.add("http://" + ln.Addr().String())
		}
	}
	viewer, err := benchUser(ctx, srv.Store, app.RoleViewer)
	if err != nil {
		return err
	}
	staff, err := benchUser(ctx, srv.Store, app.RoleStaff)
	if err != nil {
		return err
	}
	if err := seedPayments(ctx, srv.Store, staff, st.payments); err != nil {
		return err
	}

	bare := echo.New()
	bare.HideBanner, bare.HidePort = true, true
	// A fresh viewer cookie for each wrk run: the server rewrites a
	// session's cookie once a minute, which a browser keeps and wrk does
	// not, so a cookie older than that would be rewritten on every request.
	bare.GET("/cookie", func(c echo.Context) error {
		cookie, err := browserCookie(ctx, srv, viewer)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, cookie)
	})
	bare.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, bareBody) })
	// Profiles of the server (go tool pprof http://…/debug/pprof/heap), on
	// the bench's own port only.
	bare.GET("/debug/pprof/*", echo.WrapHandler(http.HandlerFunc(httppprof.Index)))
	// Runtime figures for bench/soak, on the bench's own port only.
	bare.GET("/stats", func(c echo.Context) error {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return c.JSON(http.StatusOK, map[string]uint64{
			"goroutines": uint64(runtime.NumGoroutine()), "heap_inuse": m.HeapInuse, "sys": m.Sys,
		})
	})
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}

	errc := make(chan error, len(listeners)+1)
	for i, ln := range append(listeners, bareLn) {
		h := http.Handler(bare)
		if i < len(handlers) {
			h = handlers[i]
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- srv.Serve(ln) }()
		defer srv.Close()
	}

	cg := craftclient.NewCraftgate(self+"/sandbox/craftgate", sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey)
	ids, err := seedLinks(ctx, cg, nLinks)
	if err != nil {
		return err
	}
	if err := seedLocal(ctx, srv.Store, ids, nLocal); err != nil {
		return err
	}
	cookie, err := browserCookie(ctx, srv, viewer)
	if err != nil {
		return err
	}
	staffCookie, err := browserCookie(ctx, srv, staff)
	if err != nil {
		return err
	}
	t := Targets{
		Bare:        "http://" + bareLn.Addr().String() + "/",
		Links:       base + views.PathLinks + "?" + linksQuery,
		QR:          base + views.LinkQRPNGURL(ids[0], 256),
		Cookie:      cookie,
		FreshCookie: "http://" + bareLn.Addr().String() + "/cookie",
		Base:        base,
		LinkIDs:     ids,
		StaffCookie: staffCookie,
		CSRF:        csrfToken,
		Stats:       "http://" + bareLn.Addr().String() + "/stats",
	}
	// One request each checks the routes answer and fills the QR cache.
	if t.LinksStatus, err = get(ctx, t.Links, t.Cookie); err != nil {
		return err
	}
	if t.QRStatus, err = get(ctx, t.QR, t.Cookie); err != nil {
		return err
	}
	if err := json.NewEncoder(out).Encode(t); err != nil {
		return err
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return nil
	}
}

// seedLinks creates n links through the client, as the dashboard would,
// and returns their ids.
func seedLinks(ctx context.Context, cg *craftclient.Craftgate, n int) ([]int64, error) {
	var ids []int64
	for i := range n {
		p, err := cg.Products.Create(ctx, craftclient.ProductRequest{
			Name:                "Ürün " + strconv.Itoa(i+1) + " — çay, simit ve börek",
			Price:               craftclient.NewAmount(decimal.New(int64(1999+i*250), -2)),
			Currency:            craftclient.CurrencyTRY,
			EnabledInstallments: []int{1, 2, 3, 6},
		})
		if err != nil {
			return nil, fmt.Errorf("seed link %d: %w", i+1, err)
		}
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// seedPayments writes n QR payments by staff straight into the store, a
// thousand to a transaction, every other one settled as paid: starting them
// through Paywall's sandbox would take minutes at 100 000, and the export
// reads only the store.
func seedPayments(ctx context.Context, db *store.DB, staff *app.User, n int) error {
	const batch = 1000
	for from := 0; from < n; from += batch {
		err := db.InTx(ctx, func(tx app.Tx) error {
			for i := from; i < min(from+batch, n); i++ {
				code := fmt.Sprintf("bench-%08d", i)
				p := &app.Payment{
					MerchantUniqueCode: code, CallbackToken: "bench-token-" + code,
					Amount: decimal.New(int64(100+i%90000), -2), Currency: "TRY",
					Description: "Çay ve simit " + strconv.Itoa(i), Provider: "papara",
					StaffID: &staff.ID, StaffEmail: staff.Email,
				}
				if err := tx.CreatePayment(ctx, p); err != nil {
					return err
				}
				if i%2 == 0 {
					if _, err := tx.SettlePayment(ctx, code, app.PaymentStatusPaid); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed payments: %w", err)
		}
	}
	return nil
}

// benchUser creates a user with role; the bench signs them in with
// minted sessions, not the form.
func benchUser(ctx context.Context, db *store.DB, role app.Role) (*app.User, error) {
	hash, err := app.HashPassword("bench password")
	if err != nil {
		return nil, err
	}
	u := &app.User{Email: string(role) + "@bench.example", Name: string(role), Role: role, PasswordHash: hash}
	if err := db.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// browserCookie opens a session for u and returns, with the CSRF cookie,
// the Cookie header of a browser that just signed in.
func browserCookie(ctx context.Context, srv *server.Server, u *app.User) (string, error) {
	ck, err := srv.SignIn(ctx, u)
	if err != nil {
		return "", err
	}
	return ck.Name + "=" + ck.Value + "; " + web.CSRFCookie + "=" + csrfToken, nil
}

func get(ctx context.Context, url, cookie string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Cookie", cookie)
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// sharedSandbox is the configuration of instance i beside the first one
// (cfg): the same database and public URL, its own listener, and the
// first instance's sandbox as its providers, with the sandbox's keys.
func sharedSandbox(cfg server.Config, self string, i int) server.Config {
	first := cfg.SelfURL
	cfg.SelfURL = self
	cfg.DataDir = filepath.Join(cfg.DataDir, "instance-"+strconv.Itoa(i))
	cfg.Craftgate = server.Craftgate{BaseURL: first + "/sandbox/craftgate", APIKey: sandbox.CraftgateAPIKey, SecretKey: sandbox.CraftgateSecretKey}
	cfg.Paywall = server.Paywall{BaseURL: first + "/sandbox/paywall", PublicKey: sandbox.PaywallPublicKey,
		PublicClient: sandbox.PaywallPublicClient, HashKey: cfg.Paywall.HashKey}
	return cfg
}

// roundRobin is the load balancer in front of several instances: each
// request goes to the next one.
type roundRobin struct {
	url      string
	srv      *http.Server
	mu       sync.Mutex
	backends []*httputil.ReverseProxy
	next     atomic.Uint64
}

func newRoundRobin() (*roundRobin, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rr := &roundRobin{url: "http://" + ln.Addr().String()}
	rr.srv = &http.Server{Handler: rr, ReadHeaderTimeout: 10 * time.Second}
	go rr.srv.Serve(ln)
	return rr, nil
}

func (rr *roundRobin) add(backend string) {
	u, _ := url.Parse(backend)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.backends = append(rr.backends, rp)
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.mu.Lock()
	backends := rr.backends
	rr.mu.Unlock()
	backends[rr.next.Add(1)%uint64(len(backends))].ServeHTTP(w, r)
}

func (rr *roundRobin) Close() error { return rr.srv.Close() }
