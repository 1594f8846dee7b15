package handlers_test

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"strconv"
	"sync/atomic"
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

// blockingLinks holds each search until the test releases it, and counts
// the calls that reached it.
type blockingLinks struct {
	handlers.LinkService
	started chan int // the call's number, when it reaches upstream
	release chan struct{}
	calls   atomic.Int64
}

func newBlockingLinks() *blockingLinks {
	return &blockingLinks{started: make(chan int, 8), release: make(chan struct{})}
}

func (b *blockingLinks) Search(context.Context, craftclient.ProductSearchRequest) (*craftclient.ProductPage, error) {
	n := int(b.calls.Add(1))
	b.started <- n
	<-b.release
	return &craftclient.ProductPage{TotalSize: int64(n)}, nil
}

func (b *blockingLinks) Delete(context.Context, int64) error { return nil }

// TestSearchCacheSharesOneCall: identical searches at the same time make
// one upstream call and get the same answer.
func TestSearchCacheSharesOneCall(t *testing.T) {
	up := newBlockingLinks()
	cache := handlers.NewSearchCache(up, time.Minute, nil)
	req := craftclient.ProductSearchRequest{Name: "simit"}
	results := make(chan int64, 3)
	search := func() {
		p, err := cache.Search(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		results <- p.TotalSize
	}
	go search()
	<-up.started
	go search()
	go search()
	// The two later searches must be waiting on the first call: let
	// enough scheduling happen that a second upstream call would show.
	for range 100 {
		runtime.Gosched()
	}
	close(up.release)
	for range 3 {
		if got := <-results; got != 1 {
			t.Errorf("answer from call %d, want the shared call 1", got)
		}
	}
	if n := up.calls.Load(); n != 1 {
		t.Errorf("%d upstream calls, want 1", n)
	}
}

// TestSearchCacheNeverAnswersFromBeforeAChange: a search that starts after
// a delete must not join (or be cached from) a call that began before it.
func TestSearchCacheNeverAnswersFromBeforeAChange(t *testing.T) {
	up := newBlockingLinks()
	cache := handlers.NewSearchCache(up, time.Minute, nil)
	req := craftclient.ProductSearchRequest{Name: "simit"}
	before := make(chan int64, 1)
	go func() {
		p, err := cache.Search(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		before <- p.TotalSize
	}()
	<-up.started // call 1 is in flight
	if err := cache.Delete(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	after := make(chan int64, 1)
	go func() {
		p, err := cache.Search(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		after <- p.TotalSize
	}()
	select {
	case n := <-up.started:
		if n != 2 {
			t.Fatalf("the search after the delete reached upstream as call %d, want 2", n)
		}
	case <-time.After(10 * time.Second): // a bound on failure, not a timing assertion
		close(up.release)
		t.Fatal("the search after the delete never reached upstream: it joined the call from before")
	}
	close(up.release)
	if got := <-before; got != 1 {
		t.Errorf("the search before the delete got call %d, want 1", got)
	}
	if got := <-after; got != 2 {
		t.Errorf("the search after the delete got call %d, want its own call 2", got)
	}
	// Only the fresh answer is kept.
	p, err := cache.Search(context.Background(), req)
	if err != nil || p.TotalSize != 2 {
		t.Errorf("cached answer from call %v (%v), want 2", p, err)
	}
}

// listingLinks answers every search with two links and every retrieve
// with the id asked.
type listingLinks struct{ handlers.LinkService }

func (listingLinks) Search(context.Context, craftclient.ProductSearchRequest) (*craftclient.ProductPage, error) {
	return &craftclient.ProductPage{Items: []craftclient.Product{{ID: 1, URL: "https://pay/1"}, {ID: 2, URL: "https://pay/2"}}}, nil
}

func (listingLinks) Retrieve(_ context.Context, id int64) (*craftclient.Product, error) {
	return &craftclient.Product{ID: id, URL: "https://pay/" + strconv.FormatInt(id, 10)}, nil
}

func TestSearchCacheTellsWhatItRead(t *testing.T) {
	cache := handlers.NewSearchCache(listingLinks{}, time.Minute, nil)
	seen := map[int64]string{}
	cache.OnRead(func(id int64, url string) { seen[id] = url })
	ctx := context.Background()
	if _, err := cache.Search(ctx, craftclient.ProductSearchRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Retrieve(ctx, 9); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{1: "https://pay/1", 2: "https://pay/2", 9: "https://pay/9"}
	if !maps.Equal(seen, want) {
		t.Errorf("read %v, want %v", seen, want)
	}
}
