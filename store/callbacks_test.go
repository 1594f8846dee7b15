package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
)

func testRecordCallback(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	records := []*app.Callback{
		{Key: "k1", MerchantUniqueCode: "code-1", Kind: app.CallbackKindSuccess, Accepted: true, Reason: "settled", RemoteIP: "10.0.0.1", Payload: "status=SUCCESS"},
		{Key: "k2", MerchantUniqueCode: "code-2", Kind: app.CallbackKindServer, Accepted: true, Reason: "settled", Payload: `{"x":1}`},
		{Key: "k3", MerchantUniqueCode: "code-1", Kind: app.CallbackKindFail, Accepted: false, Reason: "hash_invalid", RemoteIP: "10.6.6.6", Payload: "x"},
		{Key: "k4", MerchantUniqueCode: "code-1", Kind: app.CallbackKindServer, Accepted: false, Reason: "already_final", Payload: strings.Repeat("ş", app.MaxCallbackPayload/2)},
	}
	for _, r := range records {
		clk.Advance(time.Second)
		ok, err := db.RecordCallback(ctx, r)
		if err != nil || !ok {
			t.Fatalf("record %s: got %t, %v, want true", r.Key, ok, err)
		}
		if r.ID == 0 || !r.At.Equal(clk.Now()) {
			t.Errorf("record %s: got ID %d at %v, want an ID at %v", r.Key, r.ID, r.At, clk.Now())
		}
	}
	tests := []struct {
		code string
		want []*app.Callback
	}{
		{"code-1", []*app.Callback{records[0], records[2], records[3]}},
		{"code-2", []*app.Callback{records[1]}},
		{"none", nil},
	}
	for _, tt := range tests {
		got, err := db.CallbacksFor(ctx, tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: got %d callbacks, want %d", tt.code, len(got), len(tt.want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], *tt.want[i]) {
				t.Errorf("%s, callback %d: got %+v, want %+v", tt.code, i, got[i], *tt.want[i])
			}
		}
	}
}

// testRecordCallbackRepeat: a callback whose key was recorded before is
// not stored again, whatever else it says.
func testRecordCallbackRepeat(t *testing.T, db *store.DB) {
	ctx := context.Background()
	first := &app.Callback{Key: "k1", MerchantUniqueCode: "code-1", Kind: app.CallbackKindSuccess, Accepted: true, Reason: "settled"}
	if ok, err := db.RecordCallback(ctx, first); err != nil || !ok {
		t.Fatalf("first: got %t, %v, want true", ok, err)
	}
	tests := []struct {
		name string
		c    app.Callback
	}{
		{"the same again", *first},
		{"another verdict", app.Callback{Key: "k1", MerchantUniqueCode: "code-1", Kind: app.CallbackKindSuccess, Reason: "duplicate"}},
		{"another payment", app.Callback{Key: "k1", MerchantUniqueCode: "code-2", Kind: app.CallbackKindFail}},
	}
	for _, tt := range tests {
		tt.c.ID = 0
		if ok, err := db.RecordCallback(ctx, &tt.c); err != nil || ok {
			t.Errorf("%s: got %t, %v, want false, nil", tt.name, ok, err)
		}
		if tt.c.ID != 0 {
			t.Errorf("%s: got ID %d, want none", tt.name, tt.c.ID)
		}
	}
	for code, want := range map[string]int{"code-1": 1, "code-2": 0} {
		if got, err := db.CallbacksFor(ctx, code); err != nil || len(got) != want {
			t.Errorf("callbacks for %s: got %+v, %v, want %d", code, got, err, want)
		}
	}
	if got, err := db.CallbacksFor(ctx, "code-1"); err == nil && len(got) == 1 && got[0].Reason != "settled" {
		t.Errorf("stored: got %+v, want the first", got[0])
	}
}

// testRecordCallbackRefused: what a stored callback must be, for both
// tables (callbacks of payments and stray ones).
func testRecordCallbackRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tests := []struct {
		name string
		c    app.Callback
		ok   bool
	}{
		{"unknown kind", app.Callback{Kind: "redirect"}, false},
		{"no kind", app.Callback{}, false},
		{"payload over the limit", app.Callback{Kind: app.CallbackKindServer, Payload: strings.Repeat("x", app.MaxCallbackPayload+1)}, false},
		{"payload at the limit", app.Callback{Kind: app.CallbackKindServer, Payload: strings.Repeat("x", app.MaxCallbackPayload)}, true},
	}
	for i, tt := range tests {
		c := tt.c
		c.Key, c.MerchantUniqueCode = fmt.Sprint("k", i), "code-1"
		ok, err := db.RecordCallback(ctx, &c)
		if (err == nil) != tt.ok || ok != tt.ok {
			t.Errorf("RecordCallback, %s: got %t, %v, want %t", tt.name, ok, err, tt.ok)
		}
		stray := tt.c
		if err := db.RecordStrayCallback(ctx, &stray, 10); (err == nil) != tt.ok {
			t.Errorf("RecordStrayCallback, %s: got %v, want error %t", tt.name, err, !tt.ok)
		}
	}
	if got, err := db.CallbacksFor(ctx, "code-1"); err != nil || len(got) != 1 || len(got[0].Payload) != app.MaxCallbackPayload {
		t.Errorf("stored: got %d callbacks, %v, want the one at the limit", len(got), err)
	}
	if got := strayReasons(t, db); len(got) != 1 {
		t.Errorf("stray callbacks stored: got %d, want 1", len(got))
	}
}

// strayReasons lists the stray callbacks kept, newest first, by reason.
func strayReasons(tb testing.TB, db *store.DB) []string {
	tb.Helper()
	strays, err := db.StrayCallbacks(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	reasons := []string{}
	for _, c := range strays {
		reasons = append(reasons, c.Reason)
	}
	return reasons
}

// testRecordStrayCallback: callbacks that named no payment are kept apart,
// the newest keep of them only, and never show among a payment's.
func testRecordStrayCallback(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	if got, err := db.StrayCallbacks(ctx); err != nil || len(got) != 0 {
		t.Errorf("none yet: got %+v, %v, want none", got, err)
	}
	steps := []struct {
		reason string
		keep   int
		want   []string // newest first
	}{
		{"s1", 3, []string{"s1"}},
		{"s2", 3, []string{"s2", "s1"}},
		{"s3", 3, []string{"s3", "s2", "s1"}},
		{"s4", 3, []string{"s4", "s3", "s2"}},
		{"s5", 3, []string{"s5", "s4", "s3"}},
		{"s6", 1, []string{"s6"}},
		{"s7", 2, []string{"s7", "s6"}},
	}
	var last *app.Callback
	for _, s := range steps {
		clk.Advance(time.Second)
		last = &app.Callback{Key: s.reason, MerchantUniqueCode: "code-1", Kind: app.CallbackKindFail, Reason: s.reason, RemoteIP: "10.6.6.6", Payload: "a=1"}
		if err := db.RecordStrayCallback(ctx, last, s.keep); err != nil {
			t.Fatalf("%s: %v", s.reason, err)
		}
		if last.ID == 0 || !last.At.Equal(clk.Now()) {
			t.Errorf("%s: got ID %d at %v, want an ID at %v", s.reason, last.ID, last.At, clk.Now())
		}
		if got := strayReasons(t, db); !slices.Equal(got, s.want) {
			t.Errorf("after %s keeping %d: got %v, want %v", s.reason, s.keep, got, s.want)
		}
	}
	// Kept without a payment's code or a key: a stray callback is no one's.
	want := app.Callback{ID: last.ID, At: last.At, Kind: app.CallbackKindFail, Reason: "s7", RemoteIP: "10.6.6.6", Payload: "a=1"}
	if strays, err := db.StrayCallbacks(ctx); err != nil || len(strays) == 0 || !reflect.DeepEqual(strays[0], want) {
		t.Errorf("newest stray: got %+v, %v, want %+v", strays, err, want)
	}
	for _, code := range []string{"code-1", ""} {
		if got, err := db.CallbacksFor(ctx, code); err != nil || len(got) != 0 {
			t.Errorf("callbacks for %q: got %+v, %v, want none", code, got, err)
		}
	}
	// A stray callback's key takes no part in recording real ones.
	if ok, err := db.RecordCallback(ctx, &app.Callback{Key: "s7", MerchantUniqueCode: "code-1", Kind: app.CallbackKindServer}); err != nil || !ok {
		t.Errorf("record a callback with a stray one's key: got %t, %v, want true", ok, err)
	}
}
