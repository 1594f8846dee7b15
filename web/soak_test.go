package web_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/store/pgtest"
	"linkdesk/web/webtest"
)

// TestSoak sends a couple of thousand mixed requests from concurrent users
// and checks that, once the connections are closed, the goroutines are
// back to where they were and the heap has not grown beyond a bound:
// the small version of bench/soak's 100 000 requests.
func TestSoak(t *testing.T) {
	for _, engine := range webtest.Engines {
		t.Run(engine, func(t *testing.T) { testSoak(t, engine) })
	}
}

func testSoak(t *testing.T, engine string) {
	const (
		users          = 8
		requests       = 2000
		goroutineSlack = 10
		heapBound      = 8 << 20
	)
	ta := webtest.New(t, webtest.Options{Engine: engine})
	staff := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "kasa parolası 123"))
	var ids []string
	for i := range 5 {
		p, err := ta.Craftgate.Products.Create(context.Background(), craftclient.ProductRequest{
			Name: "Ürün " + strconv.Itoa(i), Price: craftclient.NewAmount(decimal.New(1250, -2)), Currency: craftclient.CurrencyTRY,
			EnabledInstallments: []int{1},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strconv.FormatInt(p.ID, 10))
	}
	paths := []string{"/links", "/links?name=%C3%9Cr%C3%BCn+2", "/links/" + ids[0], "/links/" + ids[1] + "/qr.png", "/payments", "/healthz"}
	send := func(n int) {
		var wg sync.WaitGroup
		for u := range users {
			wg.Go(func() {
				for i := u; i < n; i += users {
					path := paths[i%len(paths)]
					resp, err := staff.Client.Get(ta.URL + path)
					if err != nil {
						t.Errorf("GET %s: %v", path, err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("GET %s: got %d, want 200", path, resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
	}

	send(200) // warm up: caches, pools, the sandbox's connections
	goroutines, heap := settle(t, staff, 0)
	send(requests)
	gotGoroutines, gotHeap := settle(t, staff, goroutines+goroutineSlack)
	if gotGoroutines > goroutines+goroutineSlack {
		t.Errorf("goroutines: %d before, %d after %d requests; want at most %d more", goroutines, gotGoroutines, requests, goroutineSlack)
	}
	if grown := int64(gotHeap) - int64(heap); grown > heapBound {
		t.Errorf("heap in use grew by %d bytes over %d requests, want < %d", grown, requests, heapBound)
	}
	t.Logf("goroutines %d → %d, heap in use %.1f → %.1f MB", goroutines, gotGoroutines, float64(heap)/(1<<20), float64(gotHeap)/(1<<20))
}

// settle closes the client's idle connections and, when want > 0, waits
// (bounded) for the server's connection goroutines to end, then returns
// the goroutine count and the heap in use after a collection.
func settle(t *testing.T, c *webtest.Client, want int) (int, uint64) {
	t.Helper()
	c.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for want > 0 && runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling for connections to close, bounded by deadline
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapInuse
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
