// Command load drives bench/server with a mix of dashboard requests from
// many concurrent users, on loopback only, and reports throughput,
// latency percentiles and errors. With -sample it also prints, every
// interval, the server's goroutines and heap (from its bench-only stats
// endpoint) and its RSS and threads (from /proc/<pid>/status).
//
// It stops after -duration, or after -requests when that is set.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// targets is the part of bench/server's JSON line this command reads.
type targets struct {
	Base        string  `json:"base"`
	LinkIDs     []int64 `json:"link_ids"`
	StaffCookie string  `json:"staff_cookie"`
	CSRF        string  `json:"csrf"`
	Stats       string  `json:"stats"`
}

// routes is the mix, by weight out of 10: reading dominates, as at a
// counter; one request in ten starts a payment.
var routes = []route{{"list", 3}, {"search", 2}, {"detail", 2}, {"qr", 2}, {"payment", 1}}

type route struct {
	name   string
	weight int
}

type result struct {
	route   int
	latency time.Duration
	ok      bool
}

func main() {
	targetsPath := flag.String("targets", "bench/out/targets.json", "bench/server's JSON line")
	users := flag.Int("users", 50, "concurrent users")
	duration := flag.Duration("duration", 60*time.Second, "how long to run")
	requests := flag.Int64("requests", 0, "stop after this many requests (0: run for -duration)")
	pid := flag.Int("pid", 0, "the server's process id, for RSS and threads")
	sample := flag.Duration("sample", 0, "print a runtime sample this often (0: only at the end)")
	only := flag.String("only", "", "send only this route of the mix (list, search, detail, qr, payment)")
	flag.Parse()
	if *only != "" {
		i := slices.IndexFunc(routes, func(r route) bool { return r.name == *only })
		if i < 0 {
			fail(fmt.Errorf("-only %q: not a route of the mix", *only))
		}
		routes = []route{{routes[i].name, 10}}
	}

	raw, err := os.ReadFile(*targetsPath)
	if err != nil {
		fail(err)
	}
	var t targets
	if err := json.Unmarshal(raw, &t); err != nil || t.Base == "" || len(t.LinkIDs) == 0 {
		fail(fmt.Errorf("read %s: %v (run bench/server first)", *targetsPath, err))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()

	transport := &http.Transport{MaxIdleConnsPerHost: *users}
	client := newClient(transport, nil)
	if *sample > 0 {
		go func() {
			tick := time.NewTicker(*sample)
			defer tick.Stop()
			start := time.Now()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					fmt.Println(runtimeSample(client, t.Stats, *pid, time.Since(start)))
				}
			}
		}()
	}

	var sent atomic.Int64
	results := make([][]result, *users)
	start := time.Now()
	var wg sync.WaitGroup
	for u := range *users {
		// Each user is a browser of its own: it keeps the cookies the
		// server sets (the session's once-a-minute refresh).
		browser, err := browserClient(transport, t)
		if err != nil {
			fail(err)
		}
		wg.Go(func() {
			for i := u; ctx.Err() == nil; i++ {
				if *requests > 0 && sent.Add(1) > *requests {
					return
				}
				route := pick(i)
				began := time.Now()
				ok := do(ctx, browser, t, route, u, i)
				if ctx.Err() != nil && !ok {
					return // cut off by the end of the run, not an error
				}
				results[u] = append(results[u], result{route, time.Since(began), ok})
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	report(slices.Concat(results...), elapsed, *users)
	fmt.Println(runtimeSample(client, t.Stats, *pid, elapsed))
}

func newClient(transport http.RoundTripper, jar http.CookieJar) *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     transport,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// browserClient is a client whose cookie jar starts with the staff
// member's cookies.
func browserClient(transport http.RoundTripper, t targets) (*http.Client, error) {
	cookies, err := http.ParseCookie(t.StaffCookie)
	if err != nil {
		return nil, fmt.Errorf("staff cookie: %w", err)
	}
	base, err := url.Parse(t.Base)
	if err != nil {
		return nil, err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	jar.SetCookies(base, cookies)
	return newClient(transport, jar), nil
}

// pick spreads the routes by weight over consecutive requests.
func pick(i int) int {
	n := i % 10
	for r, rt := range routes {
		if n < rt.weight {
			return r
		}
		n -= rt.weight
	}
	return 0
}

// do sends one request of the route; ok means the answer a signed-in
// browser gets: the page (200), or for a payment start the redirect to the
// new payment's counter screen. Any other 3xx (a redirect to /login from a
// session the server refused) is an error, not a success.
func do(ctx context.Context, client *http.Client, t targets, route, user, i int) bool {
	id := t.LinkIDs[i%len(t.LinkIDs)]
	var req *http.Request
	var err error
	switch routes[route].name {
	case "list":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, t.Base+"/links?size=25&page="+strconv.Itoa(1+i%2), nil)
	case "search":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, t.Base+"/links?name="+url.QueryEscape("Ürün "+strconv.Itoa(1+i%9)), nil)
	case "detail":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, t.Base+"/links/"+strconv.FormatInt(id, 10), nil)
	case "qr":
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, t.Base+"/links/"+strconv.FormatInt(id, 10)+"/qr.png?size=256", nil)
	case "payment":
		form := url.Values{"amount": {strconv.Itoa(10+i%90) + ",50"}, "currency": {"TRY"},
			"description": {"Yük testi " + strconv.Itoa(user)}, "provider": {"62"}, "_csrf": {t.CSRF}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, t.Base+"/payments", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if req.Method == http.MethodPost {
		return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/payments/")
	}
	return resp.StatusCode == http.StatusOK
}

func report(all []result, elapsed time.Duration, users int) {
	fmt.Printf("Linkdesk load: %d users for %s\n", users, elapsed.Round(time.Millisecond))
	fmt.Printf("%-8s %8s %9s %9s %9s %7s\n", "route", "requests", "req/s", "p50 ms", "p99 ms", "errors")
	for r, rt := range routes {
		line(rt.name, filter(all, func(x result) bool { return x.route == r }), elapsed)
	}
	line("all", all, elapsed)
}

func filter(all []result, keep func(result) bool) []result {
	var out []result
	for _, x := range all {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func line(name string, rs []result, elapsed time.Duration) {
	lat := make([]time.Duration, len(rs))
	errs := 0
	for i, x := range rs {
		lat[i] = x.latency
		if !x.ok {
			errs++
		}
	}
	slices.Sort(lat)
	fmt.Printf("%-8s %8d %9.0f %9.2f %9.2f %7d\n", name, len(rs), float64(len(rs))/elapsed.Seconds(),
		ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99)), errs)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runtimeSample is one line: the server's goroutines and heap, and from
// /proc its resident set now and at peak, and its threads.
func runtimeSample(client *http.Client, statsURL string, pid int, at time.Duration) string {
	s := fmt.Sprintf("sample t=%s", at.Round(time.Second))
	if resp, err := client.Get(statsURL); err == nil {
		var st map[string]uint64
		if json.NewDecoder(resp.Body).Decode(&st) == nil {
			s += fmt.Sprintf(" goroutines=%d heap_inuse_mb=%.1f", st["goroutines"], float64(st["heap_inuse"])/(1<<20))
		}
		resp.Body.Close()
	}
	if pid > 0 {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				for _, k := range []string{"VmRSS", "VmHWM", "Threads"} {
					if v, ok := strings.CutPrefix(l, k+":"); ok {
						s += " " + k + "=" + strings.Join(strings.Fields(v), "")
					}
				}
			}
		}
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench load:", err)
	os.Exit(1)
}
