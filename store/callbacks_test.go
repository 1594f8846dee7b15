package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"linkdesk/store"
)

func TestRecordCallback(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	records := []*store.CallbackRecord{
		{MerchantUniqueCode: "code-1", Kind: store.CallbackKindSuccess, Accepted: true, Reason: "paid", RemoteIP: "10.0.0.1", Payload: "status=SUCCESS"},
		{MerchantUniqueCode: "code-1", Kind: store.CallbackKindSuccess, Accepted: true, Reason: "duplicate", RemoteIP: "10.0.0.1", Payload: "status=SUCCESS"},
		{MerchantUniqueCode: "code-1", Kind: store.CallbackKindFail, Accepted: false, Reason: "bad hash", RemoteIP: "10.6.6.6", Payload: "x"},
		{MerchantUniqueCode: "unknown", Kind: store.CallbackKindServer, Accepted: false, Reason: "unknown code", Payload: `{"x":1}`},
	}
	for _, r := range records {
		clk.Advance(time.Second)
		if err := db.RecordCallback(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || !r.At.Equal(clk.Now()) {
			t.Errorf("got ID %d at %v, want an ID at %v", r.ID, r.At, clk.Now())
		}
	}
	got, err := db.CallbacksFor(ctx, "code-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d records, want 3", len(got))
	}
	for i, r := range got {
		if r != *records[i] {
			t.Errorf("record %d: got %+v, want %+v", i, r, *records[i])
		}
	}
	if got, err := db.CallbacksFor(ctx, "none"); err != nil || len(got) != 0 {
		t.Errorf("no callbacks: got %v, %v, want none", got, err)
	}
}

func TestRecordCallback_Refused(t *testing.T) {
	db := MustOpenDB(t)
	err := db.RecordCallback(context.Background(), &store.CallbackRecord{MerchantUniqueCode: "c", Kind: "redirect"})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown kind: got %v, want ErrInvalid", err)
	}
}

func TestRecordCallback_TruncatesLargePayload(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	// "ş" is two bytes, and an odd prefix puts a character across the limit.
	payload := "x" + strings.Repeat("ş", store.MaxCallbackPayload)
	if err := db.RecordCallback(ctx, &store.CallbackRecord{MerchantUniqueCode: "c", Kind: store.CallbackKindServer, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	got, err := db.CallbacksFor(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	stored := got[0].Payload
	if len(stored) > store.MaxCallbackPayload || len(stored) < store.MaxCallbackPayload-1 || !utf8.ValidString(stored) || !strings.HasPrefix(payload, stored) {
		t.Errorf("got %d bytes (valid UTF-8 %t), want a valid prefix of at most %d", len(stored), utf8.ValidString(stored), store.MaxCallbackPayload)
	}
}

func TestCallbackRecord_TruncatePayload(t *testing.T) {
	tests := []struct {
		payload string
		n       int
		want    string
	}{
		{"xşş", 5, "xşş"},
		{"xşş", 4, "xş"}, // the second ş would be split
		{"xşş", 3, "xş"},
		{"xşş", 2, "x"},
		{"şx", 1, ""},
		{"", 0, ""},
	}
	for _, tt := range tests {
		c := store.CallbackRecord{Payload: tt.payload}
		c.TruncatePayload(tt.n)
		if c.Payload != tt.want {
			t.Errorf("%q to %d bytes: got %q, want %q", tt.payload, tt.n, c.Payload, tt.want)
		}
	}
}
