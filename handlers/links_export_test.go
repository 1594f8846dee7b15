package handlers

import (
	"context"
	"errors"
	"testing"

	"linkdesk/craftclient"
)

// endlessLinks answers every search with a full page of a huge list and
// cancels the export's context on its first call.
type endlessLinks struct {
	LinkService
	cancel   context.CancelFunc
	searches int
}

func (e *endlessLinks) Search(_ context.Context, req craftclient.ProductSearchRequest) (*craftclient.ProductPage, error) {
	e.searches++
	e.cancel()
	items := make([]craftclient.Product, req.Size)
	for i := range items {
		items[i].ID = int64(req.Page*req.Size + i + 1)
	}
	return &craftclient.ProductPage{Items: items, TotalSize: 1 << 20}, nil
}

func TestSearchAllStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	up := &endlessLinks{cancel: cancel}
	h := &Links{links: up}
	_, err := h.searchAll(ctx, craftclient.ProductSearchRequest{})
	if !errors.Is(err, context.Canceled) || up.searches != 1 {
		t.Errorf("got %v after %d searches, want context.Canceled after 1", err, up.searches)
	}
}
