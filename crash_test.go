package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
	"linkdesk/web/webtest"
)

// TestCrashUnderLoad kills the server (sandbox mode, so both providers are
// in the process) with SIGKILL while staff create links and start
// payments, restarts it on the same data, and checks that both databases
// are intact, that every payment whose start was acknowledged is there,
// and that the reconciler leaves none of them ambiguous.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice as a subprocess")
	}
	for _, engine := range webtest.Engines {
		t.Run(engine, func(t *testing.T) { testCrashUnderLoad(t, newDeployment(t, engine)) })
	}
}

func testCrashUnderLoad(t *testing.T, d deployment) {
	session := prepare(t, d)
	env := append(append(os.Environ(), crashChildEnv+"=1", "LINKDESK_ADDR=127.0.0.1:0"), d.env()...)

	first := startChild(t, env)
	client := signedInClient(t, first.url, session)
	var (
		mu    sync.Mutex
		acked []string // payments whose start answered 303
		links int
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { // link creates
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				form := url.Values{"name": {fmt.Sprintf("Çökme %d-%d", w, i)}, "price": {"12,50"}, "currency": {"TRY"},
					"enabledInstallments": {"1"}, "_csrf": {crashCSRF}}
				if resp, err := client.PostForm(first.url+"/links", form); err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusSeeOther {
						mu.Lock()
						links++
						mu.Unlock()
					}
				}
			}
		})
		wg.Go(func() { // payment starts
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				form := url.Values{"amount": {fmt.Sprintf("%d,25", 10+i)}, "currency": {"TRY"}, "description": {fmt.Sprintf("Çökme %d-%d", w, i)},
					"provider": {"62"}, "_csrf": {crashCSRF}}
				resp, err := client.PostForm(first.url+"/payments", form)
				if err != nil {
					continue
				}
				resp.Body.Close()
				if code, ok := strings.CutPrefix(resp.Header.Get("Location"), "/payments/"); ok && resp.StatusCode == http.StatusSeeOther {
					mu.Lock()
					acked = append(acked, code)
					mu.Unlock()
				}
			}
		})
	}
	// The kill lands mid-load: after 2 s of it, and not before both kinds
	// of write have been acknowledged a few times, which a machine busy
	// with other tests may take longer to reach. A server that never gets
	// there within the minute is reported below with its log.
	time.Sleep(2 * time.Second)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		mu.Lock()
		loaded := links >= 5 && len(acked) >= 5
		mu.Unlock()
		if loaded {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the counters, bounded by deadline
	}
	first.kill(t)
	close(stop)
	wg.Wait()
	mu.Lock()
	t.Logf("before the kill: %d links created, %d payment starts acknowledged", links, len(acked))
	if links == 0 || len(acked) == 0 {
		t.Fatalf("the load did nothing (%d links, %d payments); server log:\n%s", links, len(acked), first.log())
	}
	mu.Unlock()

	checkIntegrity(t, d)

	second := startChild(t, env)
	defer second.stop(t)
	db := d.open(t)
	defer db.Close()
	// The reconciler's first pass runs at start-up and then every 5 s;
	// payments younger than its 3 s minimum wait for a later pass.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ambiguous := ambiguousPayments(t, db, acked)
		if len(ambiguous) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still ambiguous after the restart: %s\nserver log:\n%s", strings.Join(ambiguous, "\n"), second.log())
		}
		time.Sleep(200 * time.Millisecond) // polling the store, bounded by deadline
	}
}

// ambiguousPayments lists what is wrong: an acknowledged payment missing,
// or any payment pending with neither the provider's code nor an error.
func ambiguousPayments(t *testing.T, db *store.DB, acked []string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, code := range acked {
		if _, err := db.PaymentByCode(ctx, code); err != nil {
			out = append(out, code+": acknowledged but "+err.Error())
		}
	}
	err := db.ForEachPayment(ctx, app.PaymentFilter{}, func(p app.Payment) error {
		if p.Status == app.PaymentStatusPending && p.UniqueCode == "" && p.LastError == "" {
			out = append(out, p.MerchantUniqueCode+": pending, never started, no error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkIntegrity runs SQLite's integrity check on the sandbox's database
// and on Linkdesk's when it is SQLite (PostgreSQL's crash recovery is its
// own: opening the store is the check).
func checkIntegrity(t *testing.T, d deployment) {
	t.Helper()
	ctx := context.Background()
	db := d.open(t)
	defer db.Close()
	if d.database == "" {
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Errorf("linkdesk.db: %v", err)
		}
	}
	sdb, err := store.OpenSQLite(filepath.Join(d.dir, "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var result string
	if err := sdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Errorf("sandbox.db integrity: %q, %v", result, err)
	}
}
