package views

import (
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// Memo renders c through a cache of rendered fragments under key (see
// linkdesk/web/fragment); handlers pass one in PageMeta and LinksProps.
// The key must name everything c shows, and c must not read children from
// the context. The keys of this package are built beside the component they
// stand for, and tests check each one changes whenever its output does.
type Memo func(key string, c templ.Component) templ.Component

// of renders c through m, or directly when there is no cache (tests,
// one-off renders).
func (m Memo) of(key string, c templ.Component) templ.Component {
	if m == nil {
		return c
	}
	return m(key, c)
}

// fragmentKey builds keys that cannot collide: each starts with the kind of
// fragment, and every variable part is length-prefixed, so no typed text
// (a search term, a name) can shift one field into the next.
type fragmentKey []byte

func newFragmentKey(kind string, lang Lang) fragmentKey {
	k := make(fragmentKey, 0, 256)
	return k.str(kind).str(string(lang))
}

func (k fragmentKey) str(s string) fragmentKey {
	k = strconv.AppendInt(k, int64(len(s)), 10)
	k = append(k, ':')
	return append(k, s...)
}

func (k fragmentKey) int(n int64) fragmentKey {
	k = strconv.AppendInt(k, n, 10)
	return append(k, ';')
}

func (k fragmentKey) bool(b bool) fragmentKey {
	if b {
		return append(k, 'T')
	}
	return append(k, 'F')
}

// optInt writes a missing number differently from every present one.
func (k fragmentKey) optInt(n *int) fragmentKey {
	if n == nil {
		return append(k, '-')
	}
	return k.int(int64(*n))
}

// dec writes d exactly (coefficient and exponent), without the big-number
// formatting its String costs: the key only has to differ when the amount
// or its scale does.
func (k fragmentKey) dec(d decimal.Decimal) fragmentKey {
	if d.NumDigits() > 18 {
		return k.str(d.String())
	}
	return k.int(d.CoefficientInt64()).int(int64(d.Exponent()))
}

func (k fragmentKey) time(t *time.Time) fragmentKey {
	if t == nil {
		return append(k, '-')
	}
	k = t.AppendFormat(k, time.RFC3339Nano)
	return append(k, ';')
}

func (k fragmentKey) String() string { return string(k) }

// key names everything LinkRow shows or uses; a field added to the row
// must be added to rowContext or link (TestRowKeyCoversRow checks the
// fields that exist).
func (r LinkRowProps) key(l Locale) string {
	return newFragmentKey("row", l.Lang).rowContext(r.CanChange, r.CSRF, r.Next).link(r.Link).sales(r.Sales).String()
}

// rowsKey names a whole page of rows: what they share once, then each link
// in order, or the shared page's name (sharedPages) when it has one.
func (p LinksProps) rowsKey(l Locale, next string) string {
	k := make(fragmentKey, 0, 64+200*len(p.Links))
	k = k.str("rows").str(string(l.Lang)).rowContext(p.CanChange, p.CSRF, next)
	if p.page != nil {
		return k.str("page").int(int64(sharedPages.name(p.page))).String()
	}
	for _, link := range p.Links {
		k = k.link(link).sales(p.Sales[link.ID])
	}
	return k.String()
}

// sharedPages names the pages of links the core shares between requests:
// app.Links.Search keeps a page for a while and never changes it, so a page
// seen again can be named by a number instead of by all of its links, which
// cost a list view more than the rest of its keys together. A number
// stands for one page while the page is held here (so its address cannot be
// reused); a page held no longer gets a new number, and its rows are
// rendered once more.
var sharedPages = pageNames{names: mustLRU[*app.LinkPage, uint64](64)}

type pageNames struct {
	last  atomic.Uint64
	names *lru.Cache[*app.LinkPage, uint64]
}

func (n *pageNames) name(page *app.LinkPage) uint64 {
	if id, ok := n.names.Get(page); ok {
		return id
	}
	id := n.last.Add(1)
	n.names.Add(page, id) // two requests naming a new page at once give it two numbers: both are its own
	return id
}

func mustLRU[K comparable, V any](size int) *lru.Cache[K, V] {
	c, err := lru.New[K, V](size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return c
}

// sales is what a row shows of its link's sales.
func (k fragmentKey) sales(s app.LinkSales) fragmentKey {
	k = k.int(int64(len(s.Revenue)))
	for _, r := range s.Revenue {
		k = k.dec(r.Amount).str(string(r.Currency))
	}
	return k.int(int64(s.Sales)).time(s.LastSaleAt)
}

// rowContext is what every row of a page shares.
func (k fragmentKey) rowContext(canChange bool, csrf, next string) fragmentKey {
	return k.bool(canChange).str(csrf).str(next)
}

// link is what a row shows of its link. Every part is self-delimiting, so
// links can follow one another in a key.
func (k fragmentKey) link(p app.Link) fragmentKey {
	return k.int(p.ID).str(p.Name).dec(p.Price).str(string(p.Currency)).str(string(p.Status)).
		int(int64(p.SoldCount)).optInt(p.Stock).str(p.Channel).time(p.ExpiresAt).str(p.URL)
}

// headKey names everything linksHead shows: the sort links carry the
// filter (not its page).
func (f LinkFilter) headKey(l Locale) string { return f.key("links-head", l).String() }

// formKey names everything linkFilters shows: the filter and its errors
// (the page number is not in the form).
func (f LinkFilter) formKey(l Locale) string {
	k := f.key("filters", l)
	for _, name := range slices.Sorted(maps.Keys(f.Errors)) {
		k = k.str(name).str(f.Errors[name])
	}
	return k.String()
}

// key is the filter as a fragment key, without its page.
func (f LinkFilter) key(kind string, l Locale) fragmentKey {
	return newFragmentKey(kind, l.Lang).
		str(f.Name).str(f.MinPrice).str(f.MaxPrice).str(f.Currency).str(f.Channel).int(int64(f.Size)).
		str(f.Sort).bool(f.Reverse)
}
