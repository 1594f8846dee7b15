package store_test

import (
	"context"
	"testing"
	"time"
)

func TestLoginFailures_Window(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	t0 := clk.Now()
	record := func(email, ip string) {
		t.Helper()
		if err := db.RecordLoginFailure(ctx, email, ip); err != nil {
			t.Fatal(err)
		}
	}
	// Three failures for one email+IP, five minutes apart, plus noise
	// from another IP and another email.
	for range 3 {
		record("Ayse@Example.com", "10.0.0.1")
		record("ayse@example.com", "10.0.0.2")
		record("mehmet@example.com", "10.0.0.1")
		clk.Advance(5 * time.Minute)
	}
	tests := []struct {
		name       string
		email, ip  string
		since      time.Time
		want       int
		wantOldest time.Time
	}{
		{"all", "ayse@example.com", "10.0.0.1", t0, 3, t0},
		{"since is inclusive", "ayse@example.com", "10.0.0.1", t0.Add(5 * time.Minute), 2, t0.Add(5 * time.Minute)},
		{"window excludes older", "AYSE@example.com ", "10.0.0.1", t0.Add(6 * time.Minute), 1, t0.Add(10 * time.Minute)},
		{"none in window", "ayse@example.com", "10.0.0.1", t0.Add(11 * time.Minute), 0, time.Time{}},
		{"other ip", "ayse@example.com", "10.0.0.3", t0, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, oldest, err := db.LoginFailures(ctx, tt.email, tt.ip, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.want || !oldest.Equal(tt.wantOldest) {
				t.Errorf("got %d since %v, want %d since %v", n, oldest, tt.want, tt.wantOldest)
			}
		})
	}

	if err := db.ClearLoginFailures(ctx, "AYSE@example.com", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		email, ip string
		want      int
	}{
		{"ayse@example.com", "10.0.0.1", 0},   // cleared
		{"ayse@example.com", "10.0.0.2", 3},   // other IP kept
		{"mehmet@example.com", "10.0.0.1", 3}, // other email kept
	} {
		if n, _, err := db.LoginFailures(ctx, c.email, c.ip, t0); err != nil || n != c.want {
			t.Errorf("after clear, %s from %s: got %d, %v, want %d", c.email, c.ip, n, err, c.want)
		}
	}

	pruned, err := db.PruneLoginFailures(ctx, t0.Add(5*time.Minute))
	if err != nil || pruned != 2 {
		t.Errorf("prune: got %d, %v, want 2 (the first round of the two kept pairs)", pruned, err)
	}
	if n, _, err := db.LoginFailures(ctx, "mehmet@example.com", "10.0.0.1", t0); err != nil || n != 2 {
		t.Errorf("after prune: got %d, %v, want 2", n, err)
	}
}
