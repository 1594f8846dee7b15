package app

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Config is what the core is built from: its adapters and its settings.
type Config struct {
	Store    Store
	Links    LinkProvider
	Payments PaymentProvider
	// Sales is Craftgate's payment reporting; nil runs no catch-up (and
	// receives no webhooks).
	Sales SalesProvider

	PaymentsConfig PaymentsConfig
	SalesConfig    SalesConfig
	ImportsConfig  ImportsConfig
	// Location is the shop's time zone: days begin at its midnight (the
	// sales totals, the overview). Nil is DefaultLocation().
	Location *time.Location
	// SearchTTL is how long an identical link search may be answered from
	// memory; 0 keeps none (concurrent identical searches still share a call).
	SearchTTL time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Log receives what the core does on its own (settlements, the
	// reconciler); nil discards.
	Log *slog.Logger
	// Observer is told of events worth counting (metrics); nil ignores them.
	Observer Observer
	// Instance names this process among the instances sharing the
	// database: it owns the leases on the payments this one works on. A
	// name kept across restarts lets a restarted instance take back at once
	// what its previous run was working on; empty is a random name, whose
	// leases others take over when they end (leaseFor).
	Instance string
	// Changes carries cache invalidations between instances; nil keeps
	// them to this process.
	Changes Changes
}

// Observer is told of what the core does, for metrics.
type Observer interface {
	ReconcilePass(ok bool)
	LoginRefused(reason string)
}

type noObserver struct{}

func (noObserver) ReconcilePass(bool)  {}
func (noObserver) LoginRefused(string) {}

// App is the core, one service per area.
type App struct {
	Users    *Users
	Links    *Links
	Payments *Payments
	Sales    *Sales
	Audit    *Audit
	Imports  *Imports

	store   Store
	log     *slog.Logger
	changes *broadcaster
}

// New builds the core from its adapters.
func New(cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.Location == nil {
		cfg.Location = DefaultLocation()
	}
	if cfg.Instance == "" {
		cfg.Instance = "instance-" + rand.Text()
	}
	changes := &broadcaster{changes: cfg.Changes, origin: cfg.Instance, log: cfg.Log}
	links := newLinks(cfg.Store, cfg.Links, cfg.SearchTTL, cfg.Now, cfg.Log.With("component", "links"), changes)
	return &App{
		Users:    newUsers(cfg.Store, cfg.Now, cfg.Observer, changes),
		Links:    links,
		Payments: newPayments(cfg.Store, cfg.Payments, cfg.PaymentsConfig, cfg.Location, cfg.Instance, cfg.Now, cfg.Log.With("component", "payments"), cfg.Observer),
		Sales:    newSales(cfg.Store, cfg.Sales, links, cfg.SalesConfig, cfg.Location, cfg.Now, cfg.Log.With("component", "sales")),
		Audit:    &Audit{store: cfg.Store},
		Imports:  newImports(cfg.Store, links, cfg.ImportsConfig, cfg.Now, cfg.Log.With("component", "imports")),
		store:    cfg.Store,
		log:      cfg.Log,
		changes:  changes,
	}
}

// Run does the core's background work until ctx is done: the payment
// reconciler (which also picks up what a previous run left open), the
// sales catch-up, the import workers (likewise), the other instances'
// cache changes and the pruning of ended sessions.
func (a *App) Run(ctx context.Context) {
	var workers sync.WaitGroup
	workers.Go(func() { a.Payments.Run(ctx) })
	workers.Go(func() { a.Sales.Run(ctx) })
	workers.Go(func() { a.Imports.Run(ctx) })
	workers.Go(func() { a.changes.listen(ctx, a.Links, a.Users) })
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := a.Users.PruneSessions(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("pruning ended sessions failed", "err", err)
		}
		select {
		case <-ctx.Done():
			workers.Wait()
			return
		case <-t.C:
		}
	}
}

// Ping checks the database answers (the health check).
func (a *App) Ping(ctx context.Context) error { return a.store.Ping(ctx) }

// Setting returns the shared value stored under key, storing gen's result
// first when there is none. When several instances start at once, all get
// the one value stored first.
func (a *App) Setting(ctx context.Context, key string, gen func() (string, error)) (string, error) {
	v, err := a.store.Setting(ctx, key)
	if !errors.Is(err, ErrNotFound) {
		return v, err
	}
	generated, err := gen()
	if err != nil {
		return "", err
	}
	if err := a.store.InitSetting(ctx, key, generated); err != nil {
		return "", err
	}
	return a.store.Setting(ctx, key)
}
