package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/server"
	"linkdesk/store"
	"linkdesk/store/pgtest"
	"linkdesk/web/webtest"
)

// crashChildEnv makes TestCrashChild run the real server instead of skipping.
const crashChildEnv = "LINKDESK_CRASH_CHILD"

// TestCrashChild is the server process the crash tests start and kill:
// the test binary re-executed, running main's run() with its environment.
func TestCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) != "1" {
		t.Skip("runs only as the subprocess of TestPaymentSurvivesCrash and TestCrashUnderLoad")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, nil, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// TestPaymentSurvivesCrash kills the server with SIGKILL while a payment's
// start is waiting for Paywall, after the row was written. The restarted
// server must still have the payment and settle it by asking Paywall.
func TestPaymentSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice as a subprocess")
	}
	for _, engine := range webtest.Engines {
		t.Run(engine, func(t *testing.T) { testPaymentSurvivesCrash(t, newDeployment(t, engine)) })
	}
}

func testPaymentSurvivesCrash(t *testing.T, d deployment) {
	paywall := newBlockingPaywall(t)
	session := prepare(t, d)
	env := append(append(os.Environ(), crashChildEnv+"=1", "LINKDESK_ADDR=127.0.0.1:0"), d.env()...)
	env = append(env,
		"PAYWALL_BASE_URL="+paywall.URL, "PAYWALL_PUBLIC_KEY=crash-public", "PAYWALL_PUBLIC_CLIENT=crash-client",
		"PAYWALL_HASH_KEY=crash-hash-key")

	first := startChild(t, env)
	client := signedInClient(t, first.url, session)
	started := make(chan struct{})
	go func() {
		defer close(started)
		form := url.Values{"amount": {"75,25"}, "currency": {"TRY"}, "description": {"Çökme testi"}, "provider": {"62"}, "_csrf": {crashCSRF}}
		resp, err := client.PostForm(first.url+"/payments", form)
		if err == nil {
			resp.Body.Close() // only if the kill came too late; checked below
		}
	}()
	var code string
	select {
	case code = <-paywall.generating:
	case <-time.After(time.Minute):
		t.Fatalf("the start never reached Paywall; server log:\n%s", first.log())
	}
	first.kill(t)
	<-started

	p := paymentIn(t, d, code)
	if p.Status != app.PaymentStatusPending || p.UniqueCode != "" {
		t.Fatalf("after the crash: %s, started %q; want a pending row that never heard back", p.Status, p.UniqueCode)
	}

	// Paywall did create it, and the customer paid.
	paywall.paid.Store(true)
	second := startChild(t, env)
	second.waitFor(t, regexp.MustCompile(`msg="payment settled".*payment=`+regexp.QuoteMeta(code)+`.*source=reconcile`))
	second.stop(t)

	p = paymentIn(t, d, code)
	if p.Status != app.PaymentStatusPaid || p.UniqueCode != blockingUniqueCode || p.APMTransactionID != 77 {
		t.Errorf("after the restart: %s %q %d, want paid with Paywall's ids", p.Status, p.UniqueCode, p.APMTransactionID)
	}
}

// deployment is where a server run keeps its data: the data folder and,
// on PostgreSQL, the database URL (empty for SQLite in the folder).
type deployment struct {
	dir, database string
}

// newDeployment is an empty deployment on engine (webtest.Engines).
func newDeployment(t *testing.T, engine string) deployment {
	d := deployment{dir: t.TempDir()}
	if engine == webtest.EnginePostgres {
		d.database = pgtest.URL(t)
	}
	return d
}

// env is the deployment's part of a server's environment.
func (d deployment) env() []string {
	return []string{"LINKDESK_DATA=" + d.dir, "LINKDESK_DATABASE_URL=" + d.database}
}

// open opens the deployment's store; the caller closes it.
func (d deployment) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.OpenDatabase(context.Background(), d.database, d.dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// prepareDataDir prepares a SQLite deployment in dir (prepare).
func prepareDataDir(t *testing.T, dir string) *http.Cookie {
	return prepare(t, deployment{dir: dir})
}

// prepare creates the store with a staff member signed in, and returns
// the session cookie their browser holds, encoded with the key the server
// will load from the store.
func prepare(t *testing.T, d deployment) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	db := d.open(t)
	defer db.Close()
	u := &app.User{Email: "kasa@example.com", Role: app.RoleStaff, PasswordHash: []byte("signed in by cookie")}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	core := app.New(app.Config{Store: db})
	secrets, err := server.SessionSecrets(ctx, core, nil)
	if err != nil {
		t.Fatal(err)
	}
	token, err := core.Users.StartSession(ctx, u, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cookie, err := server.SessionCookie(secrets, false, token)
	if err != nil {
		t.Fatal(err)
	}
	return cookie
}

func paymentIn(t *testing.T, d deployment, code string) *app.Payment {
	t.Helper()
	db := d.open(t)
	defer db.Close()
	p, err := db.PaymentByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("the payment is gone: %v", err)
	}
	return p
}

const crashCSRF = "crash-test-csrf-token-0123456789abcdef"

// signedInClient carries the cookies a signed-in browser would: the
// session and the double-submit CSRF token.
func signedInClient(t *testing.T, base string, session *http.Cookie) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	baseURL, _ := url.Parse(base)
	jar.SetCookies(baseURL, []*http.Cookie{session, {Name: "linkdesk_csrf", Value: crashCSRF, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// child is one run of the server as a subprocess, with its log lines.
type child struct {
	cmd   *exec.Cmd
	url   string
	lines chan string
	mu    sync.Mutex
	all   []string
	done  chan struct{}
}

var readyLine = regexp.MustCompile(`Linkdesk is ready: open (http://[^"\s]+)`)

func startChild(t *testing.T, env []string) *child {
	t.Helper()
	return startProcess(t, env, readyLine, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
}

// startProcess runs a program and waits for its stderr to show ready,
// whose first group is its URL.
func startProcess(t *testing.T, env []string, ready *regexp.Regexp, name string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	go c.read(stderr)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	m := c.waitFor(t, ready)
	c.url = m[1]
	return c
}

// read keeps draining the child's stderr so it never blocks on a full pipe.
func (c *child) read(r io.Reader) {
	defer close(c.done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		c.mu.Lock()
		c.all = append(c.all, sc.Text())
		c.mu.Unlock()
		select {
		case c.lines <- sc.Text():
		default: // nobody is waiting for lines now; they stay in all
		}
	}
}

func (c *child) log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.all, "\n")
}

// waitFor returns the first log line, seen so far or to come, matching re.
func (c *child) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	c.mu.Lock()
	for _, l := range c.all {
		if m := re.FindStringSubmatch(l); m != nil {
			c.mu.Unlock()
			return m
		}
	}
	c.mu.Unlock()
	deadline := time.After(time.Minute)
	for {
		select {
		case l := <-c.lines:
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-c.done:
			t.Fatalf("the server exited before logging %s:\n%s", re, c.log())
		case <-deadline:
			t.Fatalf("no log line %s within a minute:\n%s", re, c.log())
		}
	}
}

// kill ends the child the way a power cut would.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

// stop asks the child to shut down gracefully and checks that it did.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("graceful shutdown: %v\n%s", err, c.log())
	}
}

const blockingUniqueCode = "3f0c8a52-2b8e-4c55-9d59-1f1fbd5b7c11"

// blockingPaywall answers apm/list, holds every QR generate until the
// caller goes away (reporting its code on generating), and answers
// apm/query "not found" until paid is set, then "paid".
type blockingPaywall struct {
	*httptest.Server
	generating chan string
	paid       atomic.Bool
}

func newBlockingPaywall(t *testing.T) *blockingPaywall {
	t.Helper()
	b := &blockingPaywall{generating: make(chan string, 1)}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Close)
	return b
}

func (b *blockingPaywall) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch strings.TrimPrefix(r.URL.Path, "/api/paywall/") {
	case "apm/list":
		fmt.Fprint(w, `{"ErrorCode":0,"Result":true,"Message":"","Body":[{"ProviderId":1,"ProviderKey":"papara","ProviderName":"Papara","CategoryName":"Cüzdan","ConnectionId":62,"Features":{"QrBased":true}}]}`)
	case "apm/pay/qr/generate":
		var req struct{ MerchantUniqueCode string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		select {
		case b.generating <- req.MerchantUniqueCode:
		default:
		}
		<-r.Context().Done() // the server dies waiting
	case "apm/query":
		if !b.paid.Load() {
			fmt.Fprint(w, `{"ErrorCode":296,"Result":false,"Message":"ApmTransactionNotFound","Body":null}`)
			return
		}
		fmt.Fprintf(w, `{"ErrorCode":0,"Result":true,"Message":"","Body":{"ApmConnectionId":62,"ApmProviderKey":"papara","ApmTransactionId":77,"CurrencyId":1,"MerchantUniqueCode":%q,"UniqueCode":%q,"Amount":75.25,"StatusId":2,"Status":"Başarılı","TypeId":1,"DateTime":"2026-01-02T10:00:00.000000"}}`,
			r.Header.Get("merchantuniquecode"), blockingUniqueCode)
	default:
		http.NotFound(w, r)
	}
}
