// Command overview measures the overview page (issue #12) with many
// payments in the store: it assembles Linkdesk as main.go does (sandbox
// mode, a temporary data folder), writes -links links to the local record
// and -payments payments through the store's own methods, as the core
// writes them (link payments with their totals and link summaries, QR
// payments settled), then requests the page over loopback HTTP as a
// signed-in owner, one request at a time, and prints p50, p95, p99 and the
// slowest of each kind: the whole page, the poll's fragment, the poll
// answered 204, and the core's Overview alone.
//
//	go run ./bench/overview -payments 100000
//
// By default every payment falls in the last 30 days, the most the
// overview can sum; -days spreads them wider. It listens on 127.0.0.1
// only and removes its data when done.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/server"
	"linkdesk/store"
)

func main() {
	payments := flag.Int("payments", 100_000, "payments to write (a third QR, the rest through links)")
	links := flag.Int("links", 10_000, "links in the local record")
	days := flag.Int("days", app.OverviewDays, "spread the payments over this many days up to now")
	requests := flag.Int("requests", 1000, "requests of each kind")
	goal := flag.Duration("goal", 50*time.Millisecond, "p99 goal of the whole page")
	flag.Parse()
	if err := run(*payments, *links, *days, *requests, *goal); err != nil {
		fmt.Fprintln(os.Stderr, "overview:", err)
		os.Exit(1)
	}
}

func run(nPayments, nLinks, days, requests int, goal time.Duration) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "linkdesk-overview-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	istanbul, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Config{DataDir: dir, SelfURL: base, Merchant: "Bench Mağaza", Location: istanbul,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer srv.Close()
	hs := &http.Server{Handler: srv.Handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()

	start := time.Now()
	if err := seed(ctx, srv.Store, istanbul, nLinks, nPayments, days); err != nil {
		return err
	}
	fmt.Printf("seeded %d links and %d payments over %d days in %s\n", nLinks, nPayments, days, time.Since(start).Round(time.Second))

	owner := &app.User{Email: "owner@bench.example", Name: "Owner", Role: app.RoleOwner, PasswordHash: []byte("x")}
	if err := srv.Store.CreateUser(ctx, owner); err != nil {
		return err
	}
	ck, err := srv.SignIn(ctx, owner)
	if err != nil {
		return err
	}
	version, err := srv.App.Sales.Version(ctx)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path string, header ...string) func() error {
		return func() error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
			if err != nil {
				return err
			}
			req.AddCookie(ck)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
				return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			return nil
		}
	}
	kinds := []struct {
		name string
		do   func() error
	}{
		{"GET / (the whole page)", get("/")},
		{"GET / (htmx: the overview alone)", get("/", "HX-Request", "true")},
		{"GET /?since=v (poll, nothing new: 204)", get("/?since="+strconv.FormatInt(version, 10), "HX-Request", "true")},
		{"Sales.Overview (the core alone)", func() error { _, err := srv.App.Sales.Overview(ctx); return err }},
	}
	fmt.Printf("%-42s %9s %9s %9s %9s\n", "request", "p50", "p95", "p99", "max")
	var pagep99 time.Duration
	for i, k := range kinds {
		took := make([]time.Duration, 0, requests)
		for range 20 { // warm the caches and the connection
			if err := k.do(); err != nil {
				return err
			}
		}
		for range requests {
			t0 := time.Now()
			if err := k.do(); err != nil {
				return err
			}
			took = append(took, time.Since(t0))
		}
		slices.Sort(took)
		q := func(p float64) time.Duration { return took[int(p*float64(len(took)-1))] }
		fmt.Printf("%-42s %9s %9s %9s %9s\n", k.name, ms(q(.50)), ms(q(.95)), ms(q(.99)), ms(took[len(took)-1]))
		if i == 0 {
			pagep99 = q(.99)
		}
	}
	verdict := "PASS"
	if pagep99 > goal {
		verdict = "MISS"
	}
	fmt.Printf("whole page p99 %s, goal ≤ %s: %s\n", ms(pagep99), ms(goal), verdict)
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// seed writes the links and payments in transactions of a few thousand.
// Link payments carry their totals (a sale, a failed attempt, a refund in
// the quarter hour it happened) as the core records them; QR payments are
// created and settled, counted the same way.
func seed(ctx context.Context, db *store.DB, zone *time.Location, nLinks, nPayments, days int) error {
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(1, 2))
	linkIDs := make([]int64, nLinks)
	if err := inBatches(ctx, db, nLinks, func(tx app.Tx, i int) error {
		linkIDs[i] = int64(i + 1)
		l := app.Link{ID: int64(i + 1), Name: "Ürün " + strconv.Itoa(i+1) + " — çay, simit ve börek", Price: decimal.New(int64(1999+i), -2),
			Currency: "TRY", Status: app.LinkStatusActive, EnabledInstallments: []int{1, 3}}
		return tx.SaveLinks(ctx, []app.Link{l}, now)
	}); err != nil {
		return err
	}
	at := func() time.Time {
		return now.Add(-time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour)))).Truncate(time.Second)
	}
	currency := func() app.Currency {
		if rng.IntN(10) == 0 {
			return "USD"
		}
		return "TRY"
	}
	nQR := nPayments / 3
	if err := inBatches(ctx, db, nPayments-nQR, func(tx app.Tx, i int) error {
		return seedLinkPayment(ctx, tx, zone, int64(i+1), linkIDs[rng.IntN(len(linkIDs))], at(), currency(), rng)
	}); err != nil {
		return err
	}
	for _, id := range linkIDs {
		if err := db.RecomputeLinkSales(ctx, id, app.SaleStatuses); err != nil {
			return err
		}
	}
	clock := now
	db.Now = func() time.Time { return clock }
	defer func() { db.Now = time.Now }()
	return inBatches(ctx, db, nQR, func(tx app.Tx, i int) error {
		clock = at()
		return seedQRPayment(ctx, tx, zone, i, clock, currency(), rng)
	})
}

func inBatches(ctx context.Context, db *store.DB, n int, fn func(tx app.Tx, i int) error) error {
	const batch = 5000
	for lo := 0; lo < n; lo += batch {
		err := db.InTx(ctx, func(tx app.Tx) error {
			for i := lo; i < min(lo+batch, n); i++ {
				if err := fn(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func seedLinkPayment(ctx context.Context, tx app.Tx, zone *time.Location, id, linkID int64, at time.Time, c app.Currency, rng *rand.Rand) error {
	amount := decimal.New(int64(500+rng.IntN(50_000)), -2)
	p := &app.LinkPayment{ID: id, LinkID: linkID, ProductID: linkID, CreatedAt: at, Price: amount, PaidPrice: amount, Currency: c,
		Installment: 1, Status: app.PaymentStatusPaid, Payer: "Ayşe Yılmaz", CardBIN: "552879", CardLastFour: "0008"}
	entry := app.SalesEntry{At: app.SalesBucketStart(at), Source: app.SaleSourceLink, Currency: c, Sales: 1, SalesAmount: amount}
	switch n := rng.IntN(100); {
	case n < 5: // declined
		p.Status, entry = app.PaymentStatusFailed, app.SalesEntry{At: entry.At, Source: app.SaleSourceLink, Currency: c, Failed: 1}
	case n < 8: // partly refunded an hour later
		refund := app.ProviderRefund{ID: id, PaymentID: id, CreatedAt: at.Add(time.Hour), Amount: amount.Div(decimal.NewFromInt(2)).Round(2), Succeeded: true}
		p.Status, p.Refunded, p.Refunds = app.PaymentStatusPartiallyRefunded, refund.Amount, []app.ProviderRefund{refund}
		if err := tx.AddSales(ctx, app.SalesEntry{At: app.SalesBucketStart(refund.CreatedAt), Source: app.SaleSourceLink, Currency: c,
			Refunds: 1, RefundAmount: refund.Amount}, zone); err != nil {
			return err
		}
	}
	if err := tx.SaveLinkPayment(ctx, p); err != nil {
		return err
	}
	if err := tx.AddSales(ctx, entry, zone); err != nil {
		return err
	}
	return tx.BumpSalesVersion(ctx)
}

func seedQRPayment(ctx context.Context, tx app.Tx, zone *time.Location, i int, at time.Time, c app.Currency, rng *rand.Rand) error {
	code := "bench-" + strconv.Itoa(i)
	p := &app.Payment{MerchantUniqueCode: code, CallbackToken: "bench-token-0123456789-" + code,
		Amount: decimal.New(int64(500+rng.IntN(50_000)), -2), Currency: c, Description: "Masa " + strconv.Itoa(i%40), Provider: "papara"}
	if err := tx.CreatePayment(ctx, p); err != nil {
		return err
	}
	if _, err := tx.SettlePayment(ctx, code, app.PaymentStatusPaid); err != nil {
		return err
	}
	return tx.AddSales(ctx, app.SalesEntry{At: app.SalesBucketStart(at), Source: app.SaleSourceQR, Currency: c, Sales: 1, SalesAmount: p.Amount}, zone)
}
