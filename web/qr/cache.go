package qr

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// Cache encodes codes on first request and keeps the most recently used
// ones, so a repeated request costs a map lookup. It is safe for concurrent
// use; concurrent misses for the same code wait for one encode.
type Cache struct {
	max int
	enc *encoder
	// encode renders one entry; tests replace it to count or block encodes.
	encode func(k key) (Image, error)

	mu     sync.Mutex
	lru    *list.List // of *entry, most recent first
	items  map[key]*list.Element
	flight map[key]*call

	hits    atomic.Int64 // answered from the cache
	encodes atomic.Int64 // encodes started
	joins   atomic.Int64 // callers that waited for another caller's encode
}

type key struct {
	kind    string // "png" or "svg"
	size    int    // clamped pixel size; 0 for SVG
	content string
}

type entry struct {
	k   key
	img Image
}

// call is an encode in progress that other callers wait for.
type call struct {
	done chan struct{}
	img  Image
	err  error
}

// New returns a cache holding at most maxEntries encoded codes (at least 1).
func New(maxEntries int) *Cache {
	c := &Cache{
		max:    max(1, maxEntries),
		enc:    newEncoder(),
		lru:    list.New(),
		items:  make(map[key]*list.Element),
		flight: make(map[key]*call),
	}
	c.encode = c.render
	return c
}

// PNG returns content's code as a PNG about size pixels wide (see
// ClampSize; 0 is the default size).
func (c *Cache) PNG(content string, size int) (Image, error) {
	return c.get(key{kind: "png", size: ClampSize(size), content: content})
}

// SVG returns content's code as a scalable SVG.
func (c *Cache) SVG(content string) (Image, error) {
	return c.get(key{kind: "svg", content: content})
}

func (c *Cache) get(k key) (Image, error) {
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		c.hits.Add(1)
		return el.Value.(*entry).img, nil
	}
	if cl, ok := c.flight[k]; ok {
		c.mu.Unlock()
		c.joins.Add(1)
		<-cl.done
		return cl.img, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.flight[k] = cl
	c.mu.Unlock()

	c.encodes.Add(1)
	cl.img, cl.err = c.encode(k)

	c.mu.Lock()
	delete(c.flight, k)
	// Errors (content too long) are not kept: they are cheap to find again
	// and must not push good entries out.
	if cl.err == nil {
		c.items[k] = c.lru.PushFront(&entry{k: k, img: cl.img})
		for c.lru.Len() > c.max {
			oldest := c.lru.Back()
			c.lru.Remove(oldest)
			delete(c.items, oldest.Value.(*entry).k)
		}
	}
	c.mu.Unlock()
	close(cl.done)
	return cl.img, cl.err
}

// render is the real encode behind Cache.encode.
func (c *Cache) render(k key) (Image, error) {
	var (
		data []byte
		err  error
		ct   string
	)
	if k.kind == "svg" {
		data, err = c.enc.encodeSVG(k.content)
		ct = ContentTypeSVG
	} else {
		data, err = c.enc.encodePNG(k.content, k.size)
		ct = ContentTypePNG
	}
	if err != nil {
		return Image{}, err
	}
	return Image{Data: data, ETag: etag(k.kind, k.size, k.content), ContentType: ct}, nil
}
