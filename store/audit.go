package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"linkdesk/app"
)

// AppendAudit stores e and sets its ID; a zero At becomes now. The table
// refuses UPDATE and DELETE (triggers), so events are evidence.
func (q queries) AppendAudit(ctx context.Context, e *app.AuditEvent) error {
	if e.Action == "" {
		return errors.New("store: append audit: empty action")
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
		e.At = q.now()
	}
	e.At = e.At.UTC()
	err = q.row(ctx, `INSERT INTO audit_events
		(at, actor_id, actor_email, ip, action, target_type, target_id, before_json, after_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		formatTime(e.At), e.ActorID, app.NormalizeEmail(e.ActorEmail), e.IP, e.Action, e.TargetType, e.TargetID,
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
		return sql.NullString{}, errors.New("not valid JSON")
	}
	return sql.NullString{String: string(raw), Valid: true}, nil
}

func auditWhere(f app.AuditFilter) *where {
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

func scanAudit(s rowScanner) (app.AuditEvent, error) {
	var (
		e             app.AuditEvent
		at            string
		actorID       sql.NullInt64
		before, after sql.NullString
		err           error
	)
	if err := s.Scan(&e.ID, &at, &actorID, &e.ActorEmail, &e.IP, &e.Action, &e.TargetType, &e.TargetID, &before, &after); err != nil {
		return app.AuditEvent{}, mapErr(err)
	}
	if e.At, err = parseTime(at); err != nil {
		return app.AuditEvent{}, err
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
func (q queries) ListAudit(ctx context.Context, f app.AuditFilter) ([]app.AuditEvent, int, error) {
	w := auditWhere(f)
	limit, offset := page(f.Limit, f.Offset)
	var (
		events []app.AuditEvent
		total  int
	)
	err := q.inReadTx(ctx, func(tx queries) error {
		if err := tx.row(ctx, `SELECT COUNT(*) FROM audit_events`+w.String(), w.args...).Scan(&total); err != nil {
			return err
		}
		var err error
		events, err = queryAll(ctx, tx, scanAudit,
			`SELECT `+auditColumns+` FROM audit_events`+w.String()+auditOrder+` LIMIT ? OFFSET ?`,
			append(w.args, limit, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: list audit: %w", mapErr(err))
	}
	return events, total, nil
}

// ForEachAudit calls fn with every matching event, newest first, without
// holding them all in memory (for CSV export). Limit and Offset are ignored.
// The read stays open while fn runs; in WAL mode that blocks no writer.
func (q queries) ForEachAudit(ctx context.Context, f app.AuditFilter, fn func(app.AuditEvent) error) error {
	w := auditWhere(f)
	err := queryEach(ctx, q, scanAudit, fn, `SELECT `+auditColumns+` FROM audit_events`+w.String()+auditOrder, w.args...)
	if err != nil {
		return fmt.Errorf("store: export audit: %w", err)
	}
	return nil
}

const auditOrder = ` ORDER BY at DESC, id DESC`
