package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RecordLoginFailure notes one failed login for email (normalised) from ip.
func (db *DB) RecordLoginFailure(ctx context.Context, email, ip string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO login_failures (email, ip, at) VALUES (?, ?, ?)`,
		NormalizeEmail(email), ip, formatTime(db.now()))
	if err != nil {
		return fmt.Errorf("store: record login failure: %w", err)
	}
	return nil
}

// LoginFailures counts the failed logins for email+ip at or after since,
// and returns the oldest of them (zero when there are none), from which the
// caller works out when the throttle window ends.
func (db *DB) LoginFailures(ctx context.Context, email, ip string, since time.Time) (int, time.Time, error) {
	var (
		count  int
		oldest sql.NullString
	)
	err := db.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(at) FROM login_failures
		WHERE email = ? AND ip = ? AND at >= ?`,
		NormalizeEmail(email), ip, formatTime(since)).Scan(&count, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: login failures: %w", err)
	}
	at, err := parseNullTime(oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: login failures: %w", err)
	}
	if at == nil {
		return count, time.Time{}, nil
	}
	return count, *at, nil
}

// ClearLoginFailures forgets the failures for email+ip, after a successful login.
func (db *DB) ClearLoginFailures(ctx context.Context, email, ip string) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM login_failures WHERE email = ? AND ip = ?`, NormalizeEmail(email), ip)
	if err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// PruneLoginFailures deletes failures older than before, so guesses against
// many emails do not grow the table for ever. It returns how many went.
func (db *DB) PruneLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune login failures: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune login failures: %w", err)
	}
	return n, nil
}
