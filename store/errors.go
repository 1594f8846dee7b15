package store

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors callers branch on with errors.Is. Store errors wrap them with
// context, e.g. "store: user 7: not found".
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with existing data or state:
	// a duplicate unique value, or a transition the current state forbids.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input breaks an invariant the store enforces
	// (an unknown role, a non-positive amount, …). Handlers validate for
	// the user first; this is the last line.
	ErrInvalid = errors.New("invalid input")
	// ErrLastOwner means the change would leave no enabled owner, which
	// would lock everyone out of user management. It is an ErrConflict.
	ErrLastOwner = fmt.Errorf("%w: it would leave no enabled owner", ErrConflict)
)

// mapErr turns driver errors into the store's sentinel errors, keeping the
// original in the chain.
func mapErr(err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// invalidf returns an ErrInvalid with a reason.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
