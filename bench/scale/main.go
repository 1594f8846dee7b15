// Command scale measures the dashboard at 1 000, 10 000 and 100 000 links
// (issue #16): for each size it starts bench/server in a process of its own
// (the real server with the embedded sandbox, search cache off, N payments
// written into its store), creates N links through the sandbox's API
// (bench/internal/linkseed, the data of bench/sandboxsearch), then reports
//
//   - GET /links: p50 and p99 of one request at a time, for the first page,
//     for pages spread over the whole list, and for a name matching half the
//     links; every request is a Craftgate call (no search cache);
//
//   - GET /links/export.csv and /payments/export.csv of everything: total
//     time, time to the first byte of the body, rows, and how far the server's
//     resident set (VmRSS, sampled every 20 ms) rose above where it stood;
//
//   - the server's RSS after bench/load's mixed scenario (-mix, 50 users).
//
//     go run ./bench/scale -links 1000,10000,100000
//
// Run it from the module root: it builds bench/server and bench/load. Every
// listener is on 127.0.0.1; the server's data is removed when it stops.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"linkdesk/bench/internal/linkseed"
	"linkdesk/views"
)

func main() {
	sizes := flag.String("links", "1000,10000,100000", "comma-separated link counts")
	requests := flag.Int("requests", 200, "GET /links requests per kind")
	writers := flag.Int("writers", 4, "concurrent clients creating links")
	payments := flag.Bool("payments", true, "also write as many payments as links and export them")
	mix := flag.Duration("mix", 20*time.Second, "how long bench/load's mixed scenario runs (0: skip)")
	flag.StringVar(&heapProfile, "heapprofile", "", "after the mixed load, write the server's heap profile to this file (a size is added to the name)")
	flag.Parse()

	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail(fmt.Errorf("-links: %q is not a positive count", s))
		}
		ns = append(ns, n)
	}
	bin, err := os.MkdirTemp("", "linkdesk-scale-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(bin)
	for _, cmd := range []string{"server", "load"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, cmd), "./bench/"+cmd).CombinedOutput(); err != nil {
			fail(fmt.Errorf("build bench/%s (run from the module root): %v\n%s", cmd, err, out))
		}
	}
	var results []result
	for _, n := range ns {
		r, err := run(bin, n, *requests, *writers, *payments, *mix)
		if err != nil {
			fail(fmt.Errorf("%d links: %w", n, err))
		}
		results = append(results, r)
	}
	summary(results)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

// targets is the part of bench/server's JSON line this command reads; the
// whole line is kept to hand bench/load its own copy.
type targets struct {
	Base   string `json:"base"`
	Cookie string `json:"cookie"`
	Staff  string `json:"staff_cookie"`
	Stats  string `json:"stats"` // the server's Go memory figures
}

// goMemory reads the server's Go memory from bench/server's stats: the
// heap in use and what the Go runtime holds from the system; the rest of
// its RSS is SQLite's page caches (C memory) and the program's text.
func goMemory(hc *http.Client, statsURL string) string {
	resp, err := hc.Get(statsURL)
	if err != nil {
		return "Go memory unknown: " + err.Error()
	}
	defer resp.Body.Close()
	var st struct {
		HeapInuse int64 `json:"heap_inuse"`
		Sys       int64 `json:"sys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return "Go memory unknown: " + err.Error()
	}
	return fmt.Sprintf("Go heap in use %.1f MB, Go runtime from the system %.1f MB", float64(st.HeapInuse)/(1<<20), float64(st.Sys)/(1<<20))
}

// heapProfile is -heapprofile.
var heapProfile string

// saveHeapProfile writes the server's heap profile (bench/server serves it
// beside its stats) to -heapprofile, suffixed with the size.
func saveHeapProfile(hc *http.Client, statsURL string, n int) error {
	resp, err := hc.Get(strings.TrimSuffix(statsURL, "/stats") + "/debug/pprof/heap")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(fmt.Sprintf("%s.%d", heapProfile, n))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type latency struct{ p50, p99 time.Duration }

type export struct {
	rows             int
	total, firstByte time.Duration
	rssGrowth        int64 // kB
}

type result struct {
	links, payments          int
	seeded                   time.Duration
	list                     map[string]latency
	linksCSV, paymentsCSV    *export
	rssSeeded, rssMixed, hwm int64  // kB
	goMixed                  string // Go's share of rssMixed
	mixLine                  string
	loadBefore, loadAfter    string
}

// listKinds are the GET /links requests timed, by the i-th request's query.
func listKinds(n int) []struct {
	name  string
	query func(i int) string
} {
	pages := (n + views.DefaultLinksPageSize - 1) / views.DefaultLinksPageSize
	return []struct {
		name  string
		query func(i int) string
	}{
		{"first page", func(int) string { return "" }},
		{"any page", func(i int) string { return "?page=" + strconv.Itoa(1+i*7919%pages) }},
		{"name in half", func(int) string { return "?name=kahve" }},
	}
}

// run measures one size against a server of its own.
func run(bin string, n, requests, writers int, payments bool, mix time.Duration) (result, error) {
	r := result{links: n, list: map[string]latency{}, loadBefore: loadAverage()}
	if payments {
		r.payments = n
	}
	srv, raw, err := startServer(bin, r.payments)
	if err != nil {
		return r, err
	}
	defer srv.stop()
	var t targets
	if err := json.Unmarshal(raw, &t); err != nil {
		return r, fmt.Errorf("bench/server's line %s: %w", raw, err)
	}
	hc := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: writers + 1}}

	start := time.Now()
	if err := linkseed.Seed(&linkseed.Client{Base: t.Base, HTTP: hc}, n, writers); err != nil {
		return r, err
	}
	r.seeded = time.Since(start)
	r.rssSeeded = srv.status("VmRSS")
	fmt.Printf("\n%d links created through the API in %.1f s (%.0f/s), %d payments in the store; server RSS %.1f MB; load average %s\n",
		n, r.seeded.Seconds(), float64(n)/r.seeded.Seconds(), r.payments, mb(r.rssSeeded), loadAverage())

	for _, k := range listKinds(n) {
		lat, err := timeList(hc, t, k.query, requests)
		if err != nil {
			return r, fmt.Errorf("GET /links%s: %w", k.query(0), err)
		}
		r.list[k.name] = lat
		fmt.Printf("GET /links, %-13s p50 %7.2f ms  p99 %7.2f ms\n", k.name, ms(lat.p50), ms(lat.p99))
	}

	// The links ids run from 2 (bench/server made link 1) to n+1.
	if r.linksCSV, err = timeExport(hc, srv, t.Base+views.PathLinksCSV, t.Cookie, n+1); err != nil {
		return r, err
	}
	printExport("/links/export.csv", r.linksCSV)
	if payments {
		if r.paymentsCSV, err = timeExport(hc, srv, t.Base+views.PathPaymentsCSV, t.Staff, n); err != nil {
			return r, err
		}
		printExport("/payments/export.csv", r.paymentsCSV)
	}

	if mix > 0 {
		if r.mixLine, err = mixedLoad(bin, srv, raw, n, mix); err != nil {
			return r, err
		}
		r.rssMixed, r.hwm, r.goMixed = srv.status("VmRSS"), srv.status("VmHWM"), goMemory(hc, t.Stats)
		fmt.Printf("mixed load (bench/load, 50 users, %s): %s\nserver RSS after it %.1f MB (%s; peak over the whole run %.1f MB)\n",
			mix, r.mixLine, mb(r.rssMixed), r.goMixed, mb(r.hwm))
		if heapProfile != "" {
			if err := saveHeapProfile(hc, t.Stats, n); err != nil {
				return r, fmt.Errorf("heap profile: %w", err)
			}
		}
	}
	r.loadAfter = loadAverage()
	fmt.Printf("load average after: %s\n", r.loadAfter)
	return r, nil
}

// server is a running bench/server.
type server struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startServer starts bench/server with one link of its own and returns its
// JSON line.
func startServer(bin string, payments int) (*server, []byte, error) {
	cmd := exec.Command(filepath.Join(bin, "server"), "-links", "1", "-payments", strconv.Itoa(payments),
		"-search-ttl", "0", "-lifetime", "2h")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	lines := bufio.NewReader(out)
	line, err := lines.ReadBytes('\n')
	go func() {
		_, _ = io.Copy(io.Discard, lines)
		_ = cmd.Wait()
		close(s.done)
	}()
	if err != nil {
		s.stop()
		return nil, nil, fmt.Errorf("bench/server: %w", err)
	}
	return s, line, nil
}

// stop ends the server as Ctrl-C would, so it removes its data.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// status is a kB figure of the server's /proc status (VmRSS, VmHWM); 0 when
// it cannot be read.
func (s *server) status(key string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func get(hc *http.Client, target, cookie string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", cookie)
	return hc.Do(req)
}

// timeList sends requests GET /links one at a time and returns p50 and p99.
func timeList(hc *http.Client, t targets, query func(int) string, requests int) (latency, error) {
	lat := make([]time.Duration, requests)
	for i := range lat {
		start := time.Now()
		resp, err := get(hc, t.Base+views.PathLinks+query(i), t.Cookie)
		if err != nil {
			return latency{}, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat[i] = time.Since(start)
		if err != nil {
			return latency{}, err
		}
		if resp.StatusCode != http.StatusOK {
			return latency{}, fmt.Errorf("status %d", resp.StatusCode)
		}
	}
	slices.Sort(lat)
	return latency{lat[len(lat)/2], lat[(len(lat)*99+99)/100-1]}, nil
}

// timeExport downloads an export and checks it holds want rows, while
// sampling the server's RSS.
func timeExport(hc *http.Client, srv *server, target, cookie string, want int) (*export, error) {
	before := srv.status("VmRSS")
	stop := make(chan struct{})
	var (
		peak int64
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, srv.status("VmRSS"))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	e := &export{}
	start := time.Now()
	err := func() error {
		resp, err := get(hc, target, cookie)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		buf := make([]byte, 64<<10)
		lines := 0
		for {
			k, err := resp.Body.Read(buf)
			if k > 0 && e.firstByte == 0 {
				e.firstByte = time.Since(start)
			}
			lines += strings.Count(string(buf[:k]), "\n")
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("after %d lines: %w", lines, err)
			}
		}
		e.rows = lines - 1 // the header
		return nil
	}()
	e.total = time.Since(start)
	close(stop)
	wg.Wait()
	e.rssGrowth = max(0, peak-before)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", target, err)
	}
	if e.rows != want {
		return nil, fmt.Errorf("GET %s: %d rows, want %d", target, e.rows, want)
	}
	return e, nil
}

func printExport(name string, e *export) {
	fmt.Printf("%-21s %7d rows in %6.2f s, first byte after %6.1f ms, server RSS +%.1f MB\n",
		name, e.rows, e.total.Seconds(), ms(e.firstByte), mb(e.rssGrowth))
}

// mixedLoad runs bench/load against the server for d, its detail and QR
// requests spread over a thousand of the links, and returns its "all" line.
func mixedLoad(bin string, srv *server, raw []byte, n int, d time.Duration) (string, error) {
	var line map[string]any
	if err := json.Unmarshal(raw, &line); err != nil {
		return "", err
	}
	var ids []int64
	for k := range min(n, 1000) {
		ids = append(ids, 2+int64(k)*int64(n)/int64(min(n, 1000)))
	}
	line["link_ids"] = ids
	f, err := os.CreateTemp("", "scale-targets-*.json")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := json.NewEncoder(f).Encode(line); err != nil {
		f.Close()
		return "", err
	}
	f.Close()
	out, err := exec.Command(filepath.Join(bin, "load"), "-targets", f.Name(), "-users", "50",
		"-duration", d.String(), "-pid", strconv.Itoa(srv.cmd.Process.Pid)).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("bench/load: %v\n%s", err, out)
	}
	for l := range strings.SplitSeq(string(out), "\n") {
		if fields := strings.Fields(l); len(fields) == 6 && fields[0] == "all" {
			return fmt.Sprintf("%s req/s, p50 %s ms, p99 %s ms, %s errors", fields[2], fields[3], fields[4], fields[5]), nil
		}
	}
	return "", fmt.Errorf("bench/load printed no total:\n%s", out)
}

// summary prints the figures as the README's Markdown table.
func summary(rs []result) {
	fmt.Print("\n| | goal |")
	for _, r := range rs {
		fmt.Printf(" %d links |", r.links)
	}
	fmt.Print("\n|---|---|")
	for range rs {
		fmt.Print("---:|")
	}
	fmt.Println()
	row := func(name, goal string, cell func(result) string) {
		fmt.Printf("| %s | %s |", name, goal)
		for _, r := range rs {
			fmt.Printf(" %s |", cell(r))
		}
		fmt.Println()
	}
	for _, k := range listKinds(1) {
		goal := ""
		if k.name == "first page" || k.name == "any page" {
			goal = "p99 ≤ 20 ms"
		}
		row("`/links` uncached, "+k.name+" (p50 / p99 ms)", goal, func(r result) string {
			return fmt.Sprintf("%.1f / %.1f", ms(r.list[k.name].p50), ms(r.list[k.name].p99))
		})
	}
	exports := []struct {
		name string
		of   func(result) *export
	}{{"`/links/export.csv`", func(r result) *export { return r.linksCSV }},
		{"`/payments/export.csv`", func(r result) *export { return r.paymentsCSV }}}
	for _, x := range exports {
		cell := func(f func(*export) string) func(result) string {
			return func(r result) string {
				if e := x.of(r); e != nil {
					return f(e)
				}
				return "–"
			}
		}
		row(x.name+" of every row: total", "≤ 10 s at 100 000", cell(func(e *export) string { return fmt.Sprintf("%.2f s", e.total.Seconds()) }))
		row(x.name+": first byte", "< 1 s", cell(func(e *export) string { return fmt.Sprintf("%.0f ms", ms(e.firstByte)) }))
		row(x.name+": RSS growth", "≤ 20 MB", cell(func(e *export) string { return fmt.Sprintf("%.1f MB", mb(e.rssGrowth)) }))
	}
	row("server RSS after seeding", "", func(r result) string { return fmt.Sprintf("%.0f MB", mb(r.rssSeeded)) })
	row("server RSS after the mixed load", "≤ 100 MB", func(r result) string { return fmt.Sprintf("%.0f MB", mb(r.rssMixed)) })
	row("links created through the API", "", func(r result) string {
		return fmt.Sprintf("%.0f/s", float64(r.links)/r.seeded.Seconds())
	})
	row("load average before / after", "", func(r result) string { return r.loadBefore + " / " + r.loadAfter })
}

// loadAverage is the machine's 1-minute load average: other work on the
// cores shows in the tail latencies.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mb(kb int64) float64        { return float64(kb) / 1024 }
