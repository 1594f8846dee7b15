package store

import (
	"context"
	"fmt"
)

// Setting returns the value stored under key, or app.ErrNotFound.
func (q queries) Setting(ctx context.Context, key string) (string, error) {
	var value string
	if err := q.row(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value); err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, mapErr(err))
	}
	return value, nil
}

// InitSetting stores value under key unless a value is there already, so
// instances starting at once all keep the first one stored.
func (q queries) InitSetting(ctx context.Context, key, value string) error {
	_, err := q.exec(ctx, `INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO NOTHING`, key, value, formatTime(q.now()))
	if err != nil {
		return fmt.Errorf("store: init setting %s: %w", key, err)
	}
	return nil
}
