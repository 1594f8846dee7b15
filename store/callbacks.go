package store

import (
	"context"
	"database/sql"
	"fmt"

	"linkdesk/app"
)

const callbackColumns = `id, event_key, at, merchant_unique_code, kind, accepted, reason, remote_ip, payload`

func checkCallback(c *app.Callback) error {
	switch c.Kind {
	case app.CallbackKindSuccess, app.CallbackKindFail, app.CallbackKindServer:
	default:
		return fmt.Errorf("unknown callback kind %q", c.Kind)
	}
	if len(c.Payload) > app.MaxCallbackPayload {
		return fmt.Errorf("payload of %d bytes is over %d", len(c.Payload), app.MaxCallbackPayload)
	}
	return nil
}

// RecordCallback stores c under its key and sets its ID and time; false
// (no error) when a callback with that key was recorded before.
func (q queries) RecordCallback(ctx context.Context, c *app.Callback) (bool, error) {
	if err := checkCallback(c); err != nil {
		return false, fmt.Errorf("store: record callback: %w", err)
	}
	c.At = q.now()
	err := q.row(ctx, `INSERT INTO callbacks (event_key, at, merchant_unique_code, kind, accepted, reason, remote_ip, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING RETURNING id`,
		sql.NullString{String: c.Key, Valid: c.Key != ""}, formatTime(c.At), c.MerchantUniqueCode, c.Kind, c.Accepted, c.Reason, c.RemoteIP, c.Payload).Scan(&c.ID)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: record callback for %s: %w", c.MerchantUniqueCode, mapErr(err))
	}
	return true, nil
}

// CallbacksFor returns the callbacks recorded for a payment, oldest first.
func (q queries) CallbacksFor(ctx context.Context, code string) ([]app.Callback, error) {
	records, err := queryAll(ctx, q, scanCallback, `SELECT `+callbackColumns+` FROM callbacks
		WHERE merchant_unique_code = ? ORDER BY id`, code)
	if err != nil {
		return nil, fmt.Errorf("store: callbacks for %s: %w", code, err)
	}
	return records, nil
}

func scanCallback(s rowScanner) (app.Callback, error) {
	var (
		c   app.Callback
		key sql.NullString // NULL for callbacks recorded before keys existed
		at  string
		err error
	)
	if err := s.Scan(&c.ID, &key, &at, &c.MerchantUniqueCode, &c.Kind, &c.Accepted, &c.Reason, &c.RemoteIP, &c.Payload); err != nil {
		return app.Callback{}, mapErr(err)
	}
	c.Key = key.String
	c.At, err = parseTime(at)
	return c, err
}

// RecordStrayCallback keeps a callback that named no payment in its own
// table and deletes all but the newest keep, so anyone posting them cannot
// grow the database.
func (q queries) RecordStrayCallback(ctx context.Context, c *app.Callback, keep int) error {
	if err := checkCallback(c); err != nil {
		return fmt.Errorf("store: record stray callback: %w", err)
	}
	c.At = q.now()
	err := q.row(ctx, `INSERT INTO stray_callbacks (at, kind, reason, remote_ip, payload) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		formatTime(c.At), c.Kind, c.Reason, c.RemoteIP, c.Payload).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store: record stray callback: %w", mapErr(err))
	}
	if _, err := q.exec(ctx, `DELETE FROM stray_callbacks WHERE id <= ?`, c.ID-int64(keep)); err != nil {
		return fmt.Errorf("store: trim stray callbacks: %w", err)
	}
	return nil
}

// StrayCallbacks returns the kept callbacks that named no payment, newest
// first, for an operator looking into them.
func (q queries) StrayCallbacks(ctx context.Context) ([]app.Callback, error) {
	records, err := queryAll(ctx, q, func(s rowScanner) (app.Callback, error) {
		var (
			c   app.Callback
			at  string
			err error
		)
		if err := s.Scan(&c.ID, &at, &c.Kind, &c.Reason, &c.RemoteIP, &c.Payload); err != nil {
			return app.Callback{}, mapErr(err)
		}
		c.At, err = parseTime(at)
		return c, err
	}, `SELECT id, at, kind, reason, remote_ip, payload FROM stray_callbacks ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: stray callbacks: %w", err)
	}
	return records, nil
}
