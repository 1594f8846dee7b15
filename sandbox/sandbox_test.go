package sandbox_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"linkdesk/sandbox"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// MustOpenDB opens a file database; in-memory SQLite would split across the pool.
func MustOpenDB(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatalf("open db: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// clock is a settable time source for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var testStart = time.Date(2026, 3, 1, 9, 30, 15, 123456000, time.UTC)

// MustServe starts the sandbox on a loopback server. A nil cfg.DB gets a fresh file DB,
// a nil cfg.Now a fixed clock at testStart.
func MustServe(tb testing.TB, cfg sandbox.Config) *httptest.Server {
	tb.Helper()
	if cfg.DB == nil {
		cfg.DB = MustOpenDB(tb, filepath.Join(tb.TempDir(), "sandbox.db"))
	}
	if cfg.Now == nil {
		cfg.Now = newClock(testStart).Now
	}
	s, err := sandbox.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("sandbox.New: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns the status and body. It never follows redirects:
// API calls must not be redirected, and a redirect would hide that.
func do(tb testing.TB, req *http.Request) (int, []byte) {
	tb.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, body
}

func mustJSON(tb testing.TB, body []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(db *sql.DB) sandbox.Config
		wantErr string
	}{
		{"nil DB", func(*sql.DB) sandbox.Config { return sandbox.Config{} }, "Config.DB is nil"},
		{"public URL with path", func(db *sql.DB) sandbox.Config {
			return sandbox.Config{DB: db, PublicURL: "http://example.com/app"}
		}, "want no path"},
		{"public URL without scheme", func(db *sql.DB) sandbox.Config {
			return sandbox.Config{DB: db, PublicURL: "example.com"}
		}, "want scheme://host"},
		{"public URL with trailing slash", func(db *sql.DB) sandbox.Config {
			return sandbox.Config{DB: db, PublicURL: "https://example.com/"}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t, filepath.Join(t.TempDir(), "s.db"))
			_, err := sandbox.New(context.Background(), tt.cfg(db))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewMigratesOnceAndKeepsVersion(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "s.db"))
	for range 2 {
		if _, err := sandbox.New(context.Background(), sandbox.Config{DB: db}); err != nil {
			t.Fatalf("sandbox.New: %v", err)
		}
	}
	var version int
	if err := db.QueryRow(`SELECT version FROM sandbox_schema_version`).Scan(&version); err != nil {
		t.Fatalf("read version: %v", err)
	}
	// One version per schema file, so adding a migration needs no change here.
	files, err := filepath.Glob("schema/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("list schema files: %v (%d found)", err, len(files))
	}
	if version != len(files) {
		t.Errorf("got schema version %d, want %d", version, len(files))
	}
	for _, table := range []string{"sandbox_products", "sandbox_apm_transactions", "sandbox_apm_refunds", "sandbox_callback_deliveries"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: got count %d (err %v), want 1", table, n, err)
		}
	}

	if _, err := db.Exec(`UPDATE sandbox_schema_version SET version = 99`); err != nil {
		t.Fatalf("bump version: %v", err)
	}
	_, err = sandbox.New(context.Background(), sandbox.Config{DB: db})
	if err == nil || !strings.Contains(err.Error(), "newer than this sandbox") {
		t.Errorf("got error %v for a newer schema, want a refusal", err)
	}
}

// TestPersistenceAcrossRestart re-creates the Sandbox on the same database file and
// expects links, APM transactions, refunds and callback outcomes to survive.
func TestPersistenceAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "persist.db")
	receiver := newCallbackReceiver(t, http.StatusOK)

	first := MustServe(t, sandbox.Config{DB: MustOpenDB(t, path)})
	created := mustCreateProduct(t, first, `{"name":"Kalıcı link","price":10,"currency":"TRY","enabledInstallments":[1],"stock":5}`)
	mustPayLink(t, first, created.Token)
	gen := mustGenerateQR(t, first, qrBody("persist-1", receiver.URL))
	mustWallet(t, first, gen.UniqueCode, "pay")
	mustPaywall(t, first, http.MethodPost, "/apm/refund/partial", nil, `{"UniqueCode":"`+gen.UniqueCode+`","Amount":2.5}`)
	first.Close()

	second := MustServe(t, sandbox.Config{DB: MustOpenDB(t, path)})
	got := mustRetrieveProduct(t, second, created.ID)
	if got.Token != created.Token || got.SoldCount != 1 || got.Stock == nil || *got.Stock != 4 {
		t.Errorf("after restart got token %s sold %d stock %v, want token %s sold 1 stock 4",
			got.Token, got.SoldCount, got.Stock, created.Token)
	}
	if want := second.URL + "/sandbox/craftgate/pay/" + created.Token; got.URL != want {
		t.Errorf("got url %s, want %s (derived from the new server)", got.URL, want)
	}
	next := mustCreateProduct(t, second, `{"name":"Sonraki","price":1,"currency":"TRY","enabledInstallments":[1]}`)
	if next.ID != created.ID+1 {
		t.Errorf("got next id %d, want %d", next.ID, created.ID+1)
	}

	q := mustQuery(t, second, "persist-1")
	if q.StatusID != 5 || q.UniqueCode != gen.UniqueCode {
		t.Errorf("after restart got StatusId %d UniqueCode %s, want 5 %s", q.StatusID, q.UniqueCode, gen.UniqueCode)
	}
	refund := mustPaywall(t, second, http.MethodPost, "/apm/refund", nil, `{"UniqueCode":"`+gen.UniqueCode+`"}`)
	var rb struct{ Amount json.Number }
	mustJSON(t, refund.Body, &rb)
	if rb.Amount != "10.00" {
		t.Errorf("got remaining refund %s, want 10.00 (12.50 - 2.50)", rb.Amount)
	}
	nextGen := mustGenerateQR(t, second, qrBody("persist-2", receiver.URL))
	if nextGen.ApmTransactionID != gen.ApmTransactionID+1 {
		t.Errorf("got next ApmTransactionId %d, want %d", nextGen.ApmTransactionID, gen.ApmTransactionID+1)
	}
	page := mustGetPage(t, second, "/sandbox/paywall/wallet/"+gen.UniqueCode, http.StatusOK)
	if !strings.Contains(page, "HTTP 200 OK") {
		t.Errorf("wallet page after restart does not show the recorded callback outcome:\n%s", page)
	}
}

// concurrently runs n copies of f at once and counts the results it returns.
func concurrently(n int, f func() string) map[string]int {
	results := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = f() })
	}
	wg.Wait()
	count := map[string]int{}
	for _, r := range results {
		count[r]++
	}
	return count
}

// postOutcome POSTs without t.Fatal, so goroutines may call it. It returns "code N" for
// a Paywall envelope, "HTTP N" for anything else, or the transport error.
func postOutcome(srv *httptest.Server, path, body string, headers map[string]string) string {
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var env pwResponse
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			return err.Error()
		}
		return "code " + strconv.Itoa(env.ErrorCode)
	}
	return "HTTP " + strconv.Itoa(resp.StatusCode)
}
