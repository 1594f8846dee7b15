package handlers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"linkdesk/craftclient"
	"linkdesk/handlers"
)

// countingLinks answers searches with a page naming the call number.
type countingLinks struct {
	handlers.LinkService
	searches int
	fail     bool
}

func (c *countingLinks) Search(context.Context, craftclient.ProductSearchRequest) (*craftclient.ProductPage, error) {
	c.searches++
	if c.fail {
		return nil, errors.New("upstream down")
	}
	return &craftclient.ProductPage{TotalSize: int64(c.searches)}, nil
}

func (c *countingLinks) Update(context.Context, int64, craftclient.ProductRequest) (*craftclient.Product, error) {
	return &craftclient.Product{}, nil
}

func TestSearchCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	up := &countingLinks{}
	cache := handlers.NewSearchCache(up, 2*time.Second, clock)
	a := craftclient.ProductSearchRequest{Name: "simit"}
	b := craftclient.ProductSearchRequest{Name: "çay"}

	search := func(req craftclient.ProductSearchRequest) int64 {
		t.Helper()
		p, err := cache.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return p.TotalSize
	}
	if got := search(a); got != 1 {
		t.Fatalf("first search answered by call %d, want 1", got)
	}
	if got := search(a); got != 1 || up.searches != 1 {
		t.Errorf("repeat within ttl: call %d, %d upstream searches; want cached", got, up.searches)
	}
	if got := search(b); got != 2 {
		t.Errorf("other filters share the answer: call %d, want 2", got)
	}
	now = now.Add(2 * time.Second)
	if got := search(a); got != 3 {
		t.Errorf("after ttl: call %d, want a fresh call 3", got)
	}
	if _, err := cache.Update(ctx, 1, craftclient.ProductRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := search(a); got != 4 {
		t.Errorf("after a change: call %d, want a fresh call 4", got)
	}

	up.fail = true
	if _, err := cache.Search(ctx, craftclient.ProductSearchRequest{Name: "x"}); err == nil {
		t.Fatal("want the upstream error")
	}
	up.fail = false
	if got := search(craftclient.ProductSearchRequest{Name: "x"}); got != 6 {
		t.Errorf("an error must not be cached: call %d, want 6", got)
	}
}

func TestSearchCacheZeroTTLKeepsNothing(t *testing.T) {
	up := &countingLinks{}
	cache := handlers.NewSearchCache(up, 0, nil)
	for range 3 {
		if _, err := cache.Search(context.Background(), craftclient.ProductSearchRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if up.searches != 3 {
		t.Errorf("ttl 0: %d upstream searches, want 3", up.searches)
	}
}
