package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what a user may do in the dashboard.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"
	RoleStaff  Role = "staff"
	RoleViewer Role = "viewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleStaff, RoleViewer:
		return true
	}
	return false
}

// ParseRole parses a role name, ignoring case and surrounding space.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", invalidf("unknown role %q (want owner, staff or viewer)", s)
	}
	return r, nil
}

// User is a person with a dashboard account. Users are never deleted, only
// disabled, so audit events and payments keep pointing at them.
type User struct {
	ID           int64
	Email        string // stored lower-case and trimmed
	Name         string
	Role         Role
	PasswordHash []byte
	Disabled     bool
	// SessionEpoch is copied into a user's sessions at login; it is bumped
	// on a password change or disable, which invalidates every older
	// session. It starts at 1, so a session without one never matches.
	SessionEpoch int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NormalizeEmail is the form emails are stored and looked up in.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

const userColumns = `id, email, name, role, password_hash, disabled, session_epoch, created_at, updated_at`

func scanUser(s rowScanner) (User, error) {
	var (
		u                    User
		createdAt, updatedAt string
		err                  error
	)
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &u.SessionEpoch, &createdAt, &updatedAt); err != nil {
		return User{}, err
	}
	if u.CreatedAt, err = parseTime(createdAt); err != nil {
		return User{}, err
	}
	if u.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return User{}, err
	}
	return u, nil
}

// prepareNewUser normalises u and checks the invariants of a new user.
func (db *DB) prepareNewUser(u *User) error {
	u.Email = NormalizeEmail(u.Email)
	if u.Email == "" || !strings.Contains(u.Email, "@") {
		return invalidf("email %q", u.Email)
	}
	if !u.Role.Valid() {
		return invalidf("unknown role %q", u.Role)
	}
	if len(u.PasswordHash) == 0 {
		return invalidf("empty password hash")
	}
	now := db.now()
	u.CreatedAt, u.UpdatedAt = now, now
	u.SessionEpoch = 1
	return nil
}

// CreateUser adds u and sets its ID, SessionEpoch and times. A duplicate
// email is an ErrConflict.
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	if err := db.prepareNewUser(u); err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	err := db.db.QueryRowContext(ctx, `INSERT INTO users
		(email, name, role, password_hash, disabled, session_epoch, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.Role, u.PasswordHash, u.Disabled, u.SessionEpoch,
		formatTime(u.CreatedAt), formatTime(u.UpdatedAt)).Scan(&u.ID)
	if err != nil {
		return fmt.Errorf("store: create user %s: %w", u.Email, mapErr(err))
	}
	return nil
}

// CreateFirstOwner creates u as an owner only while there are no users at
// all, in one statement, so two concurrent first-run setups cannot both
// succeed. Otherwise it returns ErrConflict. An empty Role means owner.
func (db *DB) CreateFirstOwner(ctx context.Context, u *User) error {
	if u.Role == "" {
		u.Role = RoleOwner
	}
	if u.Role != RoleOwner {
		return fmt.Errorf("store: create first owner: %w", invalidf("role %q, want owner", u.Role))
	}
	if err := db.prepareNewUser(u); err != nil {
		return fmt.Errorf("store: create first owner: %w", err)
	}
	err := db.db.QueryRowContext(ctx, `INSERT INTO users
		(email, name, role, password_hash, disabled, session_epoch, created_at, updated_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id`,
		u.Email, u.Name, u.Role, u.PasswordHash, u.Disabled, u.SessionEpoch,
		formatTime(u.CreatedAt), formatTime(u.UpdatedAt)).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: create first owner: %w: users already exist", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create first owner: %w", mapErr(err))
	}
	return nil
}

// UserByID returns the user with id, or ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(db.userByID.QueryRowContext(ctx, id))
	if err != nil {
		return nil, fmt.Errorf("store: user %d: %w", id, mapErr(err))
	}
	return &u, nil
}

// UserByEmail returns the user with email (compared normalised), or ErrNotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	email = NormalizeEmail(email)
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if err != nil {
		return nil, fmt.Errorf("store: user %s: %w", email, mapErr(err))
	}
	return &u, nil
}

// ListUsers returns every user, ordered by email.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	users, err := queryAll(ctx, db.db, scanUser, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// CountUsers returns how many users exist, disabled ones included.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// UpdateUserRole changes a user's role. Demoting the last enabled owner is
// refused with ErrLastOwner.
func (db *DB) UpdateUserRole(ctx context.Context, id int64, role Role) error {
	defer db.usersChanged()
	if !role.Valid() {
		return fmt.Errorf("store: update role of user %d: %w", id, invalidf("unknown role %q", role))
	}
	err := db.updateUserKeepingOwner(ctx,
		`UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, formatTime(db.now()), id)
	if err != nil {
		return fmt.Errorf("store: update role of user %d: %w", id, err)
	}
	return nil
}

// SetUserDisabled disables or re-enables a user. Disabling bumps the
// session epoch, ending the user's sessions; disabling the last enabled
// owner is refused with ErrLastOwner.
func (db *DB) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	defer db.usersChanged()
	query := `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`
	if disabled {
		query = `UPDATE users SET disabled = ?, updated_at = ?, session_epoch = session_epoch + 1 WHERE id = ?`
	}
	if err := db.updateUserKeepingOwner(ctx, query, disabled, formatTime(db.now()), id); err != nil {
		return fmt.Errorf("store: set user %d disabled=%t: %w", id, disabled, err)
	}
	return nil
}

// updateUserKeepingOwner runs an update of one user and rolls it back when
// it took away the last enabled owner. Counting before and after, inside
// the write transaction, makes the check and the change one atomic step.
func (db *DB) updateUserKeepingOwner(ctx context.Context, query string, args ...any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := countEnabledOwners(ctx, tx)
		if err != nil {
			return err
		}
		if err := execOne(ctx, tx, query, args...); err != nil {
			return err
		}
		after, err := countEnabledOwners(ctx, tx)
		if err != nil {
			return err
		}
		if before > 0 && after == 0 {
			return ErrLastOwner
		}
		return nil
	})
}

func countEnabledOwners(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND disabled = ?`, RoleOwner, false).Scan(&n)
	return n, err
}

// SetPassword replaces a user's password hash and bumps the session epoch,
// so every existing session of that user ends.
func (db *DB) SetPassword(ctx context.Context, id int64, hash []byte) error {
	defer db.usersChanged()
	if len(hash) == 0 {
		return fmt.Errorf("store: set password of user %d: %w", id, invalidf("empty password hash"))
	}
	err := execOne(ctx, db.db, `UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?`,
		hash, formatTime(db.now()), id)
	if err != nil {
		return fmt.Errorf("store: set password of user %d: %w", id, err)
	}
	return nil
}

// execer is what *sql.DB and *sql.Tx have in common for writes.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// execOne runs an update that must hit exactly one row; zero rows is ErrNotFound.
func execOne(ctx context.Context, e execer, query string, args ...any) error {
	res, err := e.ExecContext(ctx, query, args...)
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// UsersVersion changes after every change to an existing user (role,
// disabled, password, name). Callers that keep users in memory compare it
// to know their copy is still current; read it before reading the user.
func (db *DB) UsersVersion() uint64 { return db.usersVersion.Load() }

// usersChanged runs after a user write, successful or not, so a reader that
// raced with the write re-reads.
func (db *DB) usersChanged() { db.usersVersion.Add(1) }
