// Command sandboxsearch measures the sandbox's product search (issue #16).
//
// For each size in -links it creates that many links through the sandbox's own
// API, in a fresh database opened as the app opens it (store.OpenSQLite), then
// sends signed searches over loopback HTTP to Sandbox.Handler(), one at a time,
// and prints p50 and p99 per kind of search: the median of -rounds rounds of
// -requests requests. Each kind runs three times: repeated ("warm", as when paging
// or refreshing a list, where the sandbox reuses the count); each search right after
// a write through the API ("write": an untimed PUT that changes nothing, over which
// the sandbox carries its counts); and each search right after a write in SQL behind
// the sandbox's back ("fresh": every count is made afresh, as for a search never
// made before). It also prints the allocations of one search after a write in the
// handler alone (no client, no network), measured with httptest.
//
//	go run ./bench/sandboxsearch -links 1000,10000,100000
//
// It listens on 127.0.0.1 only and removes its databases when done.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"linkdesk/bench/internal/linkseed"
	"linkdesk/sandbox"
	"linkdesk/store"
)

func main() {
	sizes := flag.String("links", "1000,10000,100000", "comma-separated link counts")
	rounds := flag.Int("rounds", 3, "rounds per kind of search; the median round is reported")
	requests := flag.Int("requests", 200, "requests per round")
	writers := flag.Int("writers", 4, "concurrent clients creating links")
	only := flag.String("only", "", "run only the kinds of search whose name contains this")
	flag.Parse()

	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail(fmt.Errorf("-links: %q is not a positive count", s))
		}
		if err := run(n, *rounds, *requests, *writers, *only); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sandboxsearch:", err)
	os.Exit(1)
}

// run seeds n links and measures every kind of search against them.
func run(n, rounds, requests, writers int, only string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sandboxsearch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.OpenSQLite(filepath.Join(dir, "sandbox.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	sb, err := sandbox.New(ctx, sandbox.Config{DB: db})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed after Close
	defer srv.Close()
	c := &client{db: db, Client: &linkseed.Client{
		Base: "http://" + ln.Addr().String(),
		HTTP: &http.Client{
			Timeout:   time.Minute,
			Transport: &http.Transport{MaxIdleConnsPerHost: writers + 1},
		},
	}}

	start := time.Now()
	if err := linkseed.Seed(c.Client, n, writers); err != nil {
		return err
	}
	took := time.Since(start)
	// The link that searches after a write rewrite unchanged; no search below matches it.
	body, err := c.Do(http.MethodPost, linkseed.ProductsPath, markerBody)
	if err != nil {
		return err
	}
	var marker struct{ Data struct{ ID int64 } }
	if err := json.Unmarshal(body, &marker); err != nil {
		return fmt.Errorf("decode %s: %w", body, err)
	}
	c.markerID = marker.Data.ID

	fmt.Printf("\n%d links: created through the API in %.1f s (%.0f links/s, %d clients); load average %s\n",
		n, took.Seconds(), float64(n)/took.Seconds(), writers, loadAverage())
	fmt.Printf("%-30s %8s %8s %8s %8s %8s %8s %8s %7s %7s\n", "search (ms)", "matches",
		"warm p50", "warm p99", "write p50", "write p99", "fresh p50", "fresh p99", "allocs", "KB")
	for _, k := range kinds(n) {
		if only != "" && !strings.Contains(k.name, only) {
			continue
		}
		r, err := measure(c, sb.Handler(), k, rounds, requests)
		if err != nil {
			return fmt.Errorf("%d links, %s: %w", n, k.name, err)
		}
		fmt.Printf("%-30s %8d %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %7d %7.1f\n", k.name, r.matches,
			ms(r.warm.p50), ms(r.warm.p99), ms(r.write.p50), ms(r.write.p99), ms(r.fresh.p50), ms(r.fresh.p99),
			r.allocs, float64(r.bytes)/1024)
	}
	fmt.Printf("load average after: %s\n", loadAverage())
	return nil
}

// markerBody matches none of the searches below but "no filter".
const markerBody = `{"name":"Bench marker","price":0.01,"currency":"GBP","enabledInstallments":[1],"status":"ACTIVE"}`

// loadAverage is the machine's 1-minute load average: other work on the two cores
// shows in the tail latencies.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// kind is one kind of search: query gives the query string of the i-th request.
type kind struct {
	name  string
	query func(i int) string
}

func fixed(q string) func(int) string { return func(int) string { return q } }

func kinds(n int) []kind {
	last := (n - 1) / 25
	return []kind{
		{"no filter, page 0", fixed("")},
		{"name, about half (kahve)", fixed("name=kahve")},
		{"name, few (nadir)", fixed("name=nadir")},
		{"name, 2 characters (ka)", fixed("name=ka")},
		{"name, Turkish case (İRİ)", fixed("name=" + url.QueryEscape("İRİ"))},
		{"minPrice+maxPrice (100-200)", fixed("minPrice=100&maxPrice=200")},
		{"currency (USD)", fixed("currency=USD")},
		{"channel (web)", fixed("channel=web")},
		{"id", func(i int) string { return "id=" + strconv.Itoa(1+i*7919%n) }},
		{"orderId", func(i int) string { return "orderId=ORD-" + strconv.Itoa(10*(1+i*7919%max(1, n/10))) }},
		{"externalId", func(i int) string { return "externalId=EXT-" + strconv.Itoa(1+2*(i%100)) }},
		{"minExpiresAt+maxExpiresAt", fixed("minExpiresAt=2030-06-01T00:00:00&maxExpiresAt=2030-09-01T00:00:00")},
		{"page 100 of 25", fixed("page=100&size=25")},
		{"last page of 25", fixed("page=" + strconv.Itoa(last) + "&size=25")},
		{"middle page of 100", fixed("page=" + strconv.Itoa(n/200) + "&size=100")},
		{"size 100", fixed("size=100")},
		{"name half+currency+price", fixed("name=kahve&currency=TRY&minPrice=100&maxPrice=500")},
		{"currency+channel, page 10", fixed("currency=TRY&channel=web&page=10")},
	}
}

type latency struct{ p50, p99 time.Duration }

type result struct {
	matches            int64
	warm, write, fresh latency
	allocs             uint64 // per search after a write, in the handler alone
	bytes              uint64
}

// measure times the kind warm, after a write and afresh, then counts the handler's
// allocations.
func measure(c *client, h http.Handler, k kind, rounds, requests int) (result, error) {
	var r result
	body, err := c.Do(http.MethodGet, linkseed.ProductsPath+"?"+k.query(0), "")
	if err != nil {
		return r, err
	}
	var page struct {
		Data struct{ TotalSize int64 }
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return r, fmt.Errorf("decode %s: %w", body, err)
	}
	r.matches = page.Data.TotalSize
	for _, m := range []struct {
		dst    *latency
		before func() error
	}{{&r.warm, nil}, {&r.write, c.touchMarker}, {&r.fresh, c.touchMarkerInSQL}} {
		if *m.dst, err = timeRounds(c, k, rounds, requests, m.before); err != nil {
			return r, err
		}
	}
	r.allocs, r.bytes, err = handlerAllocs(c, h, k)
	return r, err
}

// timeRounds runs rounds of requests one at a time and reports the median round's
// p50 and p99. Each search follows an untimed call of before, unless it is nil.
func timeRounds(c *client, k kind, rounds, requests int, before func() error) (latency, error) {
	var p50s, p99s []time.Duration
	for range rounds {
		lat := make([]time.Duration, requests)
		for i := range lat {
			if before != nil {
				if err := before(); err != nil {
					return latency{}, err
				}
			}
			target := linkseed.ProductsPath + "?" + k.query(i)
			start := time.Now()
			if _, err := c.Do(http.MethodGet, target, ""); err != nil {
				return latency{}, err
			}
			lat[i] = time.Since(start)
		}
		slices.Sort(lat)
		p50s = append(p50s, lat[len(lat)/2])
		p99s = append(p99s, lat[(len(lat)*99+99)/100-1])
	}
	slices.Sort(p50s)
	slices.Sort(p99s)
	return latency{p50s[len(p50s)/2], p99s[len(p99s)/2]}, nil
}

// handlerAllocs is what one search after a write allocates in the sandbox's handler:
// requests served in process with httptest, so the client and the network are not
// counted, and neither is the write before each.
func handlerAllocs(c *client, h http.Handler, k kind) (allocs, bytes uint64, err error) {
	const calls = 20
	var before, after runtime.MemStats
	for i := range calls {
		if err := c.touchMarker(); err != nil {
			return 0, 0, err
		}
		req := c.Request(http.MethodGet, linkseed.ProductsPath+"?"+k.query(i), "")
		rec := httptest.NewRecorder()
		runtime.ReadMemStats(&before)
		h.ServeHTTP(rec, req)
		runtime.ReadMemStats(&after)
		if rec.Code != http.StatusOK {
			return 0, 0, fmt.Errorf("in-process search: status %d: %s", rec.Code, rec.Body)
		}
		allocs += after.Mallocs - before.Mallocs
		bytes += after.TotalAlloc - before.TotalAlloc
	}
	return allocs / calls, bytes / calls, nil
}

// client is the signing client with the marker link that writes rewrite.
type client struct {
	*linkseed.Client
	db       *sql.DB // the sandbox's database
	markerID int64
}

// touchMarker rewrites the marker link as it is through the API: a write that
// changes no search's results; the sandbox carries its counts over it.
func (c *client) touchMarker() error {
	_, err := c.Do(http.MethodPut, fmt.Sprintf("%s/%d", linkseed.ProductsPath, c.markerID), markerBody)
	return err
}

// touchMarkerInSQL rewrites the marker link's name in SQL, behind the sandbox's back
// as another process on the same database would: the sandbox forgets its counts
// and the next search counts afresh, as a search never made before does.
func (c *client) touchMarkerInSQL() error {
	_, err := c.db.Exec(`UPDATE sandbox_products SET name_folded = name_folded WHERE id = ?`, c.markerID)
	return err
}
