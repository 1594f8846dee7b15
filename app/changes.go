package app

import (
	"context"
	"log/slog"
	"strconv"
)

// Changes carries cache invalidations between the instances sharing one
// database. Each instance keeps link searches, link URLs and signed-in
// people in memory for a moment; a change made through one instance is
// published, and the others forget what it touched. On PostgreSQL the
// store carries them with LISTEN/NOTIFY; SQLite has one instance, and its
// store publishes nothing. A change missed (a lost connection) is bounded
// by the caches' lifetimes: searches 2 s, signed-in people 1 s, link URLs
// 10 min but only for links deleted outside Linkdesk.
type Changes interface {
	// Publish tells the other instances about c.
	Publish(ctx context.Context, c Change) error
	// Listen calls fn with each change published, this instance's own
	// included, until ctx is done. After a lost connection, when changes
	// may have been missed, it calls fn with TopicAll.
	Listen(ctx context.Context, fn func(Change)) error
}

// Change names what changed: a Topic and, for some, the Key of the one
// thing. Origin is the instance that published it.
type Change struct {
	Origin string
	Topic  string
	Key    string
}

// Change topics.
const (
	TopicLinks   = "links"   // a link was created, changed or deleted (Key: its id)
	TopicUser    = "user"    // a person's role, password or access changed (Key: user id)
	TopicSession = "session" // a session ended (Key: its id)
	TopicAll     = "all"     // anything may have changed
)

// broadcaster publishes this instance's changes and hands the others' to
// the services' caches.
type broadcaster struct {
	changes Changes
	origin  string
	log     *slog.Logger
}

// publish tells the other instances; a failure is only logged: their
// caches then forget it within their lifetimes.
func (b *broadcaster) publish(ctx context.Context, topic, key string) {
	if b.changes == nil {
		return
	}
	err := b.changes.Publish(context.WithoutCancel(ctx), Change{Origin: b.origin, Topic: topic, Key: key})
	if err != nil {
		b.log.Warn("cache change not published; other instances see it within their cache lifetimes", "topic", topic, "err", err)
	}
}

// listen applies the other instances' changes until ctx is done.
func (b *broadcaster) listen(ctx context.Context, links *Links, users *Users) {
	if b.changes == nil {
		return
	}
	err := b.changes.Listen(ctx, func(c Change) {
		if c.Origin == b.origin {
			return
		}
		switch c.Topic {
		case TopicLinks:
			id, _ := strconv.ParseInt(c.Key, 10, 64)
			links.forget(id)
		case TopicUser:
			id, _ := strconv.ParseInt(c.Key, 10, 64)
			users.forgetUser(id)
		case TopicSession:
			users.auth.Remove(c.Key)
		case TopicAll:
			links.forget(0)
			links.urls.Purge()
			users.auth.Purge()
		}
	})
	if err != nil && ctx.Err() == nil {
		b.log.Error("listening for other instances' changes stopped", "err", err)
	}
}
