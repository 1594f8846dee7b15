package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
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
	case errors.Is(err, app.ErrUnavailable), errors.Is(err, app.ErrConflict), errors.Is(err, app.ErrBadText):
		return err // mapped already
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %w", app.ErrConflict, err)
	case isUnavailable(err):
		return fmt.Errorf("%w: %w", app.ErrUnavailable, err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &se):
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	case errors.As(err, &pe):
		return pe.Code == "23505" // unique_violation
	}
	return false
}

// isUnavailable reports an error that says the database cannot be reached
// (as opposed to a query it refused): the pages answer 503 and the next
// request tries again.
func isUnavailable(err error) bool {
	var (
		ne net.Error
		se *sqlite.Error
		pe *pgconn.PgError
		ce *pgconn.ConnectError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, sql.ErrConnDone), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne), errors.As(err, &ce), pgconn.Timeout(err):
		return true
	case errors.As(err, &se):
		return se.Code() == sqlite3.SQLITE_BUSY || se.Code() == sqlite3.SQLITE_CANTOPEN
	case errors.As(err, &pe):
		// Class 08: connection exceptions; 57P01-57P03: the server shutting
		// down, crashed or starting; 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	// pgx reports a connection it lost mid-statement in words only.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "conn busy")
}

// isRetryable reports a PostgreSQL transaction ended so that it may be run
// again: a serialisation failure or a deadlock.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
