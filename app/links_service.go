package app

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

// Cache sizes and lifetimes of the links service.
const (
	// DefaultSearchTTL keeps a link search for two seconds: long enough to
	// absorb refreshes and search-as-you-type at several counters, short
	// enough that a sale made elsewhere shows almost at once.
	DefaultSearchTTL  = 2 * time.Second
	maxCachedSearches = 256
	// linkURLTTL bounds how long the URL of a link deleted outside
	// Linkdesk (in Craftgate's panel) is still used for its QR code;
	// deletes made here are forgotten at once. A link's URL never changes.
	linkURLTTL  = 10 * time.Minute
	maxLinkURLs = 4096
	// writtenTTL is how long a link written to the local record is known
	// here as written: read again unchanged within it (a list refreshed, a
	// link page polled), it is not written again. Another instance writing
	// a later state of the link in between, and Craftgate then turning
	// back to this one, can leave the record behind by this long at most,
	// or until the catch-up.
	writtenTTL = time.Minute
	maxWritten = 4096
)

// Links runs Craftgate payment links: search, read, create, replace,
// activate/deactivate and delete, each change audited. The list is the
// dashboard's busiest page and each view costs a signed Craftgate call, so
// identical searches share one call and are kept for a moment; any change
// made through Linkdesk forgets them, so nobody sees their own edit missing.
//
// Every link read from Craftgate is written to the local record (the
// links table), so sales can name their links, the list can sort by
// revenue and search names without accents, and a link deleted at
// Craftgate is marked so. The catch-up walks every link too (syncAll).
type Links struct {
	store    Store
	provider LinkProvider
	now      func() time.Time
	log      *slog.Logger

	searches  *expirable.LRU[string, keptPage] // nil when searches are not kept
	searchTTL time.Duration
	calls     singleflight.Group
	urls      *expirable.LRU[int64, string]
	written   *expirable.LRU[int64, Link] // as last written to the record by this instance

	// mu orders changes and what searches keep: gen is bumped, and kept
	// pages and URLs are added, only under it.
	mu  sync.Mutex
	gen uint64 // bumped by every change; a search from before one is not kept

	changes *broadcaster
}

// keptPage is a kept search and when it was kept, by the core's clock.
type keptPage struct {
	page *LinkPage
	at   time.Time
}

func newLinks(st Store, p LinkProvider, searchTTL time.Duration, now func() time.Time, log *slog.Logger, changes *broadcaster) *Links {
	l := &Links{store: st, provider: p, now: now, log: log, searchTTL: searchTTL, changes: changes,
		urls:    expirable.NewLRU[int64, string](maxLinkURLs, nil, linkURLTTL),
		written: expirable.NewLRU[int64, Link](maxWritten, nil, writtenTTL)}
	if searchTTL > 0 {
		l.searches = expirable.NewLRU[string, keptPage](maxCachedSearches, nil, searchTTL)
	}
	return l
}

func (s *Links) generation() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// changed forgets every kept search; called around each change.
func (s *Links) changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if s.searches != nil {
		s.searches.Purge()
	}
}

// announce forgets the kept searches here and tells the other instances
// that link id (0: some link) changed; called after each change, failed
// ones included (a failed create may have happened).
func (s *Links) announce(ctx context.Context, id int64) {
	s.changed()
	s.unwritten(id)
	s.changes.publish(ctx, TopicLinks, strconv.FormatInt(id, 10))
}

// forget applies another instance's change: kept searches go, and so does
// the link's URL when it names one (it may have been deleted).
func (s *Links) forget(id int64) {
	s.changed()
	s.unwritten(id)
	if id > 0 {
		s.urls.Remove(id)
	}
}

// unwritten forgets that link id (0: any link) was written as read, after
// a change: its next read is written whatever it shows.
func (s *Links) unwritten(id int64) {
	if id > 0 {
		s.written.Remove(id)
	} else {
		s.written.Purge()
	}
}

// Search returns one page of links with their sales. The page may be
// shared: callers must not modify it. Concurrent identical searches share
// one provider call, which one browser going away does not cancel for the
// others (the client's timeout still bounds it); a search after a change
// never joins a call from before it.
func (s *Links) Search(ctx context.Context, q LinkSearch) (*LinkPage, error) {
	key := q.key()
	if s.searches != nil {
		if kept, ok := s.searches.Get(key); ok && s.now().Sub(kept.at) < s.searchTTL {
			return kept.page, nil
		}
	}
	gen := s.generation()
	ch := s.calls.DoChan(strconv.FormatUint(gen, 10)+"|"+key, func() (any, error) {
		page, err := s.search(context.WithoutCancel(ctx), q)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.gen == gen { // a deleted link must not be remembered again
			s.remember(page.Links...)
			if s.searches != nil {
				s.searches.Add(key, keptPage{page: page, at: s.now()})
			}
		}
		return page, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*LinkPage), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// walkAhead is how many pages of a walk (Each) are asked for at once. A
// page is a signed round trip to Craftgate, so asking for the next pages
// while the current one is written overlaps their latency: against the
// real service, 100 000 links are 1 000 round trips. Three keeps the
// walk's share of the provider's rate modest.
const walkAhead = 3

// Each calls fn with every link q matches, newest first, one provider page
// at a time (q's Page and Size are ignored): an export of 100 000 links
// holds a few pages of them, never the list. The pages are asked for
// directly, not through the search cache, so a long walk neither fills the
// cache with pages nobody will list nor stops a moment on pages kept from
// before; and the walk ends as soon as ctx does, so a download given up
// stops asking.
//
// Craftgate pages by offset only. A link created meanwhile shifts the later
// pages of a newest-first list by one, so a link already seen is skipped
// (the ids seen are the walk's only memory, about 40 bytes a link); a link
// deleted meanwhile shifts them the other way, and the link that moves
// across the page boundary is missed, as any offset walk would miss it.
func (s *Links) Each(ctx context.Context, q LinkSearch, fn func(Link) error) error {
	if q.Local() {
		return s.eachLocal(ctx, q, fn)
	}
	var calls sync.WaitGroup
	defer calls.Wait() // no call outlives the walk
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the calls still out when the walk stops early
	type answer struct {
		page *LinkPage
		err  error
	}
	size := int64(MaxLinkPageSize)
	asked := make([]chan answer, 0, walkAhead) // in page order
	next, total := 0, int64(-1)                // total: unknown until the first answer
	seen := make(map[int64]struct{})
	for page := 0; ; page++ {
		for len(asked) < walkAhead && (next == 0 || int64(next)*size < total) {
			ch := make(chan answer, 1)
			pq := q
			pq.Page, pq.Size = next, MaxLinkPageSize
			calls.Go(func() {
				p, err := s.provider.Search(ctx, pq)
				ch <- answer{p, err}
			})
			asked = append(asked, ch)
			next++
		}
		a := <-asked[0]
		asked = asked[1:]
		if a.err != nil {
			return a.err
		}
		for _, l := range a.page.Links {
			if _, dup := seen[l.ID]; dup {
				continue
			}
			seen[l.ID] = struct{}{}
			if err := fn(l); err != nil {
				return err
			}
		}
		total = a.page.Total
		if int64(len(a.page.Links)) < size || int64(page+1)*size >= total {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// eachLocal walks a search the list answers from the local record (a
// folded name, a sort of the record's own), so an export or an action on
// "all matching" takes exactly the links the list showed: Craftgate's
// matches are refreshed first, as the list does, then the record is read a
// page at a time in the list's order.
func (s *Links) eachLocal(ctx context.Context, q LinkSearch, fn func(Link) error) error {
	q.Page, q.Size = 0, MaxLinkPageSize
	if _, err := s.search(ctx, q); err != nil {
		return err
	}
	for ; ; q.Page++ {
		links, _, err := s.store.SearchLinks(ctx, q)
		if err != nil {
			return err
		}
		for _, l := range links {
			if err := fn(l); err != nil {
				return err
			}
		}
		if len(links) < q.Size {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// search asks Craftgate and keeps what it shows in the local record. A
// plain search answers with Craftgate's page; a local one (q.Local) with
// the record's, refreshed first by Craftgate's answer to the same filters.
// Either fails when Craftgate does: the list must not pass off an old
// record as Craftgate's word.
func (s *Links) search(ctx context.Context, q LinkSearch) (*LinkPage, error) {
	upstream := q
	upstream.Sort, upstream.Reverse = LinkSortNewest, false
	if q.Name != "" {
		// The record's order is not Craftgate's, so the page asked for
		// is not Craftgate's page: refresh as many of Craftgate's own
		// matches as one call brings.
		upstream.Page, upstream.Size = 0, MaxLinkPageSize
	}
	page, err := s.provider.Search(ctx, upstream)
	if err != nil {
		return nil, err
	}
	s.save(ctx, page.Links...)
	if q.Local() {
		links, total, err := s.store.SearchLinks(ctx, q)
		if err != nil {
			return nil, err
		}
		page = &LinkPage{Links: links, Total: total, Local: true}
	}
	ids := make([]int64, len(page.Links))
	for i, l := range page.Links {
		ids[i] = l.ID
	}
	page.Sales, err = s.store.LinkSales(ctx, ids)
	return page, err
}

// save writes links just read from Craftgate to the local record, but
// not those this instance wrote just as they are within writtenTTL: the
// list and a link's page are read far more often than links change, and
// a write on every view queued them behind payment starts for the one
// writer SQLite allows. The record follows Craftgate and is no part of an
// operation: a failure is logged, not shown, as the page has what
// Craftgate said and the next read or the catch-up writes them again.
func (s *Links) save(ctx context.Context, links ...Link) {
	fresh := make([]Link, 0, len(links))
	for _, l := range links {
		if w, ok := s.written.Get(l.ID); !ok || !reflect.DeepEqual(w, l) {
			fresh = append(fresh, l)
		}
	}
	s.write(ctx, s.store.RefreshLinks, fresh)
}

// record writes links to the local record, every one marked seen now.
func (s *Links) record(ctx context.Context, links ...Link) { s.write(ctx, s.store.SaveLinks, links) }

// write writes links to the local record with save (SaveLinks or
// RefreshLinks), seen now. A failure is logged: the record is a copy, and
// the next read writes it again.
func (s *Links) write(ctx context.Context, save func(context.Context, []Link, time.Time) error, links []Link) {
	if len(links) == 0 {
		return
	}
	if err := save(ctx, links, s.now()); err != nil {
		s.log.Warn("links not written to the local record", "count", len(links), "err", err)
		return
	}
	for _, l := range links {
		s.written.Add(l.ID, l)
	}
}

// remember keeps the URLs of links just read, so their QR codes need no
// read of their own.
func (s *Links) remember(links ...Link) {
	for _, l := range links {
		if l.URL != "" {
			s.urls.Add(l.ID, l.URL)
		}
	}
}

// Get reads one link.
func (s *Links) Get(ctx context.Context, id int64) (*Link, error) {
	if id <= 0 {
		return nil, ErrNotFound
	}
	gen := s.generation()
	l, err := s.provider.Get(ctx, id)
	if IsProviderNotFound(err) {
		s.markGone(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	s.save(ctx, *l)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen == gen { // read before a delete, it must not be remembered after it
		s.remember(*l)
	}
	return l, nil
}

// markGone marks a link Craftgate no longer has as deleted in the local
// record; its payments keep its name.
func (s *Links) markGone(ctx context.Context, id int64) {
	if err := s.store.MarkLinkDeleted(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Warn("deleted link not marked in the local record", "link_id", id, "err", err)
	}
}

// URL returns the URL a link's QR code encodes, from memory when the link
// was read recently: a code is asked for far more often than links change.
func (s *Links) URL(ctx context.Context, id int64) (string, error) {
	if url, ok := s.urls.Get(id); ok {
		return url, nil
	}
	l, err := s.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return l.URL, nil
}

// Create creates a link. A create that fails at the provider is not
// retried: it may have happened, so the caller tells the person to check
// the list first (unless the provider refused it).
func (s *Links) Create(ctx context.Context, by Actor, in LinkInput) (*Link, error) {
	in.Status = ""
	if err := in.Validate(); err != nil {
		return nil, err
	}
	l, err := s.provider.Create(ctx, in)
	if err != nil {
		s.announce(ctx, 0)
		return nil, err
	}
	defer s.announce(ctx, l.ID)
	s.remember(*l)
	return l, s.commit(ctx, by, change{Action: "link.create", After: l}, l.ID, l)
}

// Update replaces a link's fields with in. Craftgate's update is a full
// replace, so what Linkdesk does not edit (multi-payment, basket) is read
// fresh and sent back unchanged; an empty status keeps the current one.
func (s *Links) Update(ctx context.Context, by Actor, id int64, in LinkInput) (*Link, error) {
	before, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	in.MultiPayment, in.BasketIdentifier = before.MultiPayment, before.BasketIdentifier
	if in.Status == "" {
		in.Status = before.Status
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.replace(ctx, by, "link.update", before, in)
}

// ErrToggleRefused says the provider would not change a link's status as
// it stands (a link that breaks a rule now, e.g. sold out with stock 0).
var ErrToggleRefused = &Error{Code: CodeConflict, Message: "links.toggle_refused"}

// SetStatus activates or deactivates a link: a full replace with only the
// status changed. Setting the status it has changes nothing.
func (s *Links) SetStatus(ctx context.Context, by Actor, id int64, status LinkStatus) (*Link, error) {
	after, _, err := s.setStatus(ctx, by, id, status)
	return after, err
}

// setStatus is SetStatus, also saying whether the link changed (it did not
// when it already had status).
func (s *Links) setStatus(ctx context.Context, by Actor, id int64, status LinkStatus) (*Link, bool, error) {
	before, err := s.Get(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if !status.Valid() || status == before.Status {
		return before, false, nil
	}
	in := InputOf(*before)
	in.Status = status
	after, err := s.replace(ctx, by, "link.status", before, in)
	if k, ok := providerKind(err); ok && k == ProviderRefused {
		return nil, false, &Error{Code: ErrToggleRefused.Code, Message: ErrToggleRefused.Message, Err: err}
	}
	return after, err == nil, err
}

func (s *Links) replace(ctx context.Context, by Actor, action string, before *Link, in LinkInput) (*Link, error) {
	defer s.announce(ctx, before.ID)
	after, err := s.provider.Update(ctx, before.ID, in)
	if err != nil {
		return nil, err
	}
	return after, s.commit(ctx, by, change{Action: action, Before: before, After: after}, before.ID, after)
}

// Delete removes a link for good and forgets its URL, so no memory keeps
// serving its QR code. It returns the link as it was.
func (s *Links) Delete(ctx context.Context, by Actor, id int64) (*Link, error) {
	before, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	defer s.announce(ctx, id)
	if err := s.provider.Delete(ctx, id); err != nil {
		return nil, err
	}
	s.forget(id) // changed first: a search answered meanwhile must not remember it again
	return before, s.commit(ctx, by, change{Action: "link.delete", Before: before}, id, nil)
}

// commit records a change made at Craftgate: the link as it is now in the
// local record (marked deleted when now is nil) and the audit row, in one
// transaction.
func (s *Links) commit(ctx context.Context, by Actor, ch change, id int64, now *Link) error {
	ch.TargetType, ch.TargetID = "link", strconv.FormatInt(id, 10)
	// The change happened at Craftgate: its record must not be lost to a
	// person closing the tab.
	ctx = context.WithoutCancel(ctx)
	return s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if now != nil {
			err = tx.SaveLinks(ctx, []Link{*now}, s.now())
		} else if err = tx.MarkLinkDeleted(ctx, id); errors.Is(err, ErrNotFound) {
			err = nil
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, by, ch)
	})
}

// syncPageSize is the page size of the catch-up's walk over every link.
const syncPageSize = 100

// maxUnseenChecks bounds the links one walk asks for by id.
const maxUnseenChecks = 50

// syncAll walks every link at Craftgate into the local record, then asks
// for each link the walk did not see: a link deleted meanwhile shifts the
// pages and may hide another, so only Craftgate saying "not found" marks
// one deleted. An incomplete walk marks nothing.
func (s *Links) syncAll(ctx context.Context) error {
	start := s.now()
	q := LinkSearch{Size: syncPageSize}
	for {
		page, err := s.provider.Search(ctx, q)
		if err != nil {
			return err
		}
		s.record(ctx, page.Links...) // every one: the walk's seen time marks what it found
		if len(page.Links) < q.Size || int64((q.Page+1)*q.Size) >= page.Total {
			break
		}
		q.Page++
	}
	unseen, err := s.store.UnseenLinks(ctx, start, maxUnseenChecks)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range unseen {
		if _, err := s.Get(ctx, id); err != nil && !IsProviderNotFound(err) {
			errs = append(errs, err)
		}
	}
	if len(unseen) > 0 {
		s.changed()
	}
	return errors.Join(errs...)
}
