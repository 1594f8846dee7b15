package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/sandbox"
	"linkdesk/server"
)

// TestDemoSeedsTheSandbox runs linkdesk demo twice on one data folder and
// reads what the dashboard would then show (#14): a Turkish shop's links,
// their payments in the sandbox's Craftgate records and QR payments in
// Linkdesk's own store, spread over the three weeks before today, with
// every outcome; the second run adds nothing.
func TestDemoSeedsTheSandbox(t *testing.T) {
	dir := t.TempDir()
	var first, second bytes.Buffer
	for _, out := range []*bytes.Buffer{&first, &second} {
		if err := run(context.Background(), []string{"demo", "-data", dir}, envOf(nil), nil, out, io.Discard); err != nil {
			t.Fatalf("linkdesk demo: %v", err)
		}
	}
	counts := regexp.MustCompile(`demo: (\d+) links and (\d+) link payments added \((\d+) links there already\); (\d+) QR payments added \((\d+) there already\)`)
	m1, m2 := counts.FindStringSubmatch(first.String()), counts.FindStringSubmatch(second.String())
	if m1 == nil || m2 == nil {
		t.Fatalf("summaries %q and %q", first.String(), second.String())
	}
	n := func(m []string, i int) int { v, _ := strconv.Atoi(m[i]); return v }
	links, linkPayments, qr := n(m1, 1), n(m1, 2), n(m1, 4)
	if links < 8 || linkPayments < 20 || qr < 25 || n(m1, 3) != 0 || n(m1, 5) != 0 {
		t.Errorf("first run: %q", m1[0])
	}
	if n(m2, 1) != 0 || n(m2, 2) != 0 || n(m2, 4) != 0 || n(m2, 3) != links || n(m2, 5) != qr {
		t.Errorf("second run added something: %q", m2[0])
	}

	srv, base := openData(t, dir)
	ctx := context.Background()
	page, err := srv.App.Links.Search(ctx, app.LinkSearch{Size: 100})
	if err != nil || page.Total != int64(links) {
		t.Fatalf("links: %v %v, want %d", page, err, links)
	}
	passive := 0
	for _, l := range page.Links {
		if l.Status == app.LinkStatusPassive {
			passive++
		}
	}
	if passive != 1 {
		t.Errorf("%d passive links, want 1", passive)
	}

	now := time.Now()
	from := now.AddDate(0, 0, -demoDays-1)
	payments, total, err := srv.App.Payments.List(ctx, app.PaymentFilter{Limit: app.MaxPageSize})
	if err != nil || total != qr {
		t.Fatalf("QR payments: %d %v, want %d", total, err, qr)
	}
	statuses := map[app.PaymentStatus]int{}
	for _, p := range payments {
		statuses[p.Status]++
		if p.CreatedAt.Before(from) || p.CreatedAt.After(now) || p.SettledAt == nil {
			t.Errorf("payment %s created %v, settled %v: want settled, within the last three weeks", p.Description, p.CreatedAt, p.SettledAt)
		}
	}
	for _, s := range []app.PaymentStatus{app.PaymentStatusPaid, app.PaymentStatusFailed, app.PaymentStatusExpired,
		app.PaymentStatusRefunded, app.PaymentStatusPartiallyRefunded} {
		if statuses[s] == 0 {
			t.Errorf("no %s QR payment: %v", s, statuses)
		}
	}
	spread(t, "QR payments", func(yield func(time.Time)) {
		for _, p := range payments {
			yield(p.CreatedAt)
		}
	})

	cg := craftclient.NewCraftgate(base+"/sandbox/craftgate", sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey)
	found, err := cg.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{PaymentSource: craftclient.PaymentSourcePayByLink, Size: 100})
	if err != nil || found.TotalSize != int64(linkPayments) {
		t.Fatalf("link payments in the sandbox: %v %v, want %d", found, err, linkPayments)
	}
	outcomes := map[craftclient.PaymentStatus]int{}
	for _, p := range found.Items {
		outcomes[p.PaymentStatus]++
		if p.CreatedDate.Before(from) || p.CreatedDate.After(now) || p.ProductID == 0 {
			t.Errorf("link payment %d of link %d at %v: want a link's, within the last three weeks", p.ID, p.ProductID, p.CreatedDate)
		}
	}
	if outcomes[craftclient.PaymentStatusSuccess] == 0 || outcomes[craftclient.PaymentStatusFailure] == 0 {
		t.Errorf("link payment outcomes %v, want both", outcomes)
	}
	spread(t, "link payments", func(yield func(time.Time)) {
		for _, p := range found.Items {
			yield(p.CreatedDate.Time)
		}
	})

	// The audit log names the demo and Paywall's callbacks as actors.
	for _, actor := range []string{app.ActorDemo, app.ActorPaywall} {
		n := 0
		err := srv.App.Audit.Each(ctx, app.AuditFilter{}, func(e app.AuditEvent) error {
			if e.ActorEmail == actor {
				n++
			}
			return nil
		})
		if err != nil || n == 0 {
			t.Errorf("audit rows by %s: %d %v", actor, n, err)
		}
	}
}

// spread checks times cover at least two weeks.
func spread(t *testing.T, what string, each func(yield func(time.Time))) {
	t.Helper()
	var first, last time.Time
	each(func(at time.Time) {
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	})
	if last.Sub(first) < 14*24*time.Hour {
		t.Errorf("%s from %v to %v, want at least two weeks", what, first, last)
	}
}

// openData assembles Linkdesk on a seeded data folder, as serve would.
func openData(t *testing.T, dir string) (*server.Server, string) {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	srv, err := server.New(context.Background(), server.Config{DataDir: dir, SelfURL: base})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = srv.Handler
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return srv, base
}

// TestDemoRefusedWithCredentials: demo data never goes where real money
// moves, whether asked for by the command or the -demo flag, and nothing
// is written.
func TestDemoRefusedWithCredentials(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"craftgate, command", map[string]string{"CRAFTGATE_API_KEY": "live-key", "CRAFTGATE_SECRET_KEY": "live-secret"}, []string{"demo"}},
		{"paywall, flag", map[string]string{"PAYWALL_PUBLIC_KEY": "pk", "PAYWALL_PUBLIC_CLIENT": "pc"}, []string{"-demo", "-addr", "127.0.0.1:0"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.env["LINKDESK_DATA"] = dir
			err := run(context.Background(), tt.args, envOf(tt.env), nil, io.Discard, io.Discard)
			var ce *configError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "only into the sandbox") {
				t.Fatalf("got %v, want the refusal (exit status 2)", err)
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("the refused demo wrote %v", files)
			}
			if _, err := os.Stat(filepath.Join(dir, "linkdesk.db")); !os.IsNotExist(err) {
				t.Errorf("linkdesk.db: %v", err)
			}
		})
	}
}

// TestDemoPlanIsFixed: the plan is the same on every run (it is how a
// second run finds what the first made), sales fall inside the three
// weeks, sold-out links are not oversold and no two QR payments share a
// second.
func TestDemoPlanIsFixed(t *testing.T) {
	anchor := time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)
	a, b := newDemoPlan(anchor), newDemoPlan(anchor)
	if len(a.payments) != len(b.payments) || len(a.links) != len(b.links) {
		t.Fatal("two plans differ")
	}
	seen := map[time.Time]bool{}
	for i, q := range a.payments {
		if q != b.payments[i] {
			t.Fatalf("payment %d differs: %+v, %+v", i, q, b.payments[i])
		}
		if seen[q.at] || q.at.Before(a.start) || !q.at.Before(anchor) {
			t.Errorf("payment at %v: taken twice, or outside the three weeks", q.at)
		}
		seen[q.at] = true
	}
	for _, l := range a.links {
		if l.maxSales > 0 && l.paid() > l.maxSales {
			t.Errorf("%s sold %d times, at most %d", l.in.Name, l.paid(), l.maxSales)
		}
		if err := l.in.Validate(); err != nil {
			t.Errorf("%s: %v", l.in.Name, err)
		}
		for _, s := range l.sales {
			if s.at.Before(a.start.Add(l.createdAt)) || (l.passiveAt > 0 && !s.at.Before(a.start.Add(l.passiveAt))) || !s.at.Before(anchor) {
				t.Errorf("%s sold at %v, outside its active days", l.in.Name, s.at)
			}
		}
	}
}
