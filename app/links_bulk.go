package app

import (
	"context"
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
			err := s.bulkOne(ctx, by, action, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed = append(res.Failed, BulkFailure{ID: id, Err: err})
			} else {
				res.Done = append(res.Done, id)
			}
		}()
	}
	wg.Wait()
	return res
}

func (s *Links) bulkOne(ctx context.Context, by Actor, action LinkBulkAction, id int64) error {
	var err error
	switch action {
	case BulkActivate:
		_, err = s.SetStatus(ctx, by, id, LinkStatusActive)
	case BulkDeactivate:
		_, err = s.SetStatus(ctx, by, id, LinkStatusPassive)
	case BulkDelete:
		if _, err = s.Delete(ctx, by, id); IsProviderNotFound(err) {
			err = nil // gone already: what was asked for
		}
	default:
		err = Errorf(CodeInvalid, "error.400")
	}
	return err
}
