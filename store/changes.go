package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"linkdesk/app"
)

// changesChannel is the PostgreSQL notification channel of cache changes.
const changesChannel = "linkdesk_changes"

var _ app.Changes = (*DB)(nil)

// Publish sends c to every instance listening on this database
// (PostgreSQL's NOTIFY); on SQLite, which has one instance, it does
// nothing.
func (db *DB) Publish(ctx context.Context, c app.Change) error {
	if db.pg == nil {
		return nil
	}
	payload := c.Origin + "\n" + c.Topic + "\n" + c.Key
	if _, err := db.exec(ctx, `SELECT pg_notify('`+changesChannel+`', ?)`, payload); err != nil {
		return fmt.Errorf("store: publish change: %w", err)
	}
	return nil
}

// listenRetry is how long Listen waits before connecting again.
const listenRetry = time.Second

// Listen calls fn with every change published on this database until ctx
// is done, on a connection of its own (LISTEN). Whenever that connection
// is (re)made, fn gets app.TopicAll first: changes published while it was
// away are lost, so every cache starts afresh. On SQLite it only waits.
func (db *DB) Listen(ctx context.Context, fn func(app.Change)) error {
	if db.pg == nil {
		<-ctx.Done()
		return nil
	}
	for {
		db.listenOnce(ctx, fn)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(listenRetry):
		}
	}
}

// listenOnce listens on one connection until it fails or ctx is done.
func (db *DB) listenOnce(ctx context.Context, fn func(app.Change)) {
	conn, err := pgx.ConnectConfig(ctx, db.pg.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return
	}
	fn(app.Change{Topic: app.TopicAll})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		parts := strings.SplitN(n.Payload, "\n", 3)
		if len(parts) == 3 {
			fn(app.Change{Origin: parts[0], Topic: parts[1], Key: parts[2]})
		}
	}
}
