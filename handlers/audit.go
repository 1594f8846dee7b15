package handlers

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/labstack/echo/v4"

	"linkdesk/store"
)

// AuditLog is the append-only record of who changed what.
type AuditLog interface {
	AppendAudit(ctx context.Context, ev *store.AuditEvent) error
}

// Change describes one audited action. Before and After are marshalled to
// JSON; either may be nil.
type Change struct {
	Action     string // e.g. "link.create", "payment.refund", "auth.login"
	TargetType string // "link", "payment", "user"
	TargetID   string
	Before     any
	After      any
}

// actor is who made a change: a signed-in user, or nobody (the system, as
// for callbacks and the reconciliation worker), and from where.
type actor struct {
	user *store.User
	ip   string
}

// actorOf is the request's signed-in user and address.
func actorOf(c echo.Context) actor { return actor{user: UserFrom(c), ip: c.RealIP()} }

// audit appends a row for ch by the signed-in user (nobody, when nobody is
// signed in yet, as for a failed login). A failure to audit fails the
// request's response.
func audit(c echo.Context, log AuditLog, ch Change) error {
	return appendAudit(c.Request().Context(), log, LoggerFrom(c), actorOf(c), ch)
}

// appendAudit appends a row for ch by who. A failure is returned and logged
// with the change, so it is never silent.
func appendAudit(ctx context.Context, st AuditLog, log *slog.Logger, who actor, ch Change) error {
	ev := &store.AuditEvent{
		IP:         who.ip,
		Action:     ch.Action,
		TargetType: ch.TargetType,
		TargetID:   ch.TargetID,
	}
	if who.user != nil {
		id := who.user.ID
		ev.ActorID, ev.ActorEmail = &id, who.user.Email
	}
	var err error
	if ev.Before, err = marshalChange(ch.Before); err != nil {
		return err
	}
	if ev.After, err = marshalChange(ch.After); err != nil {
		return err
	}
	if err := st.AppendAudit(ctx, ev); err != nil {
		log.Error("audit append failed", "action", ch.Action, "target_id", ch.TargetID, "err", err)
		return err
	}
	return nil
}

func marshalChange(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}
