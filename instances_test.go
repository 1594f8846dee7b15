package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/sandbox"
	"linkdesk/server"
	"linkdesk/store"
	"linkdesk/store/pgtest"
)

// TestSeveralInstances runs the real binary as two instances on one
// PostgreSQL database behind a round-robin reverse proxy, with one shared
// `linkdesk sandbox` as both providers and LINKDESK_PUBLIC_URL pointing at
// the proxy, as a shop chain would deploy it:
//   - one sign-in works on every request, whichever instance answers;
//   - a payment started through the proxy and paid in the wallet shows
//     Paid on every instance;
//   - under four users' load, kill -9 of one instance loses no
//     acknowledged payment and settles none twice, and the survivor keeps
//     answering; the restarted instance rejoins.
func TestSeveralInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary as three processes")
	}
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	db, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const password = "kasa parolası 123"
	emails := []string{"kasa1@example.com", "kasa2@example.com", "kasa3@example.com", "kasa4@example.com"}
	hash, err := app.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range emails {
		if err := db.CreateUser(ctx, &app.User{Email: email, Name: email, Role: app.RoleStaff, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}

	bin := buildBinary(t)
	proxy := newRoundRobin(t)
	base := append(os.Environ(), "LINKDESK_SANDBOX_ADDR=", "LINKDESK_INSTANCE=", "LINKDESK_SESSION_KEYS=")
	sb := startProcess(t, base, regexp.MustCompile(`Linkdesk sandbox is ready at (http://[^"\s]+)`),
		bin, "sandbox", "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-webhook-url", proxy.URL+"/callbacks/craftgate")
	defer sb.stop(t)
	env := append(base, "LINKDESK_DATABASE_URL="+dbURL, "LINKDESK_PUBLIC_URL="+proxy.URL,
		"CRAFTGATE_BASE_URL="+sb.url, "CRAFTGATE_API_KEY="+sandbox.CraftgateAPIKey, "CRAFTGATE_SECRET_KEY="+sandbox.CraftgateSecretKey,
		"PAYWALL_BASE_URL="+sb.url, "PAYWALL_PUBLIC_KEY="+sandbox.PaywallPublicKey, "PAYWALL_PUBLIC_CLIENT="+sandbox.PaywallPublicClient,
		"PAYWALL_HASH_KEY="+server.SandboxHashKey)
	instance := func(addr string) *child {
		c := startProcess(t, append(env, "LINKDESK_ADDR="+addr, "LINKDESK_DATA="+t.TempDir()), readyLine, bin)
		c.url = "http://" + addr // the ready line names the public URL: the proxy
		return c
	}
	addrs := []string{freeAddr(t), freeAddr(t)}
	nodes := []*child{instance(addrs[0]), instance(addrs[1])}
	defer func() {
		for _, n := range nodes {
			if n.cmd.ProcessState == nil {
				n.stop(t)
			}
		}
	}()
	proxy.set(nodes[0].url, nodes[1].url)

	// One sign-in, through the proxy, is good on both instances.
	clients := make([]*http.Client, len(emails))
	for i, email := range emails {
		clients[i] = signIn(t, proxy.URL, email, password)
	}
	for range 4 {
		mustGet(t, clients[0], proxy.URL+"/payments", http.StatusOK)
	}
	for i, n := range nodes {
		if got := proxy.hits(i); got == 0 {
			t.Errorf("instance %d answered none of the proxy's requests", i)
		}
		mustGet(t, clients[0], n.url+"/payments", http.StatusOK)
	}

	// A payment started through the proxy, paid in the wallet: its
	// callback lands on one instance, and every instance shows it Paid.
	code, ok := startPayment(clients[0], proxy.URL, "42,50", "Çok sunuculu")
	if !ok {
		t.Fatalf("the first payment start was not acknowledged; logs:\n%s\n%s", nodes[0].log(), nodes[1].log())
	}
	payInWallet(t, db, code)
	for i, n := range nodes {
		waitFor(t, fmt.Sprintf("instance %d to show %s paid", i, code), func() bool {
			return shownStatus(t, clients[0], n.url, code) == string(app.PaymentStatusPaid)
		})
	}

	// Four users' load, and the first instance killed half-way.
	var (
		mu       sync.Mutex
		acked    []string
		paid     []string
		failures []string // requests begun after the kill that got no answer
		killedAt atomic.Int64
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w, c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				begun := time.Now().UnixNano()
				code, ok := startPayment(c, proxy.URL, fmt.Sprintf("%d,%02d", 10+i, w), fmt.Sprintf("Yük %d-%d", w, i))
				afterKill := killedAt.Load() != 0 && begun > killedAt.Load()
				mu.Lock()
				switch {
				case ok:
					acked = append(acked, code)
				case afterKill:
					failures = append(failures, "payment start got no answer")
				}
				mu.Unlock()
				if ok && i%3 != 2 && payIfStarted(db, code) {
					mu.Lock()
					paid = append(paid, code)
					mu.Unlock()
				}
				if resp, err := c.Get(proxy.URL + "/payments"); err != nil || resp.StatusCode != http.StatusOK {
					if afterKill {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("GET /payments: %v", errOrStatus(resp, err)))
						mu.Unlock()
					}
				} else {
					resp.Body.Close()
				}
			}
		})
	}
	time.Sleep(1500 * time.Millisecond) // load before the kill, not a wait for a result
	nodes[0].kill(t)
	// Marked once the process is gone: a request begun while it was dying
	// may have reached it, and a POST that did is rightly not sent again.
	killedAt.Store(time.Now().UnixNano())
	time.Sleep(1500 * time.Millisecond) // load on the survivor alone
	close(stop)
	wg.Wait()
	t.Logf("%d payment starts acknowledged, %d paid in the wallet", len(acked), len(paid))
	if len(acked) == 0 || len(paid) == 0 {
		t.Fatalf("the load did nothing; instance logs:\n%s\n%s", nodes[0].log(), nodes[1].log())
	}
	for _, f := range failures {
		t.Errorf("after the kill, through the proxy: %s", f)
	}

	// The killed instance comes back under its name and rejoins: it takes
	// back the starts it was waiting on, and answers the same sessions.
	nodes[0] = instance(addrs[0])
	mustGet(t, clients[1], nodes[0].url+"/payments", http.StatusOK)
	before := proxy.hits(0)
	for range 4 {
		mustGet(t, clients[1], proxy.URL+"/payments", http.StatusOK)
	}
	if proxy.hits(0) == before {
		t.Error("the restarted instance answers none of the proxy's requests")
	}

	waitFor(t, "every payment settled once, none lost, none ambiguous", func() bool {
		problems := settleProblems(t, db, acked, paid)
		if len(problems) > 0 {
			t.Log(strings.Join(problems, "\n"))
		}
		return len(problems) == 0
	})
}

// settleProblems lists what is not yet right: an acknowledged payment
// missing, one paid in the wallet not paid here, one pending with neither
// the provider's code nor an error, or a payment with other than one
// settle audit row once settled (none while pending).
func settleProblems(t *testing.T, db *store.DB, acked, paid []string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, code := range acked {
		if _, err := db.PaymentByCode(ctx, code); err != nil {
			out = append(out, code+": acknowledged but "+err.Error())
		}
	}
	for _, code := range paid {
		if p, err := db.PaymentByCode(ctx, code); err == nil && p.Status != app.PaymentStatusPaid {
			out = append(out, code+": paid in the wallet, "+string(p.Status)+" here")
		}
	}
	err := db.ForEachPayment(ctx, app.PaymentFilter{}, func(p app.Payment) error {
		if p.Status == app.PaymentStatusPending && p.UniqueCode == "" && p.LastError == "" {
			out = append(out, p.MerchantUniqueCode+": pending, never started, no error")
		}
		_, n, err := db.ListAudit(ctx, app.AuditFilter{Action: "payment.settle", TargetType: "payment", TargetID: p.MerchantUniqueCode})
		if err != nil {
			return err
		}
		if want := map[bool]int{true: 1, false: 0}[p.Status.Final()]; n != want {
			out = append(out, fmt.Sprintf("%s: %s with %d settle audit rows, want %d", p.MerchantUniqueCode, p.Status, n, want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// buildBinary builds the linkdesk command once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "linkdesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// roundRobin is the load balancer: each request goes to the next
// instance; one whose port refuses the connection (it is down) is skipped,
// as a balancer's health check would, since such a request never reached it.
type roundRobin struct {
	*httptest.Server
	// transport dials anew for each request, so a dead instance is a
	// refused connection (skipped), never a pooled one that breaks
	// mid-request.
	transport http.RoundTripper
	mu        sync.Mutex
	backends  []*url.URL
	counts    []atomic.Int64
	next      atomic.Int64
}

func newRoundRobin(t *testing.T) *roundRobin {
	t.Helper()
	rr := &roundRobin{transport: &http.Transport{DisableKeepAlives: true}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "backend"
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport: rr,
	}
	rr.Server = httptest.NewServer(rp)
	t.Cleanup(rr.Close)
	return rr
}

func (rr *roundRobin) set(urls ...string) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.backends = nil
	rr.counts = make([]atomic.Int64, len(urls))
	for _, u := range urls {
		parsed, _ := url.Parse(u)
		rr.backends = append(rr.backends, parsed)
	}
}

func (rr *roundRobin) hits(i int) int64 { return rr.counts[i].Load() }

// RoundTrip sends req to the next backend, and to the one after when a
// backend refuses the connection.
func (rr *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	rr.mu.Lock()
	backends := rr.backends
	rr.mu.Unlock()
	first := int(rr.next.Add(1))
	var err error
	for i := range backends {
		n := (first + i) % len(backends)
		out := req.Clone(req.Context())
		out.URL.Host = backends[n].Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		var resp *http.Response
		resp, err = rr.transport.RoundTrip(out)
		var op *net.OpError
		if err == nil {
			rr.counts[n].Add(1)
			return resp, nil
		}
		if !errors.As(err, &op) || op.Op != "dial" {
			return nil, err // it may have reached the instance: not sent again
		}
	}
	return nil, err
}

// signIn signs in through the sign-in form and returns the browser.
func signIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: "linkdesk_csrf", Value: crashCSRF, Path: "/"}})
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {crashCSRF}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: got %d, want 303", email, resp.StatusCode)
	}
	return c
}

// csrfOf is the CSRF token the browser holds now: the server sets a new
// one at sign-in; until a page sets it, the client makes one up, as the
// double-submit check allows.
func csrfOf(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "linkdesk_csrf" {
			return ck.Value
		}
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "linkdesk_csrf", Value: crashCSRF, Path: "/"}})
	return crashCSRF
}

func mustGet(t *testing.T, c *http.Client, u string, want int) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Errorf("GET %s: got %d, want %d", u, resp.StatusCode, want)
	}
}

func errOrStatus(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// startPayment posts the payment form; ok says the start was acknowledged
// (303 to the counter screen) and code is the payment's.
func startPayment(c *http.Client, base, amount, description string) (code string, ok bool) {
	form := url.Values{"amount": {amount}, "currency": {"TRY"}, "description": {description}, "provider": {"62"}, "_csrf": {csrfOf(c, base)}}
	resp, err := c.PostForm(base+"/payments", form)
	if err != nil {
		return "", false
	}
	resp.Body.Close()
	code, ok = strings.CutPrefix(resp.Header.Get("Location"), "/payments/")
	return code, ok && resp.StatusCode == http.StatusSeeOther
}

// payIfStarted pays a started payment in the sandbox's wallet, as the
// customer scanning its QR code would; false when it has no QR code.
func payIfStarted(db *store.DB, code string) bool {
	p, err := db.PaymentByCode(context.Background(), code)
	if err != nil || p.QRContent == "" {
		return false
	}
	resp, err := http.Post(p.QRContent+"/pay", "application/x-www-form-urlencoded", nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func payInWallet(t *testing.T, db *store.DB, code string) {
	t.Helper()
	if !payIfStarted(db, code) {
		t.Fatalf("could not pay %s in the wallet", code)
	}
}

// shownStatus is the status the counter screen of an instance shows.
func shownStatus(t *testing.T, c *http.Client, base, code string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/payments/"+code+"/status", nil)
	req.Header.Set("HX-Request", "true")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := doc.Find("[data-testid=payment-status]").Attr("data-status")
	return s
}

// waitFor polls cond, bounded by a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(250 * time.Millisecond) // polling, bounded by deadline
	}
}
