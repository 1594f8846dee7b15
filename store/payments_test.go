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

	"linkdesk/store"
)

// MustCreatePayment creates a pending TRY payment with a token derived from code.
func MustCreatePayment(tb testing.TB, db *store.DB, code, amount string) *store.Payment {
	tb.Helper()
	p := newPayment(code, amount)
	if err := db.CreatePayment(context.Background(), p); err != nil {
		tb.Fatalf("create payment %s: %v", code, err)
	}
	return p
}

func newPayment(code, amount string) *store.Payment {
	return &store.Payment{
		MerchantUniqueCode: code,
		CallbackToken:      "token-0123456789-" + code,
		Amount:             dec(amount),
		Currency:           "TRY",
		Description:        "Coffee",
		Provider:           "wallet-a",
	}
}

func mustPayment(tb testing.TB, db *store.DB, code string) *store.Payment {
	tb.Helper()
	p, err := db.PaymentByCode(context.Background(), code)
	if err != nil {
		tb.Fatalf("payment %s: %v", code, err)
	}
	return p
}

func TestCreatePayment(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	staff := MustCreateUser(t, db, "staff@example.com", store.RoleStaff)
	conn := 7
	p := newPayment("code-1", "10.50")
	p.StaffID, p.StaffEmail, p.ConnectionID = &staff.ID, staff.Email, &conn
	if err := db.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.Status != store.PaymentStatusPending || !p.CreatedAt.Equal(clk.Now()) || !p.RefundedAmount.IsZero() {
		t.Errorf("created: got %+v, want an ID, pending, created now, nothing refunded", *p)
	}
	for name, lookup := range map[string]func() (*store.Payment, error){
		"by code":  func() (*store.Payment, error) { return db.PaymentByCode(ctx, "code-1") },
		"by token": func() (*store.Payment, error) { return db.PaymentByToken(ctx, p.CallbackToken) },
	} {
		got, err := lookup()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Amount.Equal(p.Amount) || *got.StaffID != staff.ID || *got.ConnectionID != 7 || got.StaffEmail != staff.Email ||
			got.Description != "Coffee" || got.Provider != "wallet-a" || got.Currency != "TRY" || got.StartedAt != nil {
			t.Errorf("%s: got %+v, want %+v", name, *got, *p)
		}
	}
	if _, err := db.PaymentByCode(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: got %v, want ErrNotFound", err)
	}
	if _, err := db.PaymentByToken(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
}

func TestCreatePayment_Refused(t *testing.T) {
	db := MustOpenDB(t)
	MustCreatePayment(t, db, "taken", "5")
	missingStaff := int64(999)
	tests := []struct {
		name   string
		modify func(p *store.Payment)
		want   error
	}{
		{"duplicate code", func(p *store.Payment) { p.MerchantUniqueCode = "taken" }, store.ErrConflict},
		{"duplicate token", func(p *store.Payment) { p.CallbackToken = newPayment("taken", "1").CallbackToken }, store.ErrConflict},
		{"empty code", func(p *store.Payment) { p.MerchantUniqueCode = "" }, store.ErrInvalid},
		{"short token", func(p *store.Payment) { p.CallbackToken = "short" }, store.ErrInvalid},
		{"no currency", func(p *store.Payment) { p.Currency = "" }, store.ErrInvalid},
		{"zero amount", func(p *store.Payment) { p.Amount = decimal.Zero }, store.ErrInvalid},
		{"negative amount", func(p *store.Payment) { p.Amount = dec("-1") }, store.ErrInvalid},
		{"seven decimal places", func(p *store.Payment) { p.Amount = dec("1.0000001") }, store.ErrInvalid},
		{"too large", func(p *store.Payment) { p.Amount = dec("1000000000000") }, store.ErrInvalid},
		{"created settled", func(p *store.Payment) { p.Status = store.PaymentStatusPaid }, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPayment("new", "1")
			tt.modify(p)
			if err := db.CreatePayment(context.Background(), p); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("unknown staff", func(t *testing.T) {
		p := newPayment("new", "1")
		p.StaffID = &missingStaff
		if err := db.CreatePayment(context.Background(), p); err == nil {
			t.Error("got nil, want a foreign key error")
		}
	})
}

func TestPayment_Lifecycle(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	MustCreatePayment(t, db, "code-1", "25")

	clk.Advance(time.Second)
	if err := db.MarkPaymentStartFailed(ctx, "code-1", "paywall: 503"); err != nil {
		t.Fatal(err)
	}
	p := mustPayment(t, db, "code-1")
	if p.Status != store.PaymentStatusPending || p.LastError != "paywall: 503" || p.Attempts != 1 || p.StartedAt != nil {
		t.Errorf("after a failed start: got %+v, want pending, the error, 1 attempt, not started", *p)
	}

	clk.Advance(time.Second)
	if err := db.MarkPaymentStarted(ctx, "code-1", "U-1", 4242, 1, "https://wallet/qr"); err != nil {
		t.Fatal(err)
	}
	p = mustPayment(t, db, "code-1")
	if p.Status != store.PaymentStatusPending || p.LastError != "" || p.Attempts != 2 || p.StartedAt == nil || !p.StartedAt.Equal(clk.Now()) ||
		p.UniqueCode != "U-1" || p.APMTransactionID != 4242 || p.QRFormatType != 1 || p.QRContent != "https://wallet/qr" {
		t.Errorf("after the retry: got %+v, want pending, started now, no error, 2 attempts, provider fields", *p)
	}

	clk.Advance(time.Second)
	if err := db.TouchPaymentChecked(ctx, "code-1"); err != nil {
		t.Fatal(err)
	}
	if p := mustPayment(t, db, "code-1"); p.CheckedAt == nil || !p.CheckedAt.Equal(clk.Now()) {
		t.Errorf("checked at: got %v, want %v", p.CheckedAt, clk.Now())
	}

	clk.Advance(time.Second)
	settledAt := clk.Now()
	steps := []struct {
		to          store.PaymentStatus
		wantChanged bool
	}{
		{store.PaymentStatusPaid, true},
		{store.PaymentStatusPaid, false},    // duplicate callback
		{store.PaymentStatusFailed, false},  // late contrary callback
		{store.PaymentStatusExpired, false}, // the expiry worker lost the race
	}
	for _, s := range steps {
		clk.Advance(time.Second)
		changed, err := db.SettlePayment(ctx, "code-1", s.to)
		if err != nil || changed != s.wantChanged {
			t.Errorf("settle as %s: got %t, %v, want %t", s.to, changed, err, s.wantChanged)
		}
		p := mustPayment(t, db, "code-1")
		if p.Status != store.PaymentStatusPaid || p.SettledAt == nil || !p.SettledAt.Equal(settledAt.Add(time.Second)) {
			t.Errorf("after settle as %s: got %s settled %v, want paid, settled once", s.to, p.Status, p.SettledAt)
		}
	}
}

func TestPayment_UpdatesRefused(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	MustCreatePayment(t, db, "code-1", "25")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"start unknown", db.MarkPaymentStarted(ctx, "nope", "U", 1, 1, "x"), store.ErrNotFound},
		{"start failed unknown", db.MarkPaymentStartFailed(ctx, "nope", "x"), store.ErrNotFound},
		{"touch unknown", db.TouchPaymentChecked(ctx, "nope"), store.ErrNotFound},
		{"settle unknown", second(db.SettlePayment(ctx, "nope", store.PaymentStatusPaid)), store.ErrNotFound},
		{"settle as pending", second(db.SettlePayment(ctx, "code-1", store.PaymentStatusPending)), store.ErrInvalid},
		{"settle as refunded", second(db.SettlePayment(ctx, "code-1", store.PaymentStatusRefunded)), store.ErrInvalid},
		{"settle as nonsense", second(db.SettlePayment(ctx, "code-1", "done")), store.ErrInvalid},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if p := mustPayment(t, db, "code-1"); p.Status != store.PaymentStatusPending {
		t.Errorf("status: got %s, want pending", p.Status)
	}
}

func second[T any](_ T, err error) error { return err }

func TestSettlePayment_ConcurrentExactlyOneChanges(t *testing.T) {
	db := MustOpenDB(t)
	MustCreatePayment(t, db, "code-1", "25")
	targets := []store.PaymentStatus{store.PaymentStatusPaid, store.PaymentStatusFailed, store.PaymentStatusExpired,
		store.PaymentStatusPaid, store.PaymentStatusFailed, store.PaymentStatusExpired}
	changed := make([]bool, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, to := range targets {
		wg.Go(func() { changed[i], errs[i] = db.SettlePayment(context.Background(), "code-1", to) })
	}
	wg.Wait()
	var winner store.PaymentStatus
	for i := range targets {
		if errs[i] != nil {
			t.Fatalf("settle %d: %v", i, errs[i])
		}
		if changed[i] {
			if winner != "" {
				t.Fatalf("two settles changed the payment: %s and %s", winner, targets[i])
			}
			winner = targets[i]
		}
	}
	if got := mustPayment(t, db, "code-1").Status; winner == "" || got != winner {
		t.Errorf("status: got %s, want the one winner %q", got, winner)
	}
}

func TestRecordRefund(t *testing.T) {
	type step struct {
		amount        string
		want          error
		wantStatus    store.PaymentStatus
		wantRefunded  string
		wantRemaining string
	}
	tests := []struct {
		name   string
		settle store.PaymentStatus // "" leaves the payment pending
		steps  []step
	}{
		{"full at once", store.PaymentStatusPaid, []step{
			{"100.00", nil, store.PaymentStatusRefunded, "100", "0"},
			{"0.01", store.ErrConflict, store.PaymentStatusRefunded, "100", "0"},
		}},
		{"partial then rest", store.PaymentStatusPaid, []step{
			{"30.25", nil, store.PaymentStatusPartiallyRefunded, "30.25", "69.75"},
			{"69.76", store.ErrConflict, store.PaymentStatusPartiallyRefunded, "30.25", "69.75"},
			{"0.75", nil, store.PaymentStatusPartiallyRefunded, "31", "69"},
			{"69", nil, store.PaymentStatusRefunded, "100", "0"},
		}},
		{"over-refund", store.PaymentStatusPaid, []step{
			{"100.01", store.ErrConflict, store.PaymentStatusPaid, "0", "100"},
		}},
		{"non-positive", store.PaymentStatusPaid, []step{
			{"0", store.ErrInvalid, store.PaymentStatusPaid, "0", "100"},
			{"-5", store.ErrInvalid, store.PaymentStatusPaid, "0", "100"},
		}},
		{"from pending", "", []step{
			{"10", store.ErrConflict, store.PaymentStatusPending, "0", "100"},
		}},
		{"from failed", store.PaymentStatusFailed, []step{
			{"10", store.ErrConflict, store.PaymentStatusFailed, "0", "100"},
		}},
		{"from expired", store.PaymentStatusExpired, []step{
			{"10", store.ErrConflict, store.PaymentStatusExpired, "0", "100"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			ctx := context.Background()
			MustCreatePayment(t, db, "code-1", "100.00")
			if tt.settle != "" {
				if _, err := db.SettlePayment(ctx, "code-1", tt.settle); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range tt.steps {
				got, err := db.RecordRefund(ctx, "code-1", dec(s.amount))
				if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
					t.Fatalf("refund %s: got %v, want %v", s.amount, err, s.want)
				}
				if err == nil && got.Status != s.wantStatus {
					t.Errorf("refund %s: returned status %s, want %s", s.amount, got.Status, s.wantStatus)
				}
				p := mustPayment(t, db, "code-1")
				if p.Status != s.wantStatus || !p.RefundedAmount.Equal(dec(s.wantRefunded)) || !p.Remaining().Equal(dec(s.wantRemaining)) {
					t.Errorf("after refund %s: got %s, refunded %s, remaining %s; want %s, %s, %s",
						s.amount, p.Status, p.RefundedAmount, p.Remaining(), s.wantStatus, s.wantRefunded, s.wantRemaining)
				}
			}
		})
	}
	t.Run("unknown payment", func(t *testing.T) {
		db := MustOpenDB(t)
		if _, err := db.RecordRefund(context.Background(), "nope", dec("1")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

func TestRecordRefund_ConcurrentNeverExceedsAmount(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	MustCreatePayment(t, db, "code-1", "50")
	if _, err := db.SettlePayment(ctx, "code-1", store.PaymentStatusPaid); err != nil {
		t.Fatal(err)
	}
	const racers = 8 // 8 × 10 asked, 50 available: exactly 5 must succeed
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { _, errs[i] = db.RecordRefund(ctx, "code-1", dec("10")) })
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racer %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	p := mustPayment(t, db, "code-1")
	if ok != 5 || p.Status != store.PaymentStatusRefunded || !p.RefundedAmount.Equal(dec("50")) {
		t.Errorf("got %d successes, %s, refunded %s; want 5, refunded, 50", ok, p.Status, p.RefundedAmount)
	}
}

func TestPendingPayments(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		MustCreatePayment(t, db, fmt.Sprintf("p%d", i), "10")
		clk.Advance(time.Minute)
	}
	// p1 at +0m … p5 at +4m; p2 is settled.
	if _, err := db.SettlePayment(ctx, "p2", store.PaymentStatusPaid); err != nil {
		t.Fatal(err)
	}
	start := clk.Now().Add(-5 * time.Minute)
	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   string
	}{
		{"all old enough", start.Add(time.Hour), 0, "[p1 p3 p4 p5]"},
		{"before is exclusive", start.Add(2 * time.Minute), 0, "[p1]"},
		{"limit", start.Add(time.Hour), 2, "[p1 p3]"},
		{"none yet", start, 0, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := db.PendingPayments(ctx, tt.before, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := codes(ps); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestPendingPaymentsLeastRecentlyChecked: a backlog larger than one page
// must be worked through, not the oldest page checked forever.
func TestPendingPaymentsLeastRecentlyChecked(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		MustCreatePayment(t, db, fmt.Sprintf("p%d", i), "10")
		clk.Advance(time.Minute)
	}
	for _, code := range []string{"p1", "p2"} {
		if err := db.TouchPaymentChecked(ctx, code); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	ps, err := db.PendingPayments(ctx, clk.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := codes(ps), "[p3 p4 p1]"; got != want {
		t.Errorf("got %s, want %s (never checked first, then least recently checked)", got, want)
	}
}

func codes(ps []store.Payment) string {
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

func TestListPayments_Filters(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	staff := MustCreateUser(t, db, "staff@example.com", store.RoleStaff)
	other := MustCreateUser(t, db, "other@example.com", store.RoleStaff)
	// Created one hour apart, in this order; "c" compared as text would
	// sort "100" before "9.99".
	seed := []struct {
		code, amount string
		staff        *int64
		status       store.PaymentStatus
	}{
		{"a", "9.99", &staff.ID, store.PaymentStatusPaid},
		{"b", "10.5", &staff.ID, store.PaymentStatusPending},
		{"c", "100", &other.ID, store.PaymentStatusFailed},
		{"d", "10.499999", nil, store.PaymentStatusPaid},
		{"e", "0.01", &other.ID, store.PaymentStatusExpired},
	}
	for _, s := range seed {
		p := newPayment(s.code, s.amount)
		p.StaffID = s.staff
		if err := db.CreatePayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		if s.status != store.PaymentStatusPending {
			if _, err := db.SettlePayment(ctx, s.code, s.status); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(time.Hour)
	}
	tests := []struct {
		name      string
		filter    store.PaymentFilter
		want      string
		wantTotal int
	}{
		{"all newest first", store.PaymentFilter{}, "[e d c b a]", 5},
		{"min 10", store.PaymentFilter{MinAmount: decPtr("10")}, "[d c b]", 3},
		{"max 10.5 inclusive", store.PaymentFilter{MaxAmount: decPtr("10.5")}, "[e d b a]", 4},
		{"between 9.99 and 10.4999995", store.PaymentFilter{MinAmount: decPtr("9.99"), MaxAmount: decPtr("10.4999995")}, "[d a]", 2},
		{"min with many places", store.PaymentFilter{MinAmount: decPtr("10.4999991")}, "[c b]", 2},
		{"max 0.009", store.PaymentFilter{MaxAmount: decPtr("0.009")}, "[]", 0},
		{"min above everything", store.PaymentFilter{MinAmount: decPtr("1e30")}, "[]", 0},
		{"max below everything", store.PaymentFilter{MaxAmount: decPtr("-1e30")}, "[]", 0},
		{"status paid", store.PaymentFilter{Status: store.PaymentStatusPaid}, "[d a]", 2},
		{"staff", store.PaymentFilter{StaffID: &other.ID}, "[e c]", 2},
		{"from inclusive", store.PaymentFilter{From: start.Add(2 * time.Hour)}, "[e d c]", 3},
		{"to exclusive", store.PaymentFilter{To: start.Add(2 * time.Hour)}, "[b a]", 2},
		{"combined", store.PaymentFilter{Status: store.PaymentStatusPaid, MinAmount: decPtr("10"), From: start}, "[d]", 1},
		{"page", store.PaymentFilter{Limit: 2, Offset: 1}, "[d c]", 5},
		{"past the end", store.PaymentFilter{Offset: 10}, "[]", 5},
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

			var streamed []store.Payment
			err = db.ForEachPayment(ctx, tt.filter, func(p store.Payment) error {
				streamed = append(streamed, p)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(streamed) != tt.wantTotal {
				t.Errorf("ForEachPayment: got %d payments, want all %d (no paging)", len(streamed), tt.wantTotal)
			}
		})
	}
	if _, _, err := db.ListPayments(ctx, store.PaymentFilter{Status: "done"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown status: got %v, want ErrInvalid", err)
	}
}

func TestListPayments_LimitDefaultsAndCap(t *testing.T) {
	db := MustOpenDB(t)
	for i := range store.MaxPageSize + 1 {
		MustCreatePayment(t, db, fmt.Sprintf("p%03d", i), "1")
	}
	tests := []struct {
		limit, want int
	}{
		{0, store.DefaultPageSize},
		{-1, store.DefaultPageSize},
		{7, 7},
		{10_000, store.MaxPageSize},
	}
	for _, tt := range tests {
		ps, total, err := db.ListPayments(context.Background(), store.PaymentFilter{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != tt.want || total != store.MaxPageSize+1 {
			t.Errorf("limit %d: got %d of %d, want %d of %d", tt.limit, len(ps), total, tt.want, store.MaxPageSize+1)
		}
	}
}

func TestForEachPayment_StopsOnError(t *testing.T) {
	db := MustOpenDB(t)
	for _, c := range []string{"a", "b", "c"} {
		MustCreatePayment(t, db, c, "1")
	}
	stop := errors.New("client went away")
	calls := 0
	err := db.ForEachPayment(context.Background(), store.PaymentFilter{}, func(store.Payment) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("got %v after %d calls, want %v after 1", err, calls, stop)
	}
}

func TestPaymentStatus(t *testing.T) {
	tests := []struct {
		status                   store.PaymentStatus
		valid, final, refundable bool
	}{
		{store.PaymentStatusPending, true, false, false},
		{store.PaymentStatusPaid, true, true, true},
		{store.PaymentStatusFailed, true, true, false},
		{store.PaymentStatusExpired, true, true, false},
		{store.PaymentStatusRefunded, true, true, false},
		{store.PaymentStatusPartiallyRefunded, true, true, true},
		{"done", false, false, false},
	}
	for _, tt := range tests {
		if got := [3]bool{tt.status.Valid(), tt.status.Final(), tt.status.Refundable()}; got != [3]bool{tt.valid, tt.final, tt.refundable} {
			t.Errorf("%q valid/final/refundable: got %v, want %v", tt.status, got, [3]bool{tt.valid, tt.final, tt.refundable})
		}
		parsed, err := store.ParsePaymentStatus(string(tt.status))
		if (err == nil) != tt.valid || (tt.valid && parsed != tt.status) {
			t.Errorf("ParsePaymentStatus(%q): got %q, %v", tt.status, parsed, err)
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
			if _, err := db.SettlePayment(ctx, p.MerchantUniqueCode, store.PaymentStatusPaid); err != nil {
				b.Fatal(err)
			}
		}
	}
	filter := store.PaymentFilter{Status: store.PaymentStatusPaid, MinAmount: decPtr("10"), MaxAmount: decPtr("150.5")}
	b.ReportAllocs()
	for b.Loop() {
		ps, _, err := db.ListPayments(ctx, filter)
		if err != nil || len(ps) != store.DefaultPageSize {
			b.Fatalf("got %d payments, %v, want a full page", len(ps), err)
		}
	}
}
