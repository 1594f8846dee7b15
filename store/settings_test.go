package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"linkdesk/app"
	"linkdesk/store"
)

// testSetting: the first value stored under a key stays.
func testSetting(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.Setting(ctx, "key"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("missing setting: got %v, want %v", err, app.ErrNotFound)
	}
	steps := []struct {
		key, value string
		want       string
	}{
		{"key", "first", "first"},
		{"key", "second", "first"},
		{"other", "", ""},
		{"other", "x", ""},
		{"key", "third", "first"},
	}
	for _, s := range steps {
		if err := db.InitSetting(ctx, s.key, s.value); err != nil {
			t.Fatalf("InitSetting(%q, %q): %v", s.key, s.value, err)
		}
		if got, err := db.Setting(ctx, s.key); err != nil || got != s.want {
			t.Errorf("after InitSetting(%q, %q): got %q, %v, want %q", s.key, s.value, got, err, s.want)
		}
	}
}

// testInitSettingConcurrent: instances starting at once, each generating
// its own value, all read back one of them.
func testInitSettingConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const racers = 8
	got := make([]string, racers)
	errs := make([]error, racers)
	candidates := make([]string, racers)
	var wg sync.WaitGroup
	for i := range racers {
		candidates[i] = fmt.Sprintf("key-%d", i)
		wg.Go(func() {
			if errs[i] = db.InitSetting(ctx, "session_keys", candidates[i]); errs[i] == nil {
				got[i], errs[i] = db.Setting(ctx, "session_keys")
			}
		})
	}
	wg.Wait()
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Errorf("racer %d: got %q, want %q like racer 0", i, got[i], got[0])
		}
	}
	if !slices.Contains(candidates, got[0]) {
		t.Errorf("got %q, want one of %v", got[0], candidates)
	}
}
