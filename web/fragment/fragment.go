// Package fragment remembers the HTML of page parts that are pure functions
// of a key: a table row, a filter form, the page head. templ formats and
// escapes every expression on every render (each one through fmt.Sprint),
// so on a list that is viewed again and again while its links do not change,
// most of the page's cost went into producing the same bytes. Whoever builds
// a key must make it name everything the part shows; a hit is then always
// right, and the cache only bounds memory.
package fragment

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/a-h/templ"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultMaxBytes bounds a cache's keys and HTML together: about a
// thousand list rows, each alone and in its page of rows. More only kept
// pages nobody came back to, and the heap they made the GC allow for
// counted twice in the server's memory.
const DefaultMaxBytes = 4 << 20

// Cache is a bounded map from key to rendered HTML, safe for concurrent
// use. When full it forgets the least recently used parts, so the ones in
// use stay.
type Cache struct {
	maxBytes int

	mu    sync.Mutex
	html  *simplelru.LRU[string, []byte]
	bytes int
}

// New returns an empty cache holding at most maxBytes of keys and HTML.
func New(maxBytes int) *Cache {
	fc := &Cache{maxBytes: maxBytes}
	// Bounded by bytes, not entries: the entry limit only has to be out of
	// the way (each part takes at least one byte).
	fc.html, _ = simplelru.NewLRU(max(maxBytes, 1), func(key string, html []byte) { fc.bytes -= len(key) + len(html) })
	return fc
}

// Memo renders c once per key and then writes the remembered bytes. A
// render that fails is not remembered.
func (fc *Cache) Memo(key string, c templ.Component) templ.Component {
	return memoized{cache: fc, key: key, c: c}
}

type memoized struct {
	cache *Cache
	key   string
	c     templ.Component
}

func (m memoized) Render(ctx context.Context, w io.Writer) error {
	html, err := m.cache.get(ctx, m.key, m.c)
	if err != nil {
		return err
	}
	_, err = w.Write(html)
	return err
}

func (fc *Cache) get(ctx context.Context, key string, c templ.Component) ([]byte, error) {
	fc.mu.Lock()
	html, ok := fc.html.Get(key)
	fc.mu.Unlock()
	if ok {
		return html, nil
	}
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return nil, err
	}
	// A copy of exactly the bytes: the buffer grew by doubling, and keeping
	// it would hold up to twice what the cache counts.
	html = bytes.Clone(buf.Bytes())
	size := len(key) + len(html)
	if size > fc.maxBytes {
		return html, nil
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.html.Contains(key) {
		return html, nil // another request rendered it meanwhile
	}
	fc.html.Add(key, html)
	fc.bytes += size
	for fc.bytes > fc.maxBytes {
		fc.html.RemoveOldest()
	}
	return html, nil
}

// Len is the number of parts held.
func (fc *Cache) Len() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.html.Len()
}
