package handlers

import (
	"testing"
	"time"
)

func TestLinkURLs(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	u := newLinkURLs(2, time.Minute, clock)

	u.put(1, "https://pay/1")
	if got, ok := u.get(1); !ok || got != "https://pay/1" {
		t.Fatalf("get 1: got %q, %v, want the URL", got, ok)
	}
	if _, ok := u.get(2); ok {
		t.Error("get 2: found a URL never put")
	}

	now = now.Add(61 * time.Second)
	if _, ok := u.get(1); ok {
		t.Error("get 1 after the time limit: still found")
	}

	// Full with one expired entry: the new one replaces it.
	u.put(2, "https://pay/2")
	u.put(3, "https://pay/3")
	if _, ok := u.get(2); !ok {
		t.Error("get 2: dropped although only 1 had expired")
	}
	if got := len(u.m); got != 2 {
		t.Errorf("entries: got %d, want 2", got)
	}

	// Full with nothing expired: everything goes, memory stays bounded.
	u.put(4, "https://pay/4")
	if got := len(u.m); got != 1 {
		t.Errorf("entries after overflow: got %d, want 1", got)
	}
	if got, ok := u.get(4); !ok || got != "https://pay/4" {
		t.Errorf("get 4: got %q, %v, want the URL", got, ok)
	}
}
