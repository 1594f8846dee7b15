package handlers

import (
	"context"
	"sync"
	"time"

	"linkdesk/craftclient"
)

// providerCacheTTL is how long a currency's provider list is reused: the
// list changes only when the merchant edits connections in Paywall's panel.
const providerCacheTTL = time.Minute

// providerCache keeps each currency's QR providers briefly, so the form
// and its htmx refresh do not call Paywall on every keystroke.
type providerCache struct {
	apm interface {
		List(ctx context.Context, req craftclient.APMListRequest) ([]craftclient.APMProvider, error)
	}
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[int]providerEntry
}

type providerEntry struct {
	list    []craftclient.APMProvider
	expires time.Time
}

func newProviderCache(apm APMClient, ttl time.Duration, now func() time.Time) *providerCache {
	return &providerCache{apm: apm, ttl: ttl, now: now, entries: map[int]providerEntry{}}
}

// get returns the QR-capable providers for a currency. Failures are not
// cached; two concurrent misses may both ask Paywall, which is harmless.
func (pc *providerCache) get(ctx context.Context, currencyID int) ([]craftclient.APMProvider, error) {
	pc.mu.Lock()
	e, ok := pc.entries[currencyID]
	pc.mu.Unlock()
	if ok && pc.now().Before(e.expires) {
		return e.list, nil
	}
	list, err := pc.apm.List(ctx, craftclient.APMListRequest{CurrencyID: currencyID, FocusedFeature: "qr"})
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	pc.entries[currencyID] = providerEntry{list: list, expires: pc.now().Add(pc.ttl)}
	pc.mu.Unlock()
	return list, nil
}
