package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"linkdesk/app"
)

func TestLinks_EachReadsEveryPage(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, func(c *app.Config) { c.SearchTTL = time.Hour })
	var ids []int64
	for id := int64(1); id <= 2*app.MaxLinkPageSize+50; id++ {
		ids = append(ids, id)
	}
	putLinks(e, ids...)
	// A page the list keeps must not stand in for the walk's first page.
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Size: app.MaxLinkPageSize}); err != nil {
		t.Fatal(err)
	}
	var got []int64
	err := e.App.Links.Each(ctx, app.LinkSearch{Page: 7, Size: 10}, func(l app.Link) error {
		got = append(got, l.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) || !slices.IsSorted(got) || got[0] != 1 || got[len(got)-1] != ids[len(ids)-1] {
		t.Errorf("got %d links (%v…), want %d, each once, in the provider's order", len(got), got[:min(3, len(got))], len(ids))
	}
	if calls := e.Craft.Calls("Search"); calls != 1+3 {
		t.Errorf("Craftgate searches: got %d, want 1 for the list and 3 pages of %d for the walk", calls, app.MaxLinkPageSize)
	}
}

// A link created during the walk shifts the newest-first pages by one: the
// second page starts with the first page's last link again.
func TestLinks_EachKeepsEachLinkOnce(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	e.Craft.SearchFn = func(_ context.Context, q app.LinkSearch) (*app.LinkPage, error) {
		first, n := int64(200), q.Size // page 0: 200…101
		if q.Page == 1 {
			first, n = 101, 49 // shifted by one: 101…53
		}
		page := &app.LinkPage{Links: make([]app.Link, n), Total: 149}
		for i := range page.Links {
			page.Links[i].ID = first - int64(i)
		}
		return page, nil
	}
	seen := map[int64]int{}
	var got []int64
	err := e.App.Links.Each(ctx, app.LinkSearch{}, func(l app.Link) error {
		seen[l.ID]++
		got = append(got, l.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 148 || seen[101] != 1 || got[0] != 200 || got[len(got)-1] != 53 {
		t.Errorf("walked %d links (101 %d times, %d…%d), want 148 from 200 to 53, each once",
			len(got), seen[101], got[0], got[len(got)-1])
	}
}

// endless answers every search with a full page of a huge list, calling
// onSearch first.
func endless(onSearch func()) func(context.Context, app.LinkSearch) (*app.LinkPage, error) {
	return func(_ context.Context, q app.LinkSearch) (*app.LinkPage, error) {
		onSearch()
		page := &app.LinkPage{Links: make([]app.Link, q.Size), Total: 1 << 40}
		for i := range page.Links {
			page.Links[i].ID = int64(q.Page*q.Size + i + 1)
		}
		return page, nil
	}
}

func TestLinks_EachStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	walk, cancel := context.WithCancel(ctx)
	defer cancel()
	e.Craft.SearchFn = endless(cancel) // the person gives up during the first page
	rows := 0
	err := e.App.Links.Each(walk, app.LinkSearch{}, func(app.Link) error { rows++; return nil })
	if !errors.Is(err, context.Canceled) || e.Craft.Calls("Search") != 1 {
		t.Errorf("got %v after %d searches, want context.Canceled after 1", err, e.Craft.Calls("Search"))
	}
	if rows != app.MaxLinkPageSize {
		t.Errorf("got %d links, want the first page's %d", rows, app.MaxLinkPageSize)
	}
}

func TestLinks_EachStopsAtTheFirstError(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	e.Craft.SearchFn = endless(func() {})
	broken := errors.New("client went away")
	rows := 0
	err := e.App.Links.Each(ctx, app.LinkSearch{}, func(app.Link) error {
		if rows++; rows == 150 {
			return broken
		}
		return nil
	})
	// The first page is asked alone (its total says how many follow), then
	// three at a time: the walk stops within the second.
	if searches := e.Craft.Calls("Search"); !errors.Is(err, broken) || rows != 150 || searches > 4 {
		t.Errorf("got %v after %d links and %d searches, want the error after 150 links and at most 4 searches",
			err, rows, searches)
	}

	e.Craft.SearchFn = func(context.Context, app.LinkSearch) (*app.LinkPage, error) { return nil, broken }
	if err := e.App.Links.Each(ctx, app.LinkSearch{}, func(app.Link) error { return nil }); !errors.Is(err, broken) {
		t.Errorf("a failed search: got %v, want its error", err)
	}
}

// A search the list answers from the local record (a folded name here) is
// walked there too, so "export" and "all matching" take the links the list
// showed: "cay" is Çay and çaydanlık, which Craftgate's own name match
// would not find.
func TestLinks_EachWalksTheLocalRecordForLocalSearches(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	for id, name := range map[int64]string{1: "Çay", 2: "Kahve", 3: "Demlik çaydanlık"} {
		e.Links.put(app.Link{ID: id, Name: name, Price: dec("5"), Currency: "TRY", Status: app.LinkStatusActive})
	}
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Size: 25}); err != nil { // the list, as first opened
		t.Fatal(err)
	}
	var got []string
	err := e.App.Links.Each(ctx, app.LinkSearch{Name: "cay", Sort: app.LinkSortName}, func(l app.Link) error {
		got = append(got, l.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Çay", "Demlik çaydanlık"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q in the list's order", got, want)
	}
}

// A link read again as this instance last wrote it is not written to the
// local record again (the list and link pages are read far more often
// than links change); a link that changed at Craftgate is.
func TestLinks_ReadsWriteTheRecordOnlyWhenALinkChanged(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t) // no search TTL: every read asks Craftgate
	putLinks(e, 1)
	name := func() string {
		l, err := e.DB.LocalLink(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		return l.Name
	}
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Size: 25}); err != nil {
		t.Fatal(err)
	}
	// Mark the record behind the core's back: a write would undo it.
	marked := e.Links.links[1]
	marked.Name = "işaret"
	if err := e.DB.SaveLinks(ctx, []app.Link{marked}, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Links.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Size: 25}); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "işaret" {
		t.Errorf("an unchanged link was written again: the record says %q", got)
	}
	changed := e.Links.links[1]
	changed.Name = "Filtre kahve"
	e.Links.put(changed)
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Size: 25}); err != nil {
		t.Fatal(err)
	}
	if got := name(); got != "Filtre kahve" {
		t.Errorf("a link changed at Craftgate: the record says %q", got)
	}
}
