package qr

import (
	"strconv"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// Cache encodes codes on first request and keeps the most recently used
// ones, so a repeated request costs a map lookup. It is safe for concurrent
// use; concurrent misses for the same code share one encode.
type Cache struct {
	enc *encoder
	// encode renders one entry; tests replace it to count or block encodes.
	encode func(k key) (Image, error)

	codes  *lru.Cache[key, Image]
	flight singleflight.Group

	hits    atomic.Int64 // answered from the cache
	misses  atomic.Int64 // callers that found nothing cached
	encodes atomic.Int64 // encodes started
}

type key struct {
	kind    string // "png" or "svg"
	size    int    // clamped pixel size; 0 for SVG
	content string
}

// New returns a cache holding at most maxEntries encoded codes (at least 1).
func New(maxEntries int) *Cache {
	codes, _ := lru.New[key, Image](max(1, maxEntries)) // only fails for a size below 1
	c := &Cache{enc: newEncoder(), codes: codes}
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
	if img, ok := c.codes.Get(k); ok {
		c.hits.Add(1)
		return img, nil
	}
	c.misses.Add(1)
	v, err, _ := c.flight.Do(k.kind+strconv.Itoa(k.size)+":"+k.content, func() (any, error) {
		// A caller that missed just as another's encode finished finds
		// the code here rather than encoding it again.
		if img, ok := c.codes.Peek(k); ok {
			return img, nil
		}
		c.encodes.Add(1)
		img, err := c.encode(k)
		// Errors (content too long) are not kept: they are cheap to find
		// again and must not push good entries out.
		if err == nil {
			c.codes.Add(k, img)
		}
		return img, err
	})
	if err != nil {
		return Image{}, err
	}
	return v.(Image), nil
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
