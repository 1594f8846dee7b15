package handlers

import (
	"context"
	"encoding/json"

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

// audit appends a row for ch by the signed-in user (or actor, when nobody
// is signed in yet, as for a failed login). A failure to audit fails the
// request's response but is logged with the change, so it is never silent.
func audit(c echo.Context, log AuditLog, ch Change) error {
	ev := &store.AuditEvent{
		IP:         c.RealIP(),
		Action:     ch.Action,
		TargetType: ch.TargetType,
		TargetID:   ch.TargetID,
	}
	if u := UserFrom(c); u != nil {
		id := u.ID
		ev.ActorID, ev.ActorEmail = &id, u.Email
	}
	var err error
	if ev.Before, err = marshalChange(ch.Before); err != nil {
		return err
	}
	if ev.After, err = marshalChange(ch.After); err != nil {
		return err
	}
	if err := log.AppendAudit(c.Request().Context(), ev); err != nil {
		LoggerFrom(c).Error("audit append failed", "action", ch.Action, "target_id", ch.TargetID, "err", err)
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
