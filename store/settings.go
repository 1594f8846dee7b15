package store

import (
	"context"
	"fmt"
)

// Setting returns the value stored under key, or ErrNotFound.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var value string
	if err := db.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value); err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, mapErr(err))
	}
	return value, nil
}

// SettingOrInit returns the value stored under key, storing gen()'s result
// first when there is none. When several callers race (two instances
// starting at once), all of them get the one value that was stored first.
// gen may be called even though its value is then discarded.
func (db *DB) SettingOrInit(ctx context.Context, key string, gen func() (string, error)) (string, error) {
	value, err := db.Setting(ctx, key)
	if err == nil {
		return value, nil
	}
	generated, err := gen()
	if err != nil {
		return "", fmt.Errorf("store: init setting %s: %w", key, err)
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO NOTHING`, key, generated, formatTime(db.now()))
	if err != nil {
		return "", fmt.Errorf("store: init setting %s: %w", key, err)
	}
	return db.Setting(ctx, key)
}
