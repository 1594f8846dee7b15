package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one append-only record of who did what, when, from where.
// The table refuses UPDATE and DELETE (triggers), so events are evidence.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    *int64 // nil for anonymous actions (a failed login for an unknown email)
	ActorEmail string // kept as it was at the time
	IP         string
	Action     string // e.g. "link.create", "payment.refund", "user.login_failed"
	TargetType string // e.g. "link", "payment", "user"
	TargetID   string
	Before     json.RawMessage // state before the change; nil when none
	After      json.RawMessage // state after the change; nil when none
}

// AppendAudit stores e and sets its ID; a zero At becomes Now().
func (db *DB) AppendAudit(ctx context.Context, e *AuditEvent) error {
	if e.Action == "" {
		return fmt.Errorf("store: append audit: %w", invalidf("empty action"))
	}
	before, err := jsonColumn(e.Before)
	if err != nil {
		return fmt.Errorf("store: append audit %s: before: %w", e.Action, err)
	}
	after, err := jsonColumn(e.After)
	if err != nil {
		return fmt.Errorf("store: append audit %s: after: %w", e.Action, err)
	}
	if e.At.IsZero() {
		e.At = db.now()
	}
	e.At = e.At.UTC()
	err = db.db.QueryRowContext(ctx, `INSERT INTO audit_events
		(at, actor_id, actor_email, ip, action, target_type, target_id, before_json, after_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		formatTime(e.At), e.ActorID, NormalizeEmail(e.ActorEmail), e.IP, e.Action, e.TargetType, e.TargetID,
		before, after).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("store: append audit %s: %w", e.Action, mapErr(err))
	}
	return nil
}

// jsonColumn checks raw is JSON and returns it for a nullable text column.
func jsonColumn(raw json.RawMessage) (sql.NullString, error) {
	if len(raw) == 0 {
		return sql.NullString{}, nil
	}
	if !json.Valid(raw) {
		return sql.NullString{}, invalidf("not valid JSON")
	}
	return sql.NullString{String: string(raw), Valid: true}, nil
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

func (f AuditFilter) where() *where {
	var w where
	if f.ActorID != nil {
		w.add("actor_id = ?", *f.ActorID)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if f.TargetType != "" {
		w.add("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		w.add("target_id = ?", f.TargetID)
	}
	w.timeRange("at", f.From, f.To)
	return &w
}

const auditColumns = `id, at, actor_id, actor_email, ip, action, target_type, target_id, before_json, after_json`

func scanAudit(s rowScanner) (AuditEvent, error) {
	var (
		e             AuditEvent
		at            string
		actorID       sql.NullInt64
		before, after sql.NullString
		err           error
	)
	if err := s.Scan(&e.ID, &at, &actorID, &e.ActorEmail, &e.IP, &e.Action, &e.TargetType, &e.TargetID, &before, &after); err != nil {
		return AuditEvent{}, err
	}
	if e.At, err = parseTime(at); err != nil {
		return AuditEvent{}, err
	}
	if actorID.Valid {
		e.ActorID = &actorID.Int64
	}
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, nil
}

// ListAudit returns one page of matching events, newest first, and the
// number of all matching events.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error) {
	w := f.where()
	limit, offset := page(f.Limit, f.Offset)
	var (
		events []AuditEvent
		total  int
	)
	err := db.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		var err error
		events, err = queryAll(ctx, tx, scanAudit,
			`SELECT `+auditColumns+` FROM audit_events`+w.String()+auditOrder+` LIMIT ? OFFSET ?`,
			append(w.args, limit, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: list audit: %w", err)
	}
	return events, total, nil
}

// ForEachAudit calls fn with every matching event, newest first, without
// holding them all in memory (for CSV export). Limit and Offset are ignored.
// The read stays open while fn runs; in WAL mode that blocks no writer.
func (db *DB) ForEachAudit(ctx context.Context, f AuditFilter, fn func(AuditEvent) error) error {
	w := f.where()
	err := queryEach(ctx, db.db, scanAudit, fn, `SELECT `+auditColumns+` FROM audit_events`+w.String()+auditOrder, w.args...)
	if err != nil {
		return fmt.Errorf("store: export audit: %w", err)
	}
	return nil
}

const auditOrder = ` ORDER BY at DESC, id DESC`
