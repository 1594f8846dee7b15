package app

import (
	"context"
	"slices"
	"sync"
)

// LinkBulkAction is a change made to many links at once.
type LinkBulkAction string

// Bulk actions on links.
const (
	BulkActivate   LinkBulkAction = "activate"
	BulkDeactivate LinkBulkAction = "deactivate"
	BulkDelete     LinkBulkAction = "delete"
)

// Valid reports whether a is a known action.
func (a LinkBulkAction) Valid() bool {
	return a == BulkActivate || a == BulkDeactivate || a == BulkDelete
}

// BulkFailure is a link a bulk action could not change, and why.
type BulkFailure struct {
	ID  int64
	Err error
}

// BulkResult says which links a bulk action changed and which it could not.
type BulkResult struct {
	Done   []int64
	Failed []BulkFailure
	// Changed is Done without the links that were already as wanted: what
	// an undo puts back (reactivating them after a deactivation).
	Changed []int64
}

// bulkParallel is how many links a bulk action changes at once: a few, so
// a long list finishes quickly without flooding the provider.
const bulkParallel = 4

// Bulk applies action to every link of ids, a few at a time, each change
// audited on its own like a single one. A link already as wanted (or
// already gone, for a delete) counts as done; one failure does not stop
// the others.
func (s *Links) Bulk(ctx context.Context, by Actor, action LinkBulkAction, ids []int64) BulkResult {
	var (
		mu  sync.Mutex
		res BulkResult
		wg  sync.WaitGroup
		sem = make(chan struct{}, bulkParallel)
	)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			changed, err := s.bulkOne(ctx, by, action, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed = append(res.Failed, BulkFailure{ID: id, Err: err})
				return
			}
			res.Done = append(res.Done, id)
			if changed {
				res.Changed = append(res.Changed, id)
			}
		}()
	}
	wg.Wait()
	// In the order of ids, as the person listed them, whichever finished first.
	order := make(map[int64]int, len(ids))
	for i, id := range ids {
		order[id] = i
	}
	byOrder := func(a, b int64) int { return order[a] - order[b] }
	slices.SortFunc(res.Done, byOrder)
	slices.SortFunc(res.Changed, byOrder)
	slices.SortFunc(res.Failed, func(a, b BulkFailure) int { return byOrder(a.ID, b.ID) })
	return res
}

// bulkOne applies action to one link and reports whether it changed it.
func (s *Links) bulkOne(ctx context.Context, by Actor, action LinkBulkAction, id int64) (bool, error) {
	switch action {
	case BulkActivate:
		_, changed, err := s.setStatus(ctx, by, id, LinkStatusActive)
		return changed, err
	case BulkDeactivate:
		_, changed, err := s.setStatus(ctx, by, id, LinkStatusPassive)
		return changed, err
	case BulkDelete:
		_, err := s.Delete(ctx, by, id)
		if IsProviderNotFound(err) {
			return false, nil // gone already: what was asked for
		}
		return err == nil, err
	}
	return false, Errorf(CodeInvalid, "error.400")
}
