package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"linkdesk/app"
)

// mapErr turns driver errors into the core's: no rows is app.ErrNotFound,
// a unique violation app.ErrConflict, a database that cannot be reached
// app.ErrUnavailable. The original stays in the chain for the log.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return app.ErrNotFound
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %w", app.ErrConflict, err)
	case isUnavailable(err):
		return fmt.Errorf("%w: %w", app.ErrUnavailable, err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isUnavailable reports an error that says the database cannot be reached
// (as opposed to a query it refused): the pages answer 503 and the next
// request tries again.
func isUnavailable(err error) bool {
	var ne net.Error
	var se *sqlite.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.As(err, &ne):
		return true
	case errors.As(err, &se):
		return se.Code() == sqlite3.SQLITE_BUSY || se.Code() == sqlite3.SQLITE_CANTOPEN
	}
	return false
}
