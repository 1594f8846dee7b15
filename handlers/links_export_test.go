package handlers

import (
	"context"
	"errors"
	"testing"

	"linkdesk/app"
)

// endlessLinks answers every search with a full page of a huge list and
// cancels the export's context on its first call.
type endlessLinks struct {
	LinkService
	cancel   context.CancelFunc
	searches int
}

func (e *endlessLinks) Search(_ context.Context, req app.LinkSearch) (*app.LinkPage, error) {
	e.searches++
	e.cancel()
	items := make([]app.Link, req.Size)
	for i := range items {
		items[i].ID = int64(req.Page*req.Size + i + 1)
	}
	return &app.LinkPage{Links: items, Total: 1 << 20}, nil
}

func TestSearchAllStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	up := &endlessLinks{cancel: cancel}
	_, err := searchAll(ctx, up, app.LinkSearch{})
	if !errors.Is(err, context.Canceled) || up.searches != 1 {
		t.Errorf("got %v after %d searches, want context.Canceled after 1", err, up.searches)
	}
}

// shiftingLinks serves a newest-first list of links 200 down to 53 while
// a new link arrives after the first page, so the second page starts with
// the first page's last link again.
type shiftingLinks struct{ LinkService }

func (shiftingLinks) Search(_ context.Context, req app.LinkSearch) (*app.LinkPage, error) {
	first := int64(200) // page 0: 200…101
	if req.Page == 1 {
		first = 101 // shifted by one: 101…53
	}
	n := req.Size
	if req.Page == 1 {
		n = 49
	}
	items := make([]app.Link, n)
	for i := range items {
		items[i].ID = first - int64(i)
	}
	return &app.LinkPage{Links: items, Total: 149}, nil
}

func TestSearchAllKeepsEachLinkOnce(t *testing.T) {
	got, err := searchAll(context.Background(), shiftingLinks{}, app.LinkSearch{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, p := range got {
		seen[p.ID]++
	}
	if len(got) != 148 || seen[101] != 1 || got[0].ID != 200 || got[len(got)-1].ID != 53 {
		t.Errorf("exported %d links (101 %d times, %d…%d), want 148 from 200 to 53, each once",
			len(got), seen[101], got[0].ID, got[len(got)-1].ID)
	}
}
