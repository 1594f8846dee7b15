package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"linkdesk/store"
)

func TestSetting(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	if _, err := db.Setting(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing setting: got %v, want ErrNotFound", err)
	}
	got, err := db.SettingOrInit(ctx, "key", func() (string, error) { return "first", nil })
	if err != nil || got != "first" {
		t.Fatalf("init: got %q, %v, want first", got, err)
	}
	called := false
	got, err = db.SettingOrInit(ctx, "key", func() (string, error) { called = true; return "second", nil })
	if err != nil || got != "first" || called {
		t.Errorf("existing: got %q, %v, gen called %t, want first and no call", got, err, called)
	}
	boom := errors.New("no entropy")
	if _, err := db.SettingOrInit(ctx, "other", func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("gen error: got %v, want %v", err, boom)
	}
	if _, err := db.Setting(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a failed gen: got %v, want ErrNotFound", err)
	}
}

func TestSettingOrInit_ConcurrentCallersGetOneValue(t *testing.T) {
	db := MustOpenDB(t)
	const racers = 8
	got := make([]string, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			got[i], errs[i] = db.SettingOrInit(context.Background(), "session_keys", func() (string, error) {
				return fmt.Sprintf("key-%d", i), nil
			})
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
	stored, err := db.Setting(context.Background(), "session_keys")
	if err != nil || stored != got[0] {
		t.Errorf("stored: got %q, %v, want %q", stored, err, got[0])
	}
}
