package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/store"
)

// newPayment returns a TRY payment to create, with a token derived from code.
func newPayment(code, amount string) *app.Payment {
	return &app.Payment{
		MerchantUniqueCode: code,
		CallbackToken:      "token-0123456789-" + code,
		Amount:             dec(amount),
		Currency:           "TRY",
		Description:        "Coffee",
		Provider:           "wallet-a",
	}
}

// MustCreatePayment creates a pending TRY payment with a token derived from code.
func MustCreatePayment(tb testing.TB, db *store.DB, code, amount string) *app.Payment {
	tb.Helper()
	p := newPayment(code, amount)
	if err := db.CreatePayment(context.Background(), p); err != nil {
		tb.Fatalf("create payment %s: %v", code, err)
	}
	return p
}

// MustCreatePaidPayment creates a payment and settles it as paid.
func MustCreatePaidPayment(tb testing.TB, db *store.DB, code, amount string) *app.Payment {
	tb.Helper()
	MustCreatePayment(tb, db, code, amount)
	if changed, err := db.SettlePayment(context.Background(), code, app.PaymentStatusPaid); err != nil || !changed {
		tb.Fatalf("settle payment %s: %t, %v", code, changed, err)
	}
	return mustPayment(tb, db, code)
}

func mustPayment(tb testing.TB, db *store.DB, code string) *app.Payment {
	tb.Helper()
	p, err := db.PaymentByCode(context.Background(), code)
	if err != nil {
		tb.Fatalf("payment %s: %v", code, err)
	}
	return p
}

func codes(ps []app.Payment) string {
	cs := make([]string, len(ps))
	for i, p := range ps {
		cs[i] = p.MerchantUniqueCode
	}
	return "[" + strings.Join(cs, " ") + "]"
}

func decPtr(s string) *decimal.Decimal {
	d := dec(s)
	return &d
}

func testCreatePayment(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	staff := MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
	conn := 7
	p := newPayment("code-1", "10.50")
	p.StaffID, p.StaffEmail, p.ConnectionID = &staff.ID, " Staff@Example.com", &conn
	// Whatever the caller set, a new payment starts pending and untouched.
	p.Status, p.RefundedAmount, p.Attempts, p.LastError = "", dec("3"), 4, ""
	if err := db.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.Status != app.PaymentStatusPending || !p.CreatedAt.Equal(clk.Now()) || !p.UpdatedAt.Equal(clk.Now()) ||
		!p.RefundedAmount.IsZero() || p.Attempts != 0 {
		t.Errorf("created: got %+v, want an ID, pending, created now, nothing refunded, no attempts", *p)
	}
	tests := []struct {
		name   string
		lookup func() (*app.Payment, error)
	}{
		{"by code", func() (*app.Payment, error) { return db.PaymentByCode(ctx, "code-1") }},
		{"by token", func() (*app.Payment, error) { return db.PaymentByToken(ctx, p.CallbackToken) }},
	}
	for _, tt := range tests {
		got, err := tt.lookup()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.ID != p.ID || got.MerchantUniqueCode != "code-1" || got.CallbackToken != p.CallbackToken || !got.Amount.Equal(dec("10.5")) ||
			got.StaffID == nil || *got.StaffID != staff.ID || got.ConnectionID == nil || *got.ConnectionID != 7 ||
			got.StaffEmail != "staff@example.com" || got.Description != "Coffee" || got.Provider != "wallet-a" || got.Currency != "TRY" ||
			got.Status != app.PaymentStatusPending || !got.RefundedAmount.IsZero() || got.Attempts != 0 || got.LastError != "" ||
			!got.CreatedAt.Equal(clk.Now()) || !got.UpdatedAt.Equal(clk.Now()) ||
			got.StartedAt != nil || got.SettledAt != nil || got.CheckedAt != nil {
			t.Errorf("%s: got %+v, want %+v", tt.name, *got, *p)
		}
	}
	noStaff := MustCreatePayment(t, db, "code-2", "1")
	if got := mustPayment(t, db, "code-2"); got.StaffID != nil || got.ConnectionID != nil || noStaff.StaffID != nil {
		t.Errorf("no staff, no connection: got %v, %v, want nil, nil", got.StaffID, got.ConnectionID)
	}
	if _, err := db.PaymentByCode(ctx, "nope"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown code: got %v, want %v", err, app.ErrNotFound)
	}
	if _, err := db.PaymentByToken(ctx, "nope"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown token: got %v, want %v", err, app.ErrNotFound)
	}
}

func testCreatePaymentRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePayment(t, db, "taken", "5")
	missingStaff := int64(unknownID)
	tests := []struct {
		name     string
		modify   func(p *app.Payment)
		conflict bool
	}{
		{"duplicate code", func(p *app.Payment) { p.MerchantUniqueCode = "taken" }, true},
		{"duplicate token", func(p *app.Payment) { p.CallbackToken = newPayment("taken", "1").CallbackToken }, true},
		{"empty code", func(p *app.Payment) { p.MerchantUniqueCode = "" }, false},
		{"short token", func(p *app.Payment) { p.CallbackToken = "short" }, false},
		{"no currency", func(p *app.Payment) { p.Currency = "" }, false},
		{"zero amount", func(p *app.Payment) { p.Amount = decimal.Zero }, false},
		{"negative amount", func(p *app.Payment) { p.Amount = dec("-1") }, false},
		{"seven decimal places", func(p *app.Payment) { p.Amount = dec("1.0000001") }, false},
		{"too large", func(p *app.Payment) { p.Amount = dec("1000000000000") }, false},
		{"created settled", func(p *app.Payment) { p.Status = app.PaymentStatusPaid }, false},
		{"unknown staff", func(p *app.Payment) { p.StaffID = &missingStaff }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPayment("new", "1")
			tt.modify(p)
			err := db.CreatePayment(ctx, p)
			switch {
			case err == nil:
				t.Errorf("got nil, want an error")
			case errors.Is(err, app.ErrConflict) != tt.conflict:
				t.Errorf("got %v, want ErrConflict %t", err, tt.conflict)
			}
		})
	}
	if _, total, err := db.ListPayments(ctx, app.PaymentFilter{}); err != nil || total != 1 {
		t.Errorf("stored: got %d, %v, want 1", total, err)
	}
	// The largest amount that fits, with every decimal place allowed.
	if err := db.CreatePayment(ctx, newPayment("max", "999999999999.999999")); err != nil {
		t.Errorf("largest amount: got %v, want nil", err)
	}
}

func testPaymentLifecycle(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	MustCreatePayment(t, db, "code-1", "25")

	clk.Advance(time.Second)
	if err := db.MarkPaymentStartFailed(ctx, "code-1", "paywall: 503"); err != nil {
		t.Fatal(err)
	}
	p := mustPayment(t, db, "code-1")
	if p.Status != app.PaymentStatusPending || p.LastError != "paywall: 503" || p.Attempts != 1 || p.StartedAt != nil || !p.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("after a failed start: got %+v, want pending, the error, 1 attempt, not started, updated now", *p)
	}

	clk.Advance(time.Second)
	start := app.PaymentStart{UniqueCode: "U-1", APMTransactionID: 4242, QRFormatType: 1, QRContent: "https://wallet/qr"}
	if err := db.MarkPaymentStarted(ctx, "code-1", start); err != nil {
		t.Fatal(err)
	}
	p = mustPayment(t, db, "code-1")
	if p.Status != app.PaymentStatusPending || p.LastError != "" || p.Attempts != 2 || p.StartedAt == nil || !p.StartedAt.Equal(clk.Now()) ||
		!p.UpdatedAt.Equal(clk.Now()) || p.UniqueCode != "U-1" || p.APMTransactionID != 4242 || p.QRFormatType != 1 || p.QRContent != "https://wallet/qr" {
		t.Errorf("after the retry: got %+v, want pending, started now, no error, 2 attempts, the provider's fields", *p)
	}

	clk.Advance(time.Second)
	if err := db.TouchPaymentChecked(ctx, "code-1"); err != nil {
		t.Fatal(err)
	}
	if p := mustPayment(t, db, "code-1"); p.CheckedAt == nil || !p.CheckedAt.Equal(clk.Now()) {
		t.Errorf("checked at: got %v, want %v", p.CheckedAt, clk.Now())
	}

	settledAt := clk.Now().Add(time.Second)
	steps := []struct {
		to          app.PaymentStatus
		wantChanged bool
	}{
		{app.PaymentStatusPaid, true},
		{app.PaymentStatusPaid, false},    // a duplicate callback
		{app.PaymentStatusFailed, false},  // a late contrary callback
		{app.PaymentStatusExpired, false}, // the expiry worker lost the race
	}
	for _, s := range steps {
		clk.Advance(time.Second)
		changed, err := db.SettlePayment(ctx, "code-1", s.to)
		if err != nil || changed != s.wantChanged {
			t.Errorf("settle as %s: got %t, %v, want %t", s.to, changed, err, s.wantChanged)
		}
		p := mustPayment(t, db, "code-1")
		if p.Status != app.PaymentStatusPaid || p.SettledAt == nil || !p.SettledAt.Equal(settledAt) || !p.UpdatedAt.Equal(settledAt) {
			t.Errorf("after settle as %s: got %s, settled %v, updated %v; want paid, settled and updated once at %v",
				s.to, p.Status, p.SettledAt, p.UpdatedAt, settledAt)
		}
	}

	// The provider's identifiers are recorded even once settled.
	start.QRContent = "https://wallet/qr2"
	if err := db.MarkPaymentStarted(ctx, "code-1", start); err != nil {
		t.Fatal(err)
	}
	if p := mustPayment(t, db, "code-1"); p.Status != app.PaymentStatusPaid || p.QRContent != "https://wallet/qr2" || p.Attempts != 3 {
		t.Errorf("started after settling: got %s, %q, %d attempts, want paid, the new QR, 3", p.Status, p.QRContent, p.Attempts)
	}
}

func testPaymentUpdatesRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePayment(t, db, "code-1", "25")
	tests := []struct {
		name     string
		err      error
		notFound bool // else any error but ErrNotFound
	}{
		{"start unknown", db.MarkPaymentStarted(ctx, "nope", app.PaymentStart{UniqueCode: "U"}), true},
		{"start failed unknown", db.MarkPaymentStartFailed(ctx, "nope", "x"), true},
		{"touch unknown", db.TouchPaymentChecked(ctx, "nope"), true},
		{"settle unknown", second(db.SettlePayment(ctx, "nope", app.PaymentStatusPaid)), true},
		{"settle as pending", second(db.SettlePayment(ctx, "code-1", app.PaymentStatusPending)), false},
		{"settle as refunded", second(db.SettlePayment(ctx, "code-1", app.PaymentStatusRefunded)), false},
		{"settle as nonsense", second(db.SettlePayment(ctx, "code-1", "done")), false},
	}
	for _, tt := range tests {
		switch {
		case tt.err == nil:
			t.Errorf("%s: got nil, want an error", tt.name)
		case errors.Is(tt.err, app.ErrNotFound) != tt.notFound:
			t.Errorf("%s: got %v, want ErrNotFound %t", tt.name, tt.err, tt.notFound)
		}
	}
	if p := mustPayment(t, db, "code-1"); p.Status != app.PaymentStatusPending || p.SettledAt != nil {
		t.Errorf("status: got %s settled %v, want pending, not settled", p.Status, p.SettledAt)
	}
}

// testSettlePaymentConcurrent: of settles racing on one pending payment,
// exactly one changes it, and its outcome is what stays.
func testSettlePaymentConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePayment(t, db, "code-1", "25")
	targets := []app.PaymentStatus{app.PaymentStatusPaid, app.PaymentStatusFailed, app.PaymentStatusExpired,
		app.PaymentStatusPaid, app.PaymentStatusFailed, app.PaymentStatusExpired, app.PaymentStatusPaid, app.PaymentStatusFailed}
	changed := make([]bool, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, to := range targets {
		wg.Go(func() { changed[i], errs[i] = db.SettlePayment(ctx, "code-1", to) })
	}
	wg.Wait()
	var winners []app.PaymentStatus
	for i := range targets {
		if errs[i] != nil {
			t.Fatalf("settle %d: %v", i, errs[i])
		}
		if changed[i] {
			winners = append(winners, targets[i])
		}
	}
	if len(winners) != 1 {
		t.Fatalf("settles that changed the payment: got %v, want exactly one", winners)
	}
	if got := mustPayment(t, db, "code-1").Status; got != winners[0] {
		t.Errorf("status: got %s, want the winner's %s", got, winners[0])
	}
}

// testSetPaymentRefunded: the refunded total is a compare-and-set on the
// payment as it was read; a stale read is app.ErrConflict and changes
// nothing, and no total above the amount is stored.
func testSetPaymentRefunded(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	MustCreatePaidPayment(t, db, "code-1", "100.00")
	MustCreatePayment(t, db, "pending", "100")
	wasPending := mustPayment(t, db, "pending")
	if _, err := db.SettlePayment(ctx, "pending", app.PaymentStatusPaid); err != nil { // since it was read
		t.Fatal(err)
	}

	reads := map[string]*app.Payment{} // payments as read at a step, by name
	read := func(name, code string) func() *app.Payment {
		return func() *app.Payment {
			if reads[name] == nil {
				reads[name] = mustPayment(t, db, code)
			}
			return reads[name]
		}
	}
	steps := []struct {
		name         string
		was          func() *app.Payment
		refunded     string
		status       app.PaymentStatus
		wantErr      error // app.ErrConflict, errAny or nil
		wantStatus   app.PaymentStatus
		wantRefunded string
	}{
		{"part", read("paid", "code-1"), "30.25", app.PaymentStatusPartiallyRefunded, nil, app.PaymentStatusPartiallyRefunded, "30.25"},
		{"stale refunded total", read("paid", "code-1"), "50", app.PaymentStatusPartiallyRefunded, app.ErrConflict, app.PaymentStatusPartiallyRefunded, "30.25"},
		{"over the amount", read("part", "code-1"), "100.01", app.PaymentStatusRefunded, errAny, app.PaymentStatusPartiallyRefunded, "30.25"},
		{"negative", read("part", "code-1"), "-1", app.PaymentStatusPartiallyRefunded, errAny, app.PaymentStatusPartiallyRefunded, "30.25"},
		{"unknown status", read("part", "code-1"), "40", "done", errAny, app.PaymentStatusPartiallyRefunded, "30.25"},
		{"more", read("part", "code-1"), "31", app.PaymentStatusPartiallyRefunded, nil, app.PaymentStatusPartiallyRefunded, "31"},
		{"stale total, same status", read("part", "code-1"), "40", app.PaymentStatusPartiallyRefunded, app.ErrConflict, app.PaymentStatusPartiallyRefunded, "31"},
		{"the rest", read("more", "code-1"), "100", app.PaymentStatusRefunded, nil, app.PaymentStatusRefunded, "100"},
		{"stale again", read("more", "code-1"), "100", app.PaymentStatusRefunded, app.ErrConflict, app.PaymentStatusRefunded, "100"},
	}
	for _, s := range steps {
		clk.Advance(time.Second)
		was := s.was()
		err := db.SetPaymentRefunded(ctx, was, dec(s.refunded), s.status)
		switch {
		case s.wantErr == nil && err != nil, s.wantErr != nil && err == nil:
			t.Errorf("%s: got %v, want %v", s.name, err, s.wantErr)
		case s.wantErr == app.ErrConflict && !errors.Is(err, app.ErrConflict):
			t.Errorf("%s: got %v, want %v", s.name, err, app.ErrConflict)
		}
		p := mustPayment(t, db, "code-1")
		if p.Status != s.wantStatus || !p.RefundedAmount.Equal(dec(s.wantRefunded)) {
			t.Errorf("%s: got %s, refunded %s; want %s, %s", s.name, p.Status, p.RefundedAmount, s.wantStatus, s.wantRefunded)
		}
		if err == nil && !p.UpdatedAt.Equal(clk.Now()) {
			t.Errorf("%s: updated at %v, want %v", s.name, p.UpdatedAt, clk.Now())
		}
	}

	// Read while pending, refunded after it was paid: the status is compared too.
	err := db.SetPaymentRefunded(ctx, wasPending, dec("10"), app.PaymentStatusPartiallyRefunded)
	if !errors.Is(err, app.ErrConflict) {
		t.Errorf("stale status: got %v, want %v", err, app.ErrConflict)
	}
	if p := mustPayment(t, db, "pending"); p.Status != app.PaymentStatusPaid || !p.RefundedAmount.IsZero() {
		t.Errorf("stale status: got %s, refunded %s; want paid, 0", p.Status, p.RefundedAmount)
	}
}

// errAny stands for "some error" in tables where no sentinel is promised.
var errAny = errors.New("any error")

// testSetPaymentRefundedConcurrent: refunds racing on one payment, each
// reading it and retrying when it changed meanwhile, never refund more
// than the amount and lose no update: 8 × 10 asked, 50 paid, exactly 5
// succeed. Every racer's first write uses the same read (all read before
// any writes), so without the compare-and-set all 8 would succeed.
func testSetPaymentRefundedConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePaidPayment(t, db, "code-1", "50")
	const racers = 8
	step := dec("10")
	ok := make([]bool, racers)
	errs := make([]error, racers)
	var wg, read sync.WaitGroup
	read.Add(racers)
	for i := range racers {
		wg.Go(func() {
			// Each retry follows a change by another racer, and there are
			// at most 5 changes: the loop ends.
			for first := true; ; first = false {
				p, err := db.PaymentByCode(ctx, "code-1")
				if first {
					read.Done()
					read.Wait()
				}
				if err != nil {
					errs[i] = err
					return
				}
				if p.Remaining().LessThan(step) {
					return
				}
				refunded := p.RefundedAmount.Add(step)
				status := app.PaymentStatusPartiallyRefunded
				if refunded.Equal(p.Amount) {
					status = app.PaymentStatusRefunded
				}
				err = db.SetPaymentRefunded(ctx, p, refunded, status)
				if errors.Is(err, app.ErrConflict) {
					continue
				}
				ok[i], errs[i] = err == nil, err
				return
			}
		})
	}
	wg.Wait()
	succeeded := 0
	for i := range racers {
		if errs[i] != nil {
			t.Errorf("racer %d: got %v, want nil", i, errs[i])
		}
		if ok[i] {
			succeeded++
		}
	}
	p := mustPayment(t, db, "code-1")
	if succeeded != 5 || p.Status != app.PaymentStatusRefunded || !p.RefundedAmount.Equal(dec("50")) {
		t.Errorf("got %d successes, %s, refunded %s; want 5, refunded, 50", succeeded, p.Status, p.RefundedAmount)
	}
}

// claimAll claims for owner with a lease of a minute and releases what it
// got, so the next claim sees the same rows.
func claimAll(tb testing.TB, db *store.DB, before time.Time, limit int) []app.Payment {
	tb.Helper()
	ctx := context.Background()
	ps, err := db.ClaimPendingPayments(ctx, "owner-a", before, db.Now().Add(time.Minute), limit)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range ps {
		if p.LeaseOwner != "owner-a" || p.LeaseUntil == nil {
			tb.Errorf("claimed %s: lease %q until %v, want owner-a's", p.MerchantUniqueCode, p.LeaseOwner, p.LeaseUntil)
		}
		if err := db.ReleasePayment(ctx, p.MerchantUniqueCode, "owner-a"); err != nil {
			tb.Fatal(err)
		}
	}
	return ps
}

func testClaimPendingPayments(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	for i := 1; i <= 5; i++ {
		MustCreatePayment(t, db, fmt.Sprintf("p%d", i), "10")
		clk.Advance(time.Minute)
	}
	// p1 at +0m … p5 at +4m; p2 is settled.
	if _, err := db.SettlePayment(ctx, "p2", app.PaymentStatusPaid); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   string
	}{
		{"all old enough", start.Add(time.Hour), 0, "[p1 p3 p4 p5]"},
		{"before is exclusive", start.Add(2 * time.Minute), 0, "[p1]"},
		{"limit", start.Add(time.Hour), 2, "[p1 p3]"},
		{"negative limit is the default", start.Add(time.Hour), -1, "[p1 p3 p4 p5]"},
		{"none yet", start, 0, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codes(claimAll(t, db, tt.before, tt.limit)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// testClaimPendingPaymentsLeastRecentlyChecked: a backlog larger than one
// page must be worked through, not the oldest page checked forever.
func testClaimPendingPaymentsLeastRecentlyChecked(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		MustCreatePayment(t, db, fmt.Sprintf("p%d", i), "10")
		clk.Advance(time.Minute)
	}
	// p2 checked before p1: p2 is the least recently checked.
	for _, code := range []string{"p2", "p1"} {
		if err := db.TouchPaymentChecked(ctx, code); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	tests := []struct {
		limit int
		want  string
	}{
		{4, "[p3 p4 p2 p1]"},
		{3, "[p3 p4 p2]"},
	}
	for _, tt := range tests {
		if got := codes(claimAll(t, db, clk.Now(), tt.limit)); got != tt.want {
			t.Errorf("limit %d: got %s, want %s (never checked first, oldest first, then least recently checked)", tt.limit, got, tt.want)
		}
	}
}

// testPaymentLeases: a live lease keeps every other claim off a payment,
// the owner's own included, until it ends or its owner releases it; a
// payment is created with the lease its start holds.
func testPaymentLeases(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	until := clk.Now().Add(2 * time.Minute)
	starting := newPayment("starting", "10")
	starting.LeaseOwner, starting.LeaseUntil = "starter", &until
	if err := db.CreatePayment(ctx, starting); err != nil {
		t.Fatal(err)
	}
	MustCreatePayment(t, db, "idle", "10")
	clk.Advance(time.Second)
	later := clk.Now().Add(time.Minute)

	if p, err := db.PaymentByCode(ctx, "starting"); err != nil || p.LeaseOwner != "starter" || p.LeaseUntil == nil || !p.LeaseUntil.Equal(until) {
		t.Fatalf("created with a lease: got %+v, %v, want starter's until %v", p, err, until)
	}
	if p, err := db.PaymentByCode(ctx, "idle"); err != nil || p.LeaseOwner != "" || p.LeaseUntil != nil {
		t.Fatalf("created without a lease: got %+v, %v", p, err)
	}
	got, err := db.ClaimPendingPayments(ctx, "reconciler", clk.Now(), later, 0)
	if err != nil || codes(got) != "[idle]" {
		t.Fatalf("claim beside a live lease: got %s, %v, want [idle]", codes(got), err)
	}
	for _, tt := range []struct {
		code, owner string
	}{{"starting", "reconciler"}, {"starting", "starter"}, {"idle", "other"}, {"idle", "reconciler"}} {
		if ok, err := db.ClaimPayment(ctx, tt.code, tt.owner, later); ok || err != nil {
			t.Errorf("ClaimPayment(%s) by %s under a live lease: got %t, %v, want false", tt.code, tt.owner, ok, err)
		}
	}
	if _, err := db.ClaimPayment(ctx, "unknown", "x", later); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("ClaimPayment of an unknown code: got %v, want ErrNotFound", err)
	}

	// Only the owner's release ends a lease.
	if err := db.ReleasePayment(ctx, "idle", "other"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.ClaimPayment(ctx, "idle", "other", later); ok {
		t.Error("another's release ended the reconciler's lease")
	}
	if err := db.ReleasePayment(ctx, "idle", "reconciler"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.ClaimPayment(ctx, "idle", "other", later); !ok || err != nil {
		t.Errorf("claim after the owner's release: got %t, %v, want true", ok, err)
	}

	// A lease ends by itself at its time.
	clk.Advance(2 * time.Minute)
	got, err = db.ClaimPendingPayments(ctx, "reconciler", clk.Now(), clk.Now().Add(time.Minute), 0)
	if err != nil || codes(got) != "[starting idle]" {
		t.Errorf("claim after the leases ended: got %s, %v, want [starting idle]", codes(got), err)
	}

	// ReleaseLeases ends every lease of one owner, and no other's.
	if ok, err := db.ClaimPayment(ctx, "idle", "x", clk.Now()); ok || err != nil {
		t.Fatalf("claim under the reconciler's lease: got %t, %v", ok, err)
	}
	if n, err := db.ReleaseLeases(ctx, "reconciler"); err != nil || n != 2 {
		t.Errorf("ReleaseLeases: got %d, %v, want 2", n, err)
	}
	if n, err := db.ReleaseLeases(ctx, "reconciler"); err != nil || n != 0 {
		t.Errorf("ReleaseLeases again: got %d, %v, want 0", n, err)
	}
	if ok, err := db.ClaimPayment(ctx, "starting", "x", clk.Now().Add(time.Minute)); !ok || err != nil {
		t.Errorf("claim after ReleaseLeases: got %t, %v, want true", ok, err)
	}
}

// testClaimConcurrent: claims racing from several workers (instances)
// never hand out one payment twice, and together hand out all of them.
func testClaimConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const n, workers = 40, 4
	for i := range n {
		MustCreatePayment(t, db, fmt.Sprintf("p%02d", i), "1")
	}
	before := db.Now().Add(time.Hour)
	var (
		mu  sync.Mutex
		got = map[string]string{}
		wg  sync.WaitGroup
	)
	for w := range workers {
		owner := fmt.Sprintf("worker-%d", w)
		wg.Go(func() {
			for range 5 {
				ps, err := db.ClaimPendingPayments(ctx, owner, before, db.Now().Add(time.Hour), 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, p := range ps {
					if other, dup := got[p.MerchantUniqueCode]; dup {
						t.Errorf("%s claimed by %s and %s", p.MerchantUniqueCode, other, owner)
					}
					got[p.MerchantUniqueCode] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("claimed %d payments in all, want %d", len(got), n)
	}
}

func testListPayments(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	staff := MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
	other := MustCreateUser(t, db, "other@example.com", app.RoleStaff)
	// Created one hour apart, in this order; "c" compared as text would
	// sort "100" before "9.99".
	seed := []struct {
		code, amount string
		staff        *int64
		status       app.PaymentStatus
	}{
		{"a", "9.99", &staff.ID, app.PaymentStatusPaid},
		{"b", "10.5", &staff.ID, app.PaymentStatusPending},
		{"c", "100", &other.ID, app.PaymentStatusFailed},
		{"d", "10.499999", nil, app.PaymentStatusPaid},
		{"e", "0.01", &other.ID, app.PaymentStatusExpired},
	}
	for _, s := range seed {
		p := newPayment(s.code, s.amount)
		p.StaffID = s.staff
		if err := db.CreatePayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		if s.status != app.PaymentStatusPending {
			if _, err := db.SettlePayment(ctx, s.code, s.status); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(time.Hour)
	}
	tests := []struct {
		name      string
		filter    app.PaymentFilter
		want      string
		wantTotal int
	}{
		{"all newest first", app.PaymentFilter{}, "[e d c b a]", 5},
		{"min 10", app.PaymentFilter{MinAmount: decPtr("10")}, "[d c b]", 3},
		{"max 10.5 inclusive", app.PaymentFilter{MaxAmount: decPtr("10.5")}, "[e d b a]", 4},
		{"between 9.99 and 10.4999995", app.PaymentFilter{MinAmount: decPtr("9.99"), MaxAmount: decPtr("10.4999995")}, "[d a]", 2},
		{"min with many places", app.PaymentFilter{MinAmount: decPtr("10.4999991")}, "[c b]", 2},
		{"max 0.009", app.PaymentFilter{MaxAmount: decPtr("0.009")}, "[]", 0},
		{"min above everything", app.PaymentFilter{MinAmount: decPtr("1e30")}, "[]", 0},
		{"max below everything", app.PaymentFilter{MaxAmount: decPtr("-1e30")}, "[]", 0},
		{"status paid", app.PaymentFilter{Status: app.PaymentStatusPaid}, "[d a]", 2},
		{"staff", app.PaymentFilter{StaffID: &other.ID}, "[e c]", 2},
		{"from inclusive", app.PaymentFilter{From: start.Add(2 * time.Hour)}, "[e d c]", 3},
		{"to exclusive", app.PaymentFilter{To: start.Add(2 * time.Hour)}, "[b a]", 2},
		{"combined", app.PaymentFilter{Status: app.PaymentStatusPaid, MinAmount: decPtr("10"), From: start}, "[d]", 1},
		{"page", app.PaymentFilter{Limit: 2, Offset: 1}, "[d c]", 5},
		{"negative offset", app.PaymentFilter{Limit: 1, Offset: -3}, "[e]", 5},
		{"past the end", app.PaymentFilter{Offset: 10}, "[]", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, total, err := db.ListPayments(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := codes(ps); got != tt.want || total != tt.wantTotal {
				t.Errorf("got %s of %d, want %s of %d", got, total, tt.want, tt.wantTotal)
			}

			var streamed []app.Payment
			err = db.ForEachPayment(ctx, tt.filter, func(p app.Payment) error {
				streamed = append(streamed, p)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			all := tt.filter
			all.Limit, all.Offset = app.MaxPageSize, 0
			want, _, err := db.ListPayments(ctx, all)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := codes(streamed), codes(want); got != want {
				t.Errorf("ForEachPayment: got %s, want %s (all of them, newest first, no paging)", got, want)
			}
		})
	}
	for _, f := range []app.PaymentFilter{{Status: "done"}} {
		if _, _, err := db.ListPayments(ctx, f); err == nil {
			t.Errorf("ListPayments(%+v): got nil, want an error", f)
		}
		if err := db.ForEachPayment(ctx, f, func(app.Payment) error { return nil }); err == nil {
			t.Errorf("ForEachPayment(%+v): got nil, want an error", f)
		}
	}
}

func testListPaymentsLimit(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	const n = app.MaxPageSize + 1
	err := db.InTx(ctx, func(tx app.Tx) error {
		for i := range n {
			if err := tx.CreatePayment(ctx, newPayment(fmt.Sprintf("p%03d", i), "1")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		limit, want int
	}{
		{0, app.DefaultPageSize},
		{-1, app.DefaultPageSize},
		{7, 7},
		{app.MaxPageSize, app.MaxPageSize},
		{10_000, app.MaxPageSize},
	}
	for _, tt := range tests {
		ps, total, err := db.ListPayments(ctx, app.PaymentFilter{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != tt.want || total != n {
			t.Errorf("ListPayments limit %d: got %d of %d, want %d of %d", tt.limit, len(ps), total, tt.want, n)
		}
		if pending := claimAll(t, db, clk.Now().Add(time.Second), tt.limit); len(pending) != tt.want {
			t.Errorf("ClaimPendingPayments limit %d: got %d, want %d", tt.limit, len(pending), tt.want)
		}
	}
}

func testForEachPaymentStops(t *testing.T, db *store.DB) {
	for _, c := range []string{"a", "b", "c"} {
		MustCreatePayment(t, db, c, "1")
	}
	stop := errors.New("client went away")
	calls := 0
	err := db.ForEachPayment(context.Background(), app.PaymentFilter{}, func(app.Payment) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("got %v after %d calls, want %v after 2", err, calls, stop)
	}
}

func MustCreateRefund(tb testing.TB, db *store.DB, code, amount string) *app.Refund {
	tb.Helper()
	r := &app.Refund{PaymentCode: code, Amount: dec(amount)}
	if err := db.CreateRefund(context.Background(), r); err != nil {
		tb.Fatalf("create refund of %s: %v", code, err)
	}
	return r
}

func refundIDs(rs []app.Refund) []int64 {
	ids := []int64{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func testCreateRefund(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	owner := MustCreateUser(t, db, "owner@example.com", app.RoleOwner)
	MustCreatePaidPayment(t, db, "code-1", "100")
	clk.Advance(time.Minute)
	// Whatever the caller set, an intent starts open.
	r := &app.Refund{PaymentCode: "code-1", Amount: dec("100"), Whole: true, Status: app.RefundDone, Refunded: decimal.Zero,
		ActorID: &owner.ID, ActorEmail: owner.Email, IP: "10.0.0.1"}
	if err := db.CreateRefund(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.Status != app.RefundOpen || !r.CreatedAt.Equal(clk.Now()) || !r.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("created: got %+v, want an ID, open, created now", *r)
	}
	rs, err := db.RefundsOf(ctx, "code-1")
	if err != nil || len(rs) != 1 {
		t.Fatalf("got %+v, %v, want one refund", rs, err)
	}
	got := rs[0]
	if got.ID != r.ID || got.PaymentCode != "code-1" || !got.Amount.Equal(dec("100")) || !got.Whole || got.Status != app.RefundOpen ||
		!got.Refunded.IsZero() || got.Problem != "" || got.ActorID == nil || *got.ActorID != owner.ID || got.ActorEmail != owner.Email ||
		got.IP != "10.0.0.1" || !got.CreatedAt.Equal(clk.Now()) || !got.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("got %+v, want %+v", got, *r)
	}
	// By nobody (the reconciler): no actor.
	system := MustCreateRefund(t, db, "code-1", "0.01")
	if rs, err := db.RefundsOf(ctx, "code-1"); err != nil || len(rs) != 2 || rs[1].ID != system.ID || rs[1].ActorID != nil || rs[1].Whole {
		t.Errorf("refund by nobody: got %+v, %v, want no actor, not whole", rs, err)
	}
}

func testCreateRefundRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePaidPayment(t, db, "code-1", "100")
	missing := int64(unknownID)
	tests := []struct {
		name string
		r    app.Refund
	}{
		{"zero", app.Refund{PaymentCode: "code-1", Amount: decimal.Zero}},
		{"negative", app.Refund{PaymentCode: "code-1", Amount: dec("-1")}},
		{"seven decimal places", app.Refund{PaymentCode: "code-1", Amount: dec("0.0000001")}},
		{"unknown payment", app.Refund{PaymentCode: "nope", Amount: dec("1")}},
		{"unknown actor", app.Refund{PaymentCode: "code-1", Amount: dec("1"), ActorID: &missing}},
	}
	for _, tt := range tests {
		if err := db.CreateRefund(ctx, &tt.r); err == nil {
			t.Errorf("%s: got nil, want an error", tt.name)
		}
	}
	for _, code := range []string{"code-1", "nope"} {
		if rs, err := db.RefundsOf(ctx, code); err != nil || len(rs) != 0 {
			t.Errorf("refunds of %s: got %+v, %v, want none", code, rs, err)
		}
	}
}

// testFinishRefund: finishing is a compare-and-set on open; a second
// finish reports false and leaves the first outcome.
func testFinishRefund(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	MustCreatePaidPayment(t, db, "code-1", "100")
	r := MustCreateRefund(t, db, "code-1", "40")
	other := MustCreateRefund(t, db, "code-1", "10")
	created := clk.Now()
	clk.Advance(time.Minute)

	done := *r
	done.Status, done.Refunded = app.RefundDone, dec("40")
	if ok, err := db.FinishRefund(ctx, &done); err != nil || !ok {
		t.Fatalf("first finish: got %t, %v, want true", ok, err)
	}
	if !done.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("returned UpdatedAt: got %v, want %v", done.UpdatedAt, clk.Now())
	}
	finished := clk.Now()
	clk.Advance(time.Minute)

	failed := *r
	failed.Status, failed.Problem = app.RefundFailed, "refund.provider_refused 10051"
	if ok, err := db.FinishRefund(ctx, &failed); err != nil || ok {
		t.Errorf("second finish: got %t, %v, want false", ok, err)
	}
	unknown := app.Refund{ID: unknownID, Status: app.RefundDone, Refunded: dec("1")}
	if ok, err := db.FinishRefund(ctx, &unknown); err != nil || ok {
		t.Errorf("unknown refund: got %t, %v, want false", ok, err)
	}

	rs, err := db.RefundsOf(ctx, "code-1")
	if err != nil || len(rs) != 2 {
		t.Fatalf("got %+v, %v, want two refunds", rs, err)
	}
	if got := rs[0]; got.Status != app.RefundDone || !got.Refunded.Equal(dec("40")) || got.Problem != "" ||
		!got.CreatedAt.Equal(created) || !got.UpdatedAt.Equal(finished) {
		t.Errorf("finished: got %+v, want done, 40 refunded, no problem, updated at %v", got, finished)
	}
	if got := rs[1]; got.ID != other.ID || got.Status != app.RefundOpen || !got.UpdatedAt.Equal(created) {
		t.Errorf("the other refund: got %+v, want it open and untouched", got)
	}

	// An outcome with a problem.
	unresolved := *other
	unresolved.Status, unresolved.Problem = app.RefundUnresolved, "refund.unresolved"
	if ok, err := db.FinishRefund(ctx, &unresolved); err != nil || !ok {
		t.Errorf("finish as unresolved: got %t, %v, want true", ok, err)
	}
	if rs, err := db.RefundsOf(ctx, "code-1"); err != nil || rs[1].Status != app.RefundUnresolved || rs[1].Problem != "refund.unresolved" {
		t.Errorf("unresolved: got %+v, %v, want unresolved with its problem", rs, err)
	}
}

// testFinishRefundConcurrent: of finishes racing on one open refund (the
// request and the reconciler), exactly one records its outcome.
func testFinishRefundConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePaidPayment(t, db, "code-1", "100")
	r := MustCreateRefund(t, db, "code-1", "40")
	const racers = 8
	ok := make([]bool, racers)
	errs := make([]error, racers)
	outcomes := make([]app.RefundStatus, racers)
	var wg sync.WaitGroup
	for i := range racers {
		outcomes[i] = app.RefundDone
		if i%2 == 1 {
			outcomes[i] = app.RefundFailed
		}
		wg.Go(func() {
			finish := *r
			finish.Status, finish.Problem = outcomes[i], fmt.Sprint("racer ", i)
			ok[i], errs[i] = db.FinishRefund(ctx, &finish)
		})
	}
	wg.Wait()
	winner := -1
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if ok[i] {
			if winner >= 0 {
				t.Fatalf("racers %d and %d both finished the refund", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no racer finished the refund")
	}
	rs, err := db.RefundsOf(ctx, "code-1")
	if err != nil || rs[0].Status != outcomes[winner] || rs[0].Problem != fmt.Sprint("racer ", winner) {
		t.Errorf("got %+v, %v, want racer %d's outcome", rs, err, winner)
	}
}

func testRefundsOf(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreatePaidPayment(t, db, "p1", "100")
	MustCreatePaidPayment(t, db, "p2", "100")
	var want1, want2 []int64
	for i := range 3 {
		want1 = append(want1, MustCreateRefund(t, db, "p1", fmt.Sprint(i+1)).ID)
		want2 = append(want2, MustCreateRefund(t, db, "p2", fmt.Sprint(i+1)).ID)
	}
	tests := []struct {
		code string
		want []int64
	}{
		{"p1", want1},
		{"p2", want2},
		{"nope", []int64{}},
	}
	for _, tt := range tests {
		rs, err := db.RefundsOf(ctx, tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if got := refundIDs(rs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("refunds of %s: got %v, want %v (oldest first)", tt.code, got, tt.want)
		}
	}
}

// testOpenRefunds: only open refunds created before the bound (exclusive),
// oldest first, of every payment.
func testOpenRefunds(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	MustCreatePaidPayment(t, db, "p1", "100")
	MustCreatePaidPayment(t, db, "p2", "100")
	// r0 at +0m … r4 at +4m; r1 is done and r3 failed.
	var ids []int64
	for i, code := range []string{"p1", "p1", "p2", "p2", "p1"} {
		r := MustCreateRefund(t, db, code, "1")
		ids = append(ids, r.ID)
		if i == 1 || i == 3 {
			r.Status = app.RefundDone
			if i == 3 {
				r.Status = app.RefundFailed
			}
			if ok, err := db.FinishRefund(ctx, r); err != nil || !ok {
				t.Fatalf("finish refund %d: %t, %v", i, ok, err)
			}
		}
		clk.Advance(time.Minute)
	}
	tests := []struct {
		name   string
		before time.Time
		want   []int64
	}{
		{"all", start.Add(time.Hour), []int64{ids[0], ids[2], ids[4]}},
		{"bound is exclusive", start.Add(4 * time.Minute), []int64{ids[0], ids[2]}},
		{"just after the first", start.Add(time.Second), []int64{ids[0]}},
		{"none yet", start, []int64{}},
	}
	for _, tt := range tests {
		rs, err := db.OpenRefunds(ctx, tt.before)
		if err != nil {
			t.Fatal(err)
		}
		if got := refundIDs(rs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		for _, r := range rs {
			if r.Status != app.RefundOpen {
				t.Errorf("%s: got refund %d %s, want open", tt.name, r.ID, r.Status)
			}
		}
	}
}

func BenchmarkCreatePayment(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := db.CreatePayment(ctx, newPayment(fmt.Sprintf("bench-%d", i), "123.45")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListPayments(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	for i := range 1000 {
		p := MustCreatePayment(b, db, fmt.Sprintf("bench-%d", i), fmt.Sprintf("%d.%02d", i%200, i%100+1))
		if i%3 == 0 {
			if _, err := db.SettlePayment(ctx, p.MerchantUniqueCode, app.PaymentStatusPaid); err != nil {
				b.Fatal(err)
			}
		}
	}
	filter := app.PaymentFilter{Status: app.PaymentStatusPaid, MinAmount: decPtr("10"), MaxAmount: decPtr("150.5")}
	b.ReportAllocs()
	for b.Loop() {
		ps, _, err := db.ListPayments(ctx, filter)
		if err != nil || len(ps) != app.DefaultPageSize {
			b.Fatalf("got %d payments, %v, want a full page", len(ps), err)
		}
	}
}
