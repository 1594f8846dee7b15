package store_test

import (
	"context"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
	"linkdesk/store/pgtest"
)

// TestPostgresChanges: a change published through one connection pool
// reaches a listener on another (two instances on one database), after
// the TopicAll that starts every listening connection.
func TestPostgresChanges(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	open := func() *store.DB {
		db, err := store.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	got := make(chan app.Change, 10)
	listenCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Listen(listenCtx, func(c app.Change) { got <- c }) }()
	next := func() app.Change {
		select {
		case c := <-got:
			return c
		case <-time.After(30 * time.Second):
			t.Fatal("no change arrived within 30 s")
			return app.Change{}
		}
	}
	if c := next(); c.Topic != app.TopicAll {
		t.Fatalf("first change: got %+v, want %s", c, app.TopicAll)
	}
	want := app.Change{Origin: "instance-b", Topic: app.TopicLinks, Key: "42"}
	if err := b.Publish(ctx, want); err != nil {
		t.Fatal(err)
	}
	if c := next(); c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Listen after its context ended: got %v, want nil", err)
	}
}
