package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
)

// Issue #12: the local record of links, link payments, sales totals, the
// sales list, the catch-up's cursor and Craftgate's webhooks.

func newLink(id int64, name, price, currency string) app.Link {
	stock := 5
	return app.Link{ID: id, Name: name, Description: "d", Price: dec(price), Currency: app.Currency(currency),
		Status: app.LinkStatusActive, Stock: &stock, SoldCount: 1, Token: fmt.Sprint("t", id), URL: fmt.Sprint("https://pay.example/", id),
		Channel: "tezgah", EnabledInstallments: []int{1, 3}}
}

func mustSaveLinks(tb testing.TB, db *store.DB, seen time.Time, links ...app.Link) {
	tb.Helper()
	if err := db.SaveLinks(context.Background(), links, seen); err != nil {
		tb.Fatalf("save links: %v", err)
	}
}

func linkNames(ls []app.Link) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return strings.Join(names, ",")
}

func testSaveLinks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	seen := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	want := newLink(7, "Çay", "12.50", "TRY")
	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want.ExpiresAt, want.OrderID, want.MultiPayment = &exp, "o-7", true
	mustSaveLinks(t, db, seen, want)
	got, err := db.LocalLink(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != want.Name || !got.Price.Equal(want.Price) || *got.Stock != 5 || got.SoldCount != 1 || got.URL != want.URL ||
		fmt.Sprint(got.EnabledInstallments) != "[1 3]" || !got.ExpiresAt.Equal(exp) || got.OrderID != "o-7" || !got.MultiPayment {
		t.Errorf("got %+v, want %+v", *got, want)
	}
	want.Name, want.Stock, want.ExpiresAt = "Demli çay", nil, nil
	mustSaveLinks(t, db, seen, want)
	if got, _ := db.LocalLink(ctx, 7); got.Name != "Demli çay" || got.Stock != nil || got.ExpiresAt != nil {
		t.Errorf("saved again: got %+v, want the new name, unlimited, no expiry", *got)
	}
	if _, err := db.LocalLink(ctx, 8); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown link: got %v, want ErrNotFound", err)
	}
	if err := db.MarkLinkDeleted(ctx, 8); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("mark an unknown link deleted: got %v, want ErrNotFound", err)
	}
}

// testRefreshLinks checks that a refresh writes only what differs from the
// record: unchanged links keep their seen time (UnseenLinks still finds
// them), while changed, new and deleted ones are written as SaveLinks does.
func testRefreshLinks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	early := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	later := early.Add(time.Hour)
	mustSaveLinks(t, db, early, newLink(1, "A", "1", "TRY"), newLink(2, "B", "1", "TRY"), newLink(3, "C", "1", "TRY"),
		newLink(4, "D", "1", "TRY"))
	if err := db.MarkLinkDeleted(ctx, 4); err != nil {
		t.Fatal(err)
	}
	changed := newLink(2, "B", "1", "TRY")
	changed.SoldCount = 2
	exp := early.Add(24 * time.Hour)
	expiring := newLink(3, "C", "1", "TRY")
	expiring.ExpiresAt = &exp
	refreshed := []app.Link{newLink(5, "E", "1", "TRY"), newLink(1, "A", "1", "TRY"), changed, expiring, newLink(4, "D", "1", "TRY")}
	if err := db.RefreshLinks(ctx, refreshed, later); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if ids, err := db.UnseenLinks(ctx, later, 10); err != nil || fmt.Sprint(ids) != "[1]" {
		t.Errorf("unseen after a refresh: got %v, %v, want [1] (unchanged, so not written)", ids, err)
	}
	for _, want := range refreshed {
		got, err := db.LocalLink(ctx, want.ID)
		if err != nil {
			t.Fatalf("link %d: %v", want.ID, err)
		}
		if got.SoldCount != want.SoldCount || !reflect.DeepEqual(got.ExpiresAt, want.ExpiresAt) {
			t.Errorf("link %d: got sold %d, expires %v; want sold %d, expires %v",
				want.ID, got.SoldCount, got.ExpiresAt, want.SoldCount, want.ExpiresAt)
		}
	}
	if links, total, err := db.SearchLinks(ctx, app.LinkSearch{Size: 25}); err != nil || total != 5 {
		t.Errorf("links not deleted: got %q (%d), %v, want all five (D brought back)", linkNames(links), total, err)
	}
}

func testSearchLinks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	seen := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	usd := newLink(4, "Gift card", "50", "USD")
	usd.Channel = "web"
	mustSaveLinks(t, db, seen, newLink(1, "Çay", "10", "TRY"), newLink(2, "Ilık süt", "30", "TRY"),
		newLink(3, "Kahve 100%_", "20", "TRY"), usd, newLink(5, "ÇAYIR gezisi", "1000", "TRY"))
	if err := db.MarkLinkDeleted(ctx, 5); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		q     app.LinkSearch
		want  string
		total int64
	}{
		{"all, newest first", app.LinkSearch{}, "Gift card,Kahve 100%_,Ilık süt,Çay", 4},
		{"cay finds Çay", app.LinkSearch{Name: "cay"}, "Çay", 1},
		{"ilik finds Ilık", app.LinkSearch{Name: "ilik"}, "Ilık süt", 1},
		{"ILIK too", app.LinkSearch{Name: "ILIK"}, "Ilık süt", 1},
		{"wildcards are letters", app.LinkSearch{Name: "%_"}, "Kahve 100%_", 1},
		{"a lone underscore", app.LinkSearch{Name: "_"}, "Kahve 100%_", 1},
		{"currency", app.LinkSearch{Currency: "USD"}, "Gift card", 1},
		{"channel", app.LinkSearch{Channel: "web"}, "Gift card", 1},
		{"price range", app.LinkSearch{MinPrice: decPtr("15"), MaxPrice: decPtr("30")}, "Kahve 100%_,Ilık süt", 2},
		{"by name", app.LinkSearch{Sort: app.LinkSortName}, "Çay,Gift card,Ilık süt,Kahve 100%_", 4},
		{"by name, reversed", app.LinkSearch{Sort: app.LinkSortName, Reverse: true}, "Kahve 100%_,Ilık süt,Gift card,Çay", 4},
		{"by price", app.LinkSearch{Sort: app.LinkSortPrice}, "Gift card,Ilık süt,Kahve 100%_,Çay", 4},
		{"paged", app.LinkSearch{Size: 2, Page: 1}, "Ilık süt,Çay", 4},
	}
	for _, tt := range tests {
		links, total, err := db.SearchLinks(ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := linkNames(links); got != tt.want || total != tt.total {
			t.Errorf("%s: got %s (%d), want %s (%d)", tt.name, got, total, tt.want, tt.total)
		}
	}
	// Saving a deleted link again brings it back.
	mustSaveLinks(t, db, seen, newLink(5, "ÇAYIR gezisi", "1000", "TRY"))
	if links, _, _ := db.SearchLinks(ctx, app.LinkSearch{Name: "çayır"}); linkNames(links) != "ÇAYIR gezisi" {
		t.Errorf("a link saved again after its delete: got %q, want it found", linkNames(links))
	}
	if _, _, err := db.SearchLinks(ctx, app.LinkSearch{Sort: "colour"}); err == nil {
		t.Error("an unknown sort: got nil error")
	}
}

func testUnseenLinksAndRefs(t *testing.T, db *store.DB) {
	ctx := context.Background()
	early := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	a, b := newLink(1, "A", "1", "TRY"), newLink(2, "B", "1", "TRY")
	a.ConversationID, b.ConversationID, b.OrderID = "conv", "conv", "ord"
	mustSaveLinks(t, db, early, a, b, newLink(3, "C", "1", "TRY"))
	mustSaveLinks(t, db, early.Add(time.Hour), newLink(3, "C", "1", "TRY"))
	ids, err := db.UnseenLinks(ctx, early.Add(time.Minute), 10)
	if err != nil || fmt.Sprint(ids) != "[1 2]" {
		t.Errorf("unseen: got %v, %v, want [1 2]", ids, err)
	}
	if err := db.MarkLinkDeleted(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if ids, _ := db.UnseenLinks(ctx, early.Add(time.Minute), 10); fmt.Sprint(ids) != "[2]" {
		t.Errorf("unseen after a delete: got %v, want [2]", ids)
	}
	links, err := db.LinksByRefs(ctx, "", "conv", "")
	if err != nil || linkNames(links) != "B" {
		t.Errorf("by conversation id: got %q, %v, want B (A is deleted)", linkNames(links), err)
	}
	if links, _ := db.LinksByRefs(ctx, "", "", ""); len(links) != 0 {
		t.Errorf("no ids: got %q, want none", linkNames(links))
	}
}

func linkPayment(id, linkID int64, at time.Time, paid string, status app.PaymentStatus) *app.LinkPayment {
	return &app.LinkPayment{ID: id, LinkID: linkID, CreatedAt: at, Price: dec(paid), PaidPrice: dec(paid), Currency: "TRY",
		Installment: 1, Status: status, Refunded: dec("0"), Payer: "Ayşe Yılmaz", CardBIN: "552879", CardLastFour: "0008",
		CardAssociation: "MASTER_CARD", ProductID: linkID}
}

func mustSaveLinkPayment(tb testing.TB, db *store.DB, p *app.LinkPayment) {
	tb.Helper()
	if err := db.SaveLinkPayment(context.Background(), p); err != nil {
		tb.Fatalf("save link payment %d: %v", p.ID, err)
	}
}

func testLinkPayments(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	p := linkPayment(11, 7, at, "102.5", app.PaymentStatusPartiallyRefunded)
	p.Refunded = dec("30")
	p.Refunds = []app.ProviderRefund{{ID: 2, CreatedAt: at.Add(time.Hour), Amount: dec("30"), Succeeded: true},
		{ID: 1, CreatedAt: at.Add(time.Minute), Amount: dec("5"), Succeeded: false}}
	mustSaveLinkPayment(t, db, p)
	got, err := db.LinkPayment(ctx, 11)
	if err != nil {
		t.Fatal(err)
	}
	if got.LinkID != 7 || !got.PaidPrice.Equal(dec("102.5")) || !got.Refunded.Equal(dec("30")) || got.Status != p.Status ||
		got.Payer != p.Payer || !got.CreatedAt.Equal(at) || len(got.Refunds) != 2 || got.Refunds[0].ID != 1 || got.Refunds[1].ID != 2 ||
		!got.Refunds[1].Succeeded || got.SyncedAt.IsZero() {
		t.Errorf("got %+v, want the payment with both refunds, oldest first", *got)
	}
	// Saved again: replaced, refunds included; no link.
	p.Refunds, p.LinkID, p.Status, p.Refunded = p.Refunds[1:], 0, app.PaymentStatusPaid, dec("0")
	mustSaveLinkPayment(t, db, p)
	if got, _ := db.LinkPayment(ctx, 11); len(got.Refunds) != 1 || got.LinkID != 0 || got.Status != app.PaymentStatusPaid {
		t.Errorf("saved again: got %+v, want one refund, no link, paid", *got)
	}
	if _, err := db.LinkPayment(ctx, 12); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown payment: got %v, want ErrNotFound", err)
	}
	p.Status = app.PaymentStatusExpired
	if err := db.SaveLinkPayment(ctx, p); err == nil {
		t.Error("an expired link payment: got nil error")
	}
}

func testLinkSales(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	mustSaveLinks(t, db, at, newLink(7, "Çay", "10", "TRY"), newLink(8, "Kahve", "20", "TRY"), newLink(9, "Su", "1", "TRY"))
	refunded := linkPayment(3, 7, at.Add(2*time.Hour), "10", app.PaymentStatusPartiallyRefunded)
	refunded.Refunded = dec("4")
	usd := linkPayment(5, 7, at.Add(3*time.Hour), "2", app.PaymentStatusPaid)
	usd.Currency = "USD"
	for _, p := range []*app.LinkPayment{
		linkPayment(1, 7, at, "10", app.PaymentStatusPaid), linkPayment(2, 7, at.Add(time.Hour), "10", app.PaymentStatusFailed),
		refunded, linkPayment(4, 8, at, "20", app.PaymentStatusPaid), usd,
	} {
		mustSaveLinkPayment(t, db, p)
	}
	for _, id := range []int64{7, 8, 9} {
		if err := db.RecomputeLinkSales(ctx, id, app.SaleStatuses); err != nil {
			t.Fatal(err)
		}
	}
	sales, err := db.LinkSales(ctx, []int64{7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	s7 := sales[7]
	if len(s7.Revenue) != 2 || s7.Revenue[0].Currency != "TRY" || !s7.Revenue[0].Amount.Equal(dec("16")) ||
		!s7.Revenue[1].Amount.Equal(dec("2")) || s7.Sales != 3 || !s7.LastSaleAt.Equal(at.Add(3*time.Hour)) {
		t.Errorf("link 7: got %+v, want TRY 16 and USD 2 from 3 sales, last at +3h", s7)
	}
	if _, ok := sales[9]; ok || !sales[8].Revenue[0].Amount.Equal(dec("20")) {
		t.Errorf("links 8 and 9: got %+v, want 20 and no summary", sales)
	}
	top, err := db.TopLinks(ctx, "TRY", 5)
	if err != nil || len(top) != 2 || top[0].Name != "Kahve" || top[1].LinkID != 7 || !top[1].Revenue.Amount.Equal(dec("16")) {
		t.Errorf("top TRY links: got %+v, %v, want Kahve then Çay", top, err)
	}
	links, _, err := db.SearchLinks(ctx, app.LinkSearch{Sort: app.LinkSortRevenue})
	if err != nil || linkNames(links) != "Kahve,Çay,Su" {
		t.Errorf("by revenue: got %s, %v, want Kahve,Çay,Su", linkNames(links), err)
	}
	links, _, _ = db.SearchLinks(ctx, app.LinkSearch{Sort: app.LinkSortLastSale})
	if linkNames(links) != "Çay,Kahve,Su" {
		t.Errorf("by last sale: got %s, want Çay,Kahve,Su (never sold last)", linkNames(links))
	}
	recent, err := db.LinkPaymentsSince(ctx, 7, at.Add(30*time.Minute))
	if err != nil || len(recent) != 3 || recent[0].ID != 2 || recent[2].ID != 5 {
		t.Errorf("payments of link 7 since +30m: got %+v, %v, want 2, 3 and 5", recent, err)
	}
	// A payment moved to another link leaves the first one's summary.
	moved := linkPayment(4, 9, at, "20", app.PaymentStatusPaid)
	mustSaveLinkPayment(t, db, moved)
	for _, id := range []int64{8, 9} {
		if err := db.RecomputeLinkSales(ctx, id, app.SaleStatuses); err != nil {
			t.Fatal(err)
		}
	}
	if sales, _ := db.LinkSales(ctx, []int64{8, 9}); len(sales) != 1 || sales[9].Sales != 1 {
		t.Errorf("after moving a payment: got %+v, want only link 9", sales)
	}
}

func testSalesTotals(t *testing.T, db *store.DB) {
	ctx := context.Background()
	istanbul := time.FixedZone("TRT", 3*60*60)
	// 20:45 UTC is 23:45 in Istanbul; 21:00 UTC is already the next day there.
	q := time.Date(2025, 3, 14, 20, 45, 0, 0, time.UTC)
	entries := []app.SalesEntry{
		{At: q, Source: app.SaleSourceLink, Currency: "TRY", Sales: 1, SalesAmount: dec("10.5")},
		{At: q, Source: app.SaleSourceLink, Currency: "TRY", Sales: 1, SalesAmount: dec("2"), Failed: 1},
		{At: q, Source: app.SaleSourceLink, Currency: "TRY", Refunds: 1, RefundAmount: dec("0.25")},
		{At: q, Source: app.SaleSourceQR, Currency: "TRY", Sales: 1, SalesAmount: dec("7")},
		{At: q.Add(15 * time.Minute), Source: app.SaleSourceLink, Currency: "TRY", Sales: 1, SalesAmount: dec("1")},
		{At: q.Add(30 * time.Minute), Source: app.SaleSourceLink, Currency: "USD", Sales: -1, SalesAmount: dec("-3")},
	}
	for _, e := range entries {
		if err := db.AddSales(ctx, e, istanbul); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2025, 3, 14, 0, 0, 0, 0, istanbul)
	days := func(zone *time.Location) []app.SalesEntry {
		t.Helper()
		got, err := db.SalesDays(ctx, zone, day.Add(-time.Hour), day.AddDate(0, 0, 2))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := days(istanbul)
	if len(got) != 4 {
		t.Fatalf("got %d day entries, want 4: %+v", len(got), got)
	}
	if e := got[0]; !e.At.Equal(day) || e.Source != app.SaleSourceLink || e.Sales != 2 || !e.SalesAmount.Equal(dec("12.5")) ||
		e.Failed != 1 || e.Refunds != 1 || !e.RefundAmount.Equal(dec("0.25")) {
		t.Errorf("14 March, links: got %+v, want 2 sales of 12.5, 1 failed, 1 refund of 0.25", e)
	}
	if e := got[2]; !e.At.Equal(day.AddDate(0, 0, 1)) || e.Sales != 1 || !e.SalesAmount.Equal(dec("1")) {
		t.Errorf("15 March, links TRY: got %+v, want the 21:00 UTC sale", e)
	}
	if e := got[3]; e.Currency != "USD" || e.Sales != -1 || !e.SalesAmount.Equal(dec("-3")) {
		t.Errorf("USD: got %+v, want -1 and -3 (entries may take back)", e)
	}
	if zone, err := db.SalesDaysZone(ctx); err != nil || zone != "" {
		t.Errorf("zone before a rebuild: got %q, %v, want none", zone, err)
	}
	// Rebuilt in UTC, every quarter hour falls on 14 March.
	if err := db.RebuildSalesDays(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if zone, _ := db.SalesDaysZone(ctx); zone != "UTC" {
		t.Errorf("zone after a rebuild: got %q, want UTC", zone)
	}
	utc := days(time.UTC)
	if len(utc) != 3 || utc[0].Sales != 3 || !utc[0].SalesAmount.Equal(dec("13.5")) || !utc[0].At.Equal(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("days in UTC: got %+v, want links TRY 3 sales of 13.5 on 14 March", utc)
	}
	if err := db.AddSales(ctx, app.SalesEntry{At: q.Add(time.Minute), Source: app.SaleSourceQR, Currency: "TRY"}, time.UTC); err == nil {
		t.Error("an entry not at a quarter hour: got nil error")
	}
	if err := db.AddSales(ctx, app.SalesEntry{At: q, Source: "cash", Currency: "TRY"}, time.UTC); err == nil {
		t.Error("an unknown source: got nil error")
	}

	if v, err := db.SalesVersion(ctx); err != nil || v != 0 {
		t.Errorf("version at first: got %d, %v, want 0", v, err)
	}
	for range 2 {
		if err := db.BumpSalesVersion(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := db.SalesVersion(ctx); v != 2 {
		t.Errorf("version after two bumps: got %d, want 2", v)
	}
}

func saleRefs(ss []app.Sale) string {
	refs := make([]string, len(ss))
	for i, s := range ss {
		refs[i] = string(s.Source) + ":" + s.Ref
	}
	return strings.Join(refs, ",")
}

func testListSales(t *testing.T, db *store.DB) {
	ctx := context.Background()
	c := useClock(db)
	t0 := c.Now()
	MustCreatePaidPayment(t, db, "qr-1", "12.5")
	c.Advance(time.Hour)
	MustCreatePayment(t, db, "qr-2", "3")
	mustSaveLinks(t, db, t0, newLink(7, "Çay", "10", "TRY"))
	mustSaveLinkPayment(t, db, linkPayment(1, 7, t0.Add(30*time.Minute), "10", app.PaymentStatusPaid))
	failed := linkPayment(2, 7, t0.Add(2*time.Hour), "10", app.PaymentStatusFailed)
	mustSaveLinkPayment(t, db, failed)
	usd := linkPayment(3, 0, t0.Add(3*time.Hour), "2", app.PaymentStatusPaid)
	usd.Currency = "USD"
	mustSaveLinkPayment(t, db, usd)

	tests := []struct {
		name  string
		f     app.SaleFilter
		want  string
		total int
	}{
		{"all, newest first", app.SaleFilter{}, "link:3,link:2,qr:qr-2,link:1,qr:qr-1", 5},
		{"links", app.SaleFilter{Source: app.SaleSourceLink}, "link:3,link:2,link:1", 3},
		{"QR", app.SaleFilter{Source: app.SaleSourceQR}, "qr:qr-2,qr:qr-1", 2},
		{"paid", app.SaleFilter{Status: app.PaymentStatusPaid}, "link:3,link:1,qr:qr-1", 3},
		{"USD", app.SaleFilter{Currency: "USD"}, "link:3", 1},
		{"one link", app.SaleFilter{LinkID: 7}, "link:2,link:1", 2},
		{"time range", app.SaleFilter{From: t0.Add(20 * time.Minute), To: t0.Add(2 * time.Hour)}, "qr:qr-2,link:1", 2},
		{"paged", app.SaleFilter{Limit: 2, Offset: 2}, "qr:qr-2,link:1", 5},
	}
	for _, tt := range tests {
		sales, total, err := db.ListSales(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := saleRefs(sales); got != tt.want || total != tt.total {
			t.Errorf("%s: got %s (%d), want %s (%d)", tt.name, got, total, tt.want, tt.total)
		}
	}
	sales, _, _ := db.ListSales(ctx, app.SaleFilter{LinkID: 7})
	if s := sales[1]; s.LinkName != "Çay" || s.Payer != "Ayşe Yılmaz" || !s.Amount.Equal(dec("10")) || s.Installment != 1 {
		t.Errorf("a link sale: got %+v, want Çay paid by Ayşe", s)
	}
	qr, _, _ := db.ListSales(ctx, app.SaleFilter{Source: app.SaleSourceQR, Status: app.PaymentStatusPaid})
	if s := qr[0]; s.Description != "Coffee" || !s.Amount.Equal(dec("12.5")) || s.LinkID != 0 {
		t.Errorf("a QR sale: got %+v, want Coffee 12.5", s)
	}
	var all []app.Sale
	if err := db.ForEachSale(ctx, app.SaleFilter{Limit: 1}, func(s app.Sale) error { all = append(all, s); return nil }); err != nil ||
		saleRefs(all) != "link:3,link:2,qr:qr-2,link:1,qr:qr-1" {
		t.Errorf("each: got %s, %v, want all five", saleRefs(all), err)
	}
	latest, err := db.LatestSales(ctx, 2)
	if err != nil || saleRefs(latest) != "link:3,link:2" {
		t.Errorf("latest two: got %s, %v", saleRefs(latest), err)
	}
	if _, _, err := db.ListSales(ctx, app.SaleFilter{Source: "cash"}); err == nil {
		t.Error("an unknown source: got nil error")
	}
}

func testLinkRefunds(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	mustSaveLinkPayment(t, db, linkPayment(11, 7, at, "100", app.PaymentStatusPaid))
	mustSaveLinkPayment(t, db, linkPayment(12, 7, at, "100", app.PaymentStatusPaid))
	c := useClock(db)
	r := &app.LinkRefund{PaymentID: 11, Amount: dec("40"), Whole: false, ActorEmail: "owner@example.com", IP: "192.0.2.1"}
	if err := db.CreateLinkRefund(ctx, r); err != nil || r.ID == 0 || r.Status != app.RefundOpen {
		t.Fatalf("create: got %+v, %v", r, err)
	}
	c.Advance(time.Hour)
	if open, err := db.OpenLinkRefunds(ctx, c.Now()); err != nil || len(open) != 1 || open[0].ID != r.ID {
		t.Errorf("open: got %+v, %v, want the one", open, err)
	}
	r.Status, r.RefundID = app.RefundDone, 99
	if ok, err := db.FinishLinkRefund(ctx, r); !ok || err != nil {
		t.Errorf("finish: got %t, %v, want true", ok, err)
	}
	if ok, err := db.FinishLinkRefund(ctx, r); ok || err != nil {
		t.Errorf("finish again: got %t, %v, want false", ok, err)
	}
	other := &app.LinkRefund{PaymentID: 12, Amount: dec("40")}
	if err := db.CreateLinkRefund(ctx, other); err != nil {
		t.Fatal(err)
	}
	other.Status, other.RefundID = app.RefundDone, 99
	if _, err := db.FinishLinkRefund(ctx, other); !errors.Is(err, app.ErrConflict) {
		t.Errorf("a refund another intent claimed: got %v, want ErrConflict", err)
	}
	rs, err := db.LinkRefundsOf(ctx, 11)
	if err != nil || len(rs) != 1 || rs[0].RefundID != 99 || rs[0].Status != app.RefundDone || rs[0].IP != "192.0.2.1" {
		t.Errorf("of payment 11: got %+v, %v", rs, err)
	}
	if err := db.CreateLinkRefund(ctx, &app.LinkRefund{PaymentID: 11, Amount: dec("0")}); err == nil {
		t.Error("a refund of 0: got nil error")
	}
	if err := db.CreateLinkRefund(ctx, &app.LinkRefund{PaymentID: 404, Amount: dec("1")}); err == nil {
		t.Error("a refund of an unknown payment: got nil error")
	}
}

func testSyncCursor(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if at, err := db.SyncCursor(ctx, "x"); err != nil || !at.IsZero() {
		t.Errorf("never ran: got %v, %v, want zero", at, err)
	}
	t1 := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, to := range []time.Time{t1, t1.Add(-time.Hour), t1.Add(time.Minute)} {
		if err := db.AdvanceSyncCursor(ctx, "x", to); err != nil {
			t.Fatal(err)
		}
	}
	if at, _ := db.SyncCursor(ctx, "x"); !at.Equal(t1.Add(time.Minute)) {
		t.Errorf("got %v, want %v: never backwards", at, t1.Add(time.Minute))
	}
}

func testWebhooks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	w := &app.WebhookRecord{Key: "k1", Type: "CHECKOUTFORM_AUTH", PayloadID: "5", Reason: "recorded", RemoteIP: "192.0.2.1"}
	if ok, err := db.RecordWebhook(ctx, w); !ok || err != nil || w.ID == 0 {
		t.Fatalf("record: got %t, %v", ok, err)
	}
	again := *w
	if ok, err := db.RecordWebhook(ctx, &again); ok || err != nil {
		t.Errorf("record again: got %t, %v, want false", ok, err)
	}
	if seen, err := db.WebhookSeen(ctx, "k1"); !seen || err != nil {
		t.Errorf("seen k1: got %t, %v", seen, err)
	}
	if seen, _ := db.WebhookSeen(ctx, "k2"); seen {
		t.Error("seen k2: got true")
	}
	if _, err := db.RecordWebhook(ctx, &app.WebhookRecord{Type: "X"}); err == nil {
		t.Error("no key: got nil error")
	}
	for i := range 5 {
		if err := db.RecordStrayWebhook(ctx, &app.WebhookRecord{Reason: fmt.Sprint("r", i)}, 3); err != nil {
			t.Fatal(err)
		}
	}
	strays, err := db.StrayWebhooks(ctx)
	if err != nil || len(strays) != 3 || strays[0].Reason != "r4" {
		t.Errorf("strays: got %+v, %v, want the newest 3", strays, err)
	}
	if err := db.RecordStrayWebhook(ctx, &app.WebhookRecord{Payload: strings.Repeat("x", app.MaxCallbackPayload+1)}, 3); err == nil {
		t.Error("an oversized stray: got nil error")
	}
}
