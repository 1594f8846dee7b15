package app_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
)

// bus is an in-memory app.Changes shared by the instances of a test, as
// PostgreSQL's LISTEN/NOTIFY is by real ones.
type bus struct {
	mu        sync.Mutex
	fns       []func(app.Change)
	listening chan struct{}
}

func (b *bus) Publish(_ context.Context, c app.Change) error {
	b.mu.Lock()
	fns := slices.Clone(b.fns)
	b.mu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
	return nil
}

func (b *bus) Listen(ctx context.Context, fn func(app.Change)) error {
	b.mu.Lock()
	b.fns = append(b.fns, fn)
	b.mu.Unlock()
	b.listening <- struct{}{}
	<-ctx.Done()
	return nil
}

// TestChanges_AcrossInstances: two instances on one database, each with
// its caches (searches kept an hour here, far past any test), see each
// other's changes at once: a link created on one shows in the other's
// kept search, and a person disabled on one is signed out on the other.
func TestChanges_AcrossInstances(t *testing.T) {
	t.Parallel()
	b := &bus{listening: make(chan struct{}, 2)}
	e := MustOpenEnv(t, func(c *app.Config) { c.Changes, c.SearchTTL, c.Instance = b, time.Hour, "instance-a" })
	cfgB := e.cfg
	cfgB.Instance = "instance-b"
	other := app.New(cfgB)
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, a := range []*app.App{e.App, other} {
		wg.Go(func() { a.Run(runCtx) })
	}
	defer func() {
		stop()
		wg.Wait()
	}()
	<-b.listening
	<-b.listening

	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	q := app.LinkSearch{Name: "Kahve"}
	if page, err := other.Links.Search(ctx, q); err != nil || len(page.Links) != 0 {
		t.Fatalf("search before: got %+v, %v, want none", page, err)
	}
	if _, err := e.App.Links.Create(ctx, actor(owner), MustParseLink(t, app.LinkDraft{Name: "Kahve", Price: "149,90", Currency: "TRY", Installments: []string{"1"}})); err != nil {
		t.Fatal(err)
	}
	if page, err := other.Links.Search(ctx, q); err != nil || len(page.Links) != 1 {
		t.Errorf("the other instance's search after a create: got %+v, %v, want the new link", page, err)
	}

	token, err := e.App.Users.StartSession(ctx, staff, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Users.Authenticate(ctx, token); err != nil { // kept for a second
		t.Fatal(err)
	}
	if _, err := e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Users.Authenticate(ctx, token); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("the other instance after the person was disabled: got %v, want ErrNotFound", err)
	}
}
