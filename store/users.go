package store

import (
	"context"
	"fmt"
	"time"

	"linkdesk/app"
)

const userColumns = `id, email, name, role, password_hash, disabled, created_at, updated_at`

func scanUser(s rowScanner) (app.User, error) {
	var (
		u                    app.User
		createdAt, updatedAt string
		err                  error
	)
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &createdAt, &updatedAt); err != nil {
		return app.User{}, mapErr(err)
	}
	if u.CreatedAt, err = parseTime(createdAt); err != nil {
		return app.User{}, err
	}
	if u.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return app.User{}, err
	}
	return u, nil
}

// checkUser is the store's last line for a user's invariants; the core
// validates for people first.
func checkUser(u *app.User) error {
	switch {
	case u.Email == "" || u.Email != app.NormalizeEmail(u.Email):
		return fmt.Errorf("email %q is not normalised", u.Email)
	case !u.Role.Valid():
		return fmt.Errorf("unknown role %q", u.Role)
	case len(u.PasswordHash) == 0:
		return fmt.Errorf("empty password hash")
	}
	return nil
}

// CreateUser adds u and sets its ID and times. A taken e-mail is an
// app.ErrConflict.
func (q queries) CreateUser(ctx context.Context, u *app.User) error {
	u.Email = app.NormalizeEmail(u.Email)
	if err := checkUser(u); err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	now := q.now()
	u.CreatedAt, u.UpdatedAt = now, now
	err := q.row(ctx, `INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.Role, u.PasswordHash, u.Disabled, formatTime(now), formatTime(now)).Scan(&u.ID)
	if err != nil {
		return fmt.Errorf("store: create user %s: %w", u.Email, mapErr(err))
	}
	return nil
}

// UpdateUser stores u's name, role, disabled flag and password hash.
func (q queries) UpdateUser(ctx context.Context, u *app.User) error {
	if err := checkUser(u); err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	u.UpdatedAt = q.now()
	err := q.execOne(ctx, `UPDATE users SET name = ?, role = ?, password_hash = ?, disabled = ?, updated_at = ? WHERE id = ?`,
		u.Name, u.Role, u.PasswordHash, u.Disabled, formatTime(u.UpdatedAt), u.ID)
	if err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	return nil
}

// UserByID returns the user with id, or app.ErrNotFound.
func (q queries) UserByID(ctx context.Context, id int64) (*app.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: user %d: %w", id, err)
	}
	return &u, nil
}

// UserByEmail returns the user with email (compared normalised), or app.ErrNotFound.
func (q queries) UserByEmail(ctx context.Context, email string) (*app.User, error) {
	email = app.NormalizeEmail(email)
	u, err := scanUser(q.row(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if err != nil {
		return nil, fmt.Errorf("store: user by e-mail: %w", err)
	}
	return &u, nil
}

// ListUsers returns every user, ordered by e-mail.
func (q queries) ListUsers(ctx context.Context) ([]app.User, error) {
	users, err := queryAll(ctx, q, scanUser, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// CountUsers returns how many users exist, disabled ones included.
func (q queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := q.row(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", mapErr(err))
	}
	return n, nil
}

// CountEnabledOwners returns how many enabled owners exist.
func (q queries) CountEnabledOwners(ctx context.Context) (int, error) {
	var n int
	if err := q.row(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND disabled = ?`, app.RoleOwner, false).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count owners: %w", mapErr(err))
	}
	return n, nil
}

const sessionColumns = `id, user_id, created_at, seen_at, ip`

// CreateSession stores a new session.
func (q queries) CreateSession(ctx context.Context, s *app.Session) error {
	_, err := q.exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.UserID, formatTime(s.CreatedAt), formatTime(s.SeenAt), s.IP)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByID returns a session, or app.ErrNotFound.
func (q queries) SessionByID(ctx context.Context, id string) (*app.Session, error) {
	var (
		s             app.Session
		created, seen string
		err           error
	)
	if err := q.row(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.UserID, &created, &seen, &s.IP); err != nil {
		return nil, fmt.Errorf("store: session: %w", mapErr(err))
	}
	if s.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if s.SeenAt, err = parseTime(seen); err != nil {
		return nil, err
	}
	return &s, nil
}

// TouchSession records when a session was last used.
func (q queries) TouchSession(ctx context.Context, id string, seen time.Time) error {
	if err := q.execOne(ctx, `UPDATE sessions SET seen_at = ? WHERE id = ?`, formatTime(seen), id); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session; an unknown one is app.ErrNotFound.
func (q queries) DeleteSession(ctx context.Context, id string) error {
	if err := q.execOne(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user but keep.
func (q queries) DeleteUserSessions(ctx context.Context, userID int64, keep string) error {
	if _, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keep); err != nil {
		return fmt.Errorf("store: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteStaleSessions deletes sessions idle since seenBefore or begun
// before createdBefore, and says how many went.
func (q queries) DeleteStaleSessions(ctx context.Context, seenBefore, createdBefore time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE seen_at < ? OR created_at < ?`, formatTime(seenBefore), formatTime(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("store: prune sessions: %w", err)
	}
	return res.RowsAffected()
}

// CountLoginAttempt counts one attempt for email and ip in a single
// statement (an upsert that returns the new count), so parallel attempts
// each see their own count: the fifth wrong guess is the fifth whatever
// their timing. A window that began before windowStart starts again.
func (q queries) CountLoginAttempt(ctx context.Context, email, ip string, windowStart time.Time) (app.LoginAttempts, error) {
	now, start := formatTime(q.now()), formatTime(windowStart)
	var (
		a     app.LoginAttempts
		first string
	)
	err := q.row(ctx, `INSERT INTO login_throttle (email, ip, attempts, first_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (email, ip) DO UPDATE SET
			attempts = CASE WHEN login_throttle.first_at < ? THEN 1 ELSE login_throttle.attempts + 1 END,
			first_at = CASE WHEN login_throttle.first_at < ? THEN ? ELSE login_throttle.first_at END
		RETURNING attempts, first_at`,
		app.NormalizeEmail(email), ip, now, start, start, now).Scan(&a.Count, &first)
	if err != nil {
		return a, fmt.Errorf("store: count login attempt: %w", mapErr(err))
	}
	a.FirstAt, err = parseTime(first)
	return a, err
}

// ClearLoginAttempts forgets the attempts of email and ip, after a
// successful sign-in.
func (q queries) ClearLoginAttempts(ctx context.Context, email, ip string) error {
	if _, err := q.exec(ctx, `DELETE FROM login_throttle WHERE email = ? AND ip = ?`, app.NormalizeEmail(email), ip); err != nil {
		return fmt.Errorf("store: clear login attempts: %w", err)
	}
	return nil
}

// PruneLoginAttempts deletes windows that began before before, so guesses
// against many e-mails do not grow the table for ever.
func (q queries) PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM login_throttle WHERE first_at < ?`, formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune login attempts: %w", err)
	}
	return res.RowsAffected()
}
