package handlers

import (
	"context"
	"sync"
	"time"

	"linkdesk/craftclient"
)

// SearchCache remembers link searches for a moment. The list page is the
// dashboard's busiest and each view costs a signed Craftgate call; staff at
// several counters refreshing the same list, and htmx's search-as-you-type,
// repeat the same searches within seconds. Concurrent identical searches
// share one call, answers are kept for ttl, and any change made through
// Linkdesk empties the cache so nobody sees their own edit missing. Changes
// made elsewhere (Craftgate's panel, a sale raising soldCount) show within
// ttl.
type SearchCache struct {
	LinkService
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	onDelete []func(id int64)
	onRead   []func(id int64, url string)
	gen      uint64 // bumped by every change; answers from older gens are dropped
	entries  map[string]searchEntry
	inflight map[string]*searchCall
}

type searchEntry struct {
	page *craftclient.ProductPage
	at   time.Time
}

type searchCall struct {
	gen  uint64 // the cache generation the call started in
	done chan struct{}
	page *craftclient.ProductPage
	err  error
}

// maxCachedSearches bounds memory; a full cache simply starts over.
const maxCachedSearches = 256

// NewSearchCache wraps links; ttl is how stale a list may be (0 keeps
// nothing, but still lets concurrent identical searches share one call).
func NewSearchCache(links LinkService, ttl time.Duration, now func() time.Time) *SearchCache {
	if now == nil {
		now = time.Now
	}
	return &SearchCache{LinkService: links, ttl: ttl, now: now,
		entries: make(map[string]searchEntry), inflight: make(map[string]*searchCall)}
}

// Search answers from the cache when it can. Callers must not modify the
// returned page: it is shared.
func (s *SearchCache) Search(ctx context.Context, req craftclient.ProductSearchRequest) (*craftclient.ProductPage, error) {
	key := req.Encode()
	s.mu.Lock()
	if e, ok := s.entries[key]; ok && s.now().Sub(e.at) < s.ttl {
		s.mu.Unlock()
		return e.page, nil
	}
	// Join a call only if it started after the last change: one from
	// before might not show it.
	if call, ok := s.inflight[key]; ok && call.gen == s.gen {
		s.mu.Unlock()
		select {
		case <-call.done:
			return call.page, call.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	call := &searchCall{gen: s.gen, done: make(chan struct{})}
	s.inflight[key] = call
	s.mu.Unlock()

	// The call is shared, so one browser going away must not fail the
	// others waiting on it; the HTTP client's timeout still bounds it.
	call.page, call.err = s.LinkService.Search(context.WithoutCancel(ctx), req)

	s.mu.Lock()
	current := call.gen == s.gen
	s.mu.Unlock()
	if call.err == nil && current { // a deleted link must not be remembered again
		s.read(call.page.Items...)
	}
	s.mu.Lock()
	if s.inflight[key] == call { // a newer call may have taken the key
		delete(s.inflight, key)
	}
	if call.err == nil && call.gen == s.gen && s.ttl > 0 {
		if len(s.entries) >= maxCachedSearches {
			clear(s.entries)
		}
		s.entries[key] = searchEntry{page: call.page, at: s.now()}
	}
	s.mu.Unlock()
	close(call.done)
	return call.page, call.err
}

// forget drops every cached answer; called around each change.
func (s *SearchCache) forget() {
	s.mu.Lock()
	s.gen++
	clear(s.entries)
	s.mu.Unlock()
}

// Create creates a link and forgets cached lists.
func (s *SearchCache) Create(ctx context.Context, req craftclient.ProductRequest) (*craftclient.Product, error) {
	defer s.forget()
	return s.LinkService.Create(ctx, req)
}

// Update replaces a link and forgets cached lists.
func (s *SearchCache) Update(ctx context.Context, id int64, req craftclient.ProductRequest) (*craftclient.Product, error) {
	defer s.forget()
	return s.LinkService.Update(ctx, id, req)
}

// Delete deletes a link, forgets cached lists and tells OnDelete's
// subscribers, so no memory keeps serving the deleted link.
func (s *SearchCache) Delete(ctx context.Context, id int64) error {
	defer s.forget()
	if err := s.LinkService.Delete(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	subscribers := s.onDelete
	s.mu.Unlock()
	for _, f := range subscribers {
		f(id)
	}
	return nil
}

// OnDelete registers f to be called with the id of each link deleted
// through this cache.
func (s *SearchCache) OnDelete(f func(id int64)) {
	s.mu.Lock()
	s.onDelete = append(s.onDelete, f)
	s.mu.Unlock()
}

// Retrieve reads one link and tells OnRead's subscribers its URL.
func (s *SearchCache) Retrieve(ctx context.Context, id int64) (*craftclient.Product, error) {
	link, err := s.LinkService.Retrieve(ctx, id)
	if err == nil {
		s.read(*link)
	}
	return link, err
}

// OnRead registers f to be called with the id and URL of every link read
// upstream through this cache (searches and retrieves): the list page
// has just read every link whose QR thumbnail it is about to ask for.
func (s *SearchCache) OnRead(f func(id int64, url string)) {
	s.mu.Lock()
	s.onRead = append(s.onRead, f)
	s.mu.Unlock()
}

func (s *SearchCache) read(links ...craftclient.Product) {
	s.mu.Lock()
	subscribers := s.onRead
	s.mu.Unlock()
	for _, f := range subscribers {
		for _, l := range links {
			f(l.ID, l.URL)
		}
	}
}
