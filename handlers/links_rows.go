package handlers

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"linkdesk/views"
)

// RowCache remembers the HTML of link rows. Rows are about two thirds of
// the list page's rendering (templ formats every expression on its own),
// and a list is viewed again and again while its links do not change. A
// row is a pure function of what rowKey names, so a hit is always right;
// the cache only bounds memory.
type RowCache struct {
	mu   sync.Mutex
	rows map[string][]byte
}

// maxCachedRows bounds memory (a row is about 2 kB); a full cache starts over.
const maxCachedRows = 4096

// NewRowCache returns an empty row cache.
func NewRowCache() *RowCache { return &RowCache{rows: make(map[string][]byte)} }

// Row is a drop-in for views.LinkRow that renders each distinct row once.
func (rc *RowCache) Row(l views.Locale, r views.LinkRowProps) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		key := rowKey(l, r)
		rc.mu.Lock()
		html, ok := rc.rows[key]
		rc.mu.Unlock()
		if !ok {
			var buf bytes.Buffer
			if err := views.LinkRow(l, r).Render(ctx, &buf); err != nil {
				return err
			}
			html = buf.Bytes()
			rc.mu.Lock()
			if len(rc.rows) >= maxCachedRows {
				clear(rc.rows)
			}
			rc.rows[key] = html
			rc.mu.Unlock()
		}
		_, err := w.Write(html)
		return err
	})
}

// rowKey names everything LinkRow shows or uses; a field added to the row
// must be added here (TestRowCacheKeyCoversRow checks the fields that exist).
func rowKey(l views.Locale, r views.LinkRowProps) string {
	p := r.Link
	b := make([]byte, 0, 256)
	sep := func() { b = append(b, 0) }
	b = append(b, l.Lang...)
	sep()
	b = strconv.AppendBool(b, r.CanChange)
	sep()
	b = append(b, r.CSRF...)
	sep()
	b = append(b, r.Next...)
	sep()
	b = strconv.AppendInt(b, p.ID, 10)
	sep()
	b = append(b, p.Name...)
	sep()
	b = appendDecimal(b, p.Price.Decimal)
	sep()
	b = append(b, p.Currency...)
	sep()
	b = append(b, p.Status...)
	sep()
	b = strconv.AppendInt(b, int64(p.SoldCount), 10)
	sep()
	if p.Stock != nil {
		b = strconv.AppendInt(b, int64(*p.Stock), 10)
	}
	sep()
	b = append(b, p.Channel...)
	sep()
	if p.ExpiresAt != nil {
		b = p.ExpiresAt.AppendFormat(b, "20060102150405")
	}
	sep()
	b = append(b, p.URL...)
	return string(b)
}

// appendDecimal writes d exactly (coefficient and exponent), without the
// big-number formatting its String costs; the key only has to differ when
// the amount or its scale does.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	if d.NumDigits() > 18 {
		return append(b, d.String()...)
	}
	b = strconv.AppendInt(b, d.CoefficientInt64(), 10)
	b = append(b, 'e')
	return strconv.AppendInt(b, int64(d.Exponent()), 10)
}
