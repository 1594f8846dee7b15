package sandbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// maxCachedCounts bounds countCache; a search that matches many links costs about
// 150 ns per match to count (a name in half of 100 000 links: 7 ms), and paging
// through it, or refreshing a list, repeats the same count.
const maxCachedCounts = 1000

// countCache keeps the counts of recent searches at one generation of
// sandbox_products_stats, which every change a search could see moves on. The
// sandbox's own writes carry the counts over to their generation (moved), so a
// count is made once and then followed: the first search after a write costs no
// more than the one before it. A change made elsewhere (another process on the same
// database, SQL by hand) leaves the cache a generation behind, and it starts afresh.
type countCache struct {
	mu         sync.Mutex
	generation int64
	counts     map[string]*cachedCount
}

// cachedCount is the number of products that filter matches.
type cachedCount struct {
	filter productFilter
	n      int64
}

func (c *countCache) get(generation int64, key string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		return 0, false
	}
	cc, ok := c.counts[key]
	if !ok {
		return 0, false
	}
	return cc.n, true
}

// put keeps the count of f made at generation. A search that read an older snapshot
// while a newer generation is cached leaves the cache alone.
func (c *countCache) put(generation int64, key string, f productFilter, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case generation < c.generation:
		return
	case generation > c.generation || c.counts == nil || len(c.counts) >= maxCachedCounts:
		c.generation, c.counts = generation, map[string]*cachedCount{}
	}
	c.counts[key] = &cachedCount{filter: f, n: n}
}

// moved carries the counts over one of the sandbox's writes, which took the
// generation from one value to another (lockProducts, generationIn). was and is are
// the product before and after it (nil: none, before a creation or after a
// deletion); each count loses the one and gains the other when its filter matches
// them.
func (c *countCache) moved(from, to int64, was, is *product) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.generation >= to: // a search has counted after this write already
		return
	case c.generation != from: // a change this cache never saw came first
		c.counts = nil
		return
	}
	for _, cc := range c.counts {
		if was != nil && cc.filter.matches(was) {
			cc.n--
		}
		if is != nil && cc.filter.matches(is) {
			cc.n++
		}
	}
	c.generation = to
}

// matches reports whether the search finds p: the same conditions as its plan's
// SQL, on the same stored forms (folded name, price key, expiry text).
func (f productFilter) matches(p *product) bool {
	if f.id != nil && p.ID != *f.id {
		return false
	}
	if name := foldName(f.name); name != "" && !strings.Contains(foldName(p.Name), name) {
		return false
	}
	for _, c := range []struct{ want, got string }{
		{f.orderID, p.OrderID}, {f.conversationID, p.ConversationID}, {f.externalID, p.ExternalID},
		{f.currency, p.Currency}, {f.channel, p.Channel},
	} {
		if c.want != "" && c.want != c.got {
			return false
		}
	}
	minPrice, maxPrice, none := f.priceKeys()
	if none {
		return false
	}
	if price := priceKey(p.Price); minPrice != "" && price < minPrice || maxPrice != "" && price > maxPrice {
		return false
	}
	if f.minExpiresAt == nil && f.maxExpiresAt == nil {
		return true
	}
	if p.ExpiresAt == nil { // links that never expire match no expiry bound
		return false
	}
	expires := p.ExpiresAt.UTC().Format(dbTimeLayout)
	return (f.minExpiresAt == nil || expires >= f.minExpiresAt.UTC().Format(dbTimeLayout)) &&
		(f.maxExpiresAt == nil || expires <= f.maxExpiresAt.UTC().Format(dbTimeLayout))
}

// lockProducts begins a write of products. It takes SQLite's write lock before the
// transaction reads anything: one that reads first may find, when it comes to
// write, that another transaction wrote in between, and fail. It returns the
// generation before the write, for moved.
func lockProducts(ctx context.Context, tx rowQuerier) (int64, error) {
	var generation int64
	if err := tx.QueryRowContext(ctx, `UPDATE sandbox_products_stats SET generation = generation + 1
		WHERE id = 1 RETURNING generation - 1`).Scan(&generation); err != nil {
		return 0, fmt.Errorf("lock: %w", err)
	}
	return generation, nil
}

// generationIn reads the generation a write transaction has brought
// sandbox_products_stats to, for moved once it commits.
func generationIn(ctx context.Context, tx rowQuerier) (int64, error) {
	var generation int64
	if err := tx.QueryRowContext(ctx, `SELECT generation FROM sandbox_products_stats WHERE id = 1`).Scan(&generation); err != nil {
		return 0, fmt.Errorf("generation: %w", err)
	}
	return generation, nil
}
