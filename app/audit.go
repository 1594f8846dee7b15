package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one append-only record of who did what, when, from where.
// Storage refuses to change or remove one, so events are evidence.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    *int64 // nil when no signed-in person acted
	ActorEmail string // the person's e-mail as it was, or a non-person actor (ActorCLI, ActorPaywall…)
	IP         string
	Action     string // e.g. "link.create", "payment.refund", "auth.login_failed"
	TargetType string // e.g. "link", "payment", "user"
	TargetID   string
	Before     json.RawMessage // state before the change; nil when none
	After      json.RawMessage // state after the change; nil when none
}

// Non-person actors, as AuditEvent.ActorEmail records them.
const (
	ActorCLI       = "cli"                // the linkdesk user command
	ActorPaywall   = "provider:paywall"   // a verified Paywall callback
	ActorCraftgate = "provider:craftgate" // a verified Craftgate webhook
	ActorDemo      = "demo"               // the demo data of linkdesk demo
)

// Actor is who makes a change: a signed-in person, or nobody (the system:
// the reconciler, a failed sign-in), or a named non-person actor, and from
// where.
type Actor struct {
	User *User
	Name string // a non-person actor (ActorCLI…) when User is nil
	IP   string
}

// recorded is the actor as audit rows and refund intents keep it: a
// person's id and email, or no id and the non-person actor's name.
func (a Actor) recorded() (id *int64, email string) {
	if a.User == nil {
		return nil, a.Name
	}
	userID := a.User.ID
	return &userID, a.User.Email
}

// System is the actor of background work.
var System = Actor{}

// change describes one audited action; Before and After are marshalled to
// JSON and either may be nil.
type change struct {
	Action     string
	TargetType string
	TargetID   string
	Before     any
	After      any
}

// appendAudit writes ch by who inside the operation's transaction, so the
// change and its record commit together.
func appendAudit(ctx context.Context, tx Tx, who Actor, ch change) error {
	ev := &AuditEvent{IP: who.IP, Action: ch.Action, TargetType: ch.TargetType, TargetID: ch.TargetID}
	ev.ActorID, ev.ActorEmail = who.recorded()
	var err error
	if ev.Before, err = marshalState(ch.Before); err != nil {
		return err
	}
	if ev.After, err = marshalState(ch.After); err != nil {
		return err
	}
	if err := tx.AppendAudit(ctx, ev); err != nil {
		return fmt.Errorf("audit %s: %w", ch.Action, err)
	}
	return nil
}

func marshalState(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// AuditFilter selects audit events; zero fields do not filter. From is
// inclusive and To exclusive. Limit 0 means DefaultPageSize, and Limit is
// capped at MaxPageSize.
type AuditFilter struct {
	ActorID    *int64
	Action     string
	TargetType string
	TargetID   string
	From, To   time.Time
	Limit      int
	Offset     int
}

// Page sizes of stored lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Audit reads the audit trail.
type Audit struct{ store Store }

// List returns one page of matching events, newest first, and how many
// match in all.
func (a *Audit) List(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error) {
	return a.store.ListAudit(ctx, f)
}

// Each calls fn with every matching event, newest first, without holding
// them all in memory (for the CSV export).
func (a *Audit) Each(ctx context.Context, f AuditFilter, fn func(AuditEvent) error) error {
	return a.store.ForEachAudit(ctx, f, fn)
}
