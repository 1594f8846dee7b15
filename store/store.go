// Package store adapts a SQL database to the core's storage interface
// (app.Store): SQLite through the pure-Go modernc.org/sqlite by default, or
// PostgreSQL through pgx for several instances sharing one database.
// Queries are plain SQL with `?` placeholders, rewritten per engine by the
// dialect (dialect.go says how to port one), and nothing engine-specific
// leaves this package: driver errors become the core's ErrNotFound,
// ErrConflict and ErrUnavailable.
//
// Conventions: times are stored as UTC text in a fixed-width RFC 3339 form
// (text order is time order), money as decimal strings with an integer
// copy in millionths where ranges are filtered, and every method takes a
// context first.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"linkdesk/app"
)

// DB is the application's store. Its methods are safe for concurrent use;
// called directly, each stands alone, and InTx groups them.
type DB struct {
	queries
	db *sql.DB
	// pg is the PostgreSQL connection's configuration, for the listening
	// connection of cache invalidations; nil on SQLite.
	pg *pgx.ConnConfig
	// Now returns the current time; tests replace it. Values are stored in UTC.
	Now func() time.Time
}

var _ app.Store = (*DB)(nil)

// queries runs the core's reads and writes on the database or inside one
// transaction; every app.Tx method is defined on it.
type queries struct {
	x     dbtx
	d     *dialect
	now   func() time.Time // the store's clock, in UTC
	stmts *stmtCache       // nil: every query runs unprepared
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.name }

// IsDatabaseURL reports whether database names a PostgreSQL server (a
// postgres:// or postgresql:// URL) rather than nothing, which means the
// SQLite file in the data folder.
func IsDatabaseURL(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// OpenDatabase opens what Linkdesk is configured with: the PostgreSQL
// server at database when it is a URL, else the SQLite file linkdesk.db in
// dataDir; either way with every migration applied.
func OpenDatabase(ctx context.Context, database, dataDir string) (*DB, error) {
	switch {
	case database == "":
		return Open(ctx, filepath.Join(dataDir, "linkdesk.db"))
	case IsDatabaseURL(database):
		return OpenPostgres(ctx, database)
	}
	return nil, errors.New("store: the database must be a postgres:// URL, or empty for SQLite in the data folder")
}

// newDB wraps an open pool in the engine's dialect and migrates it.
func newDB(ctx context.Context, sqlDB *sql.DB, d *dialect) (*DB, error) {
	db := &DB{db: sqlDB, Now: time.Now}
	db.queries = queries{x: sqlDB, d: d, now: db.clock}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if d.cacheStmts { // after the migrations, whose statements run once
		db.stmts = newStmtCache(sqlDB)
	}
	return db, nil
}

// clock reads the Now field on every call, so a test may replace it after
// Open.
func (db *DB) clock() time.Time { return db.Now().UTC() }

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.close()
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", mapErr(err))
	}
	return nil
}

// InTx runs fn in one read-write transaction, committing when fn returns
// nil and rolling back otherwise. PostgreSQL may end a transaction that
// collided with another (a deadlock, a serialisation failure) for it to be
// tried again: fn then runs again, up to txAttempts times in all.
func (db *DB) InTx(ctx context.Context, fn func(tx app.Tx) error) error {
	var err error
	for range txAttempts {
		if err = db.inTx(ctx, fn); !isRetryable(err) {
			return err
		}
	}
	return err
}

// txAttempts is how many times InTx runs a transaction that collided.
const txAttempts = 3

func (db *DB) inTx(ctx context.Context, fn func(tx app.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapErr(err))
	}
	// Deferred, so that a panic in fn ends the transaction too instead of
	// leaving it holding its locks (SQLite's write lock) for good; after a
	// commit it does nothing.
	defer tx.Rollback()
	if err := fn(queries{x: tx, d: db.d, now: db.clock, stmts: db.stmts}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	return nil
}

// inReadTx runs fn in a read-only transaction, so a page and its total
// count come from the same snapshot.
func (q queries) inReadTx(ctx context.Context, fn func(q queries) error) error {
	return q.inTx(ctx, q.d.readTx, fn)
}

// inWriteTx runs fn in one read-write transaction.
func (q queries) inWriteTx(ctx context.Context, fn func(q queries) error) error {
	return q.inTx(ctx, nil, fn)
}

// inTx runs fn in a transaction begun with opts, or in the transaction q
// is already part of (its snapshot and its writes will do).
func (q queries) inTx(ctx context.Context, opts *sql.TxOptions, fn func(q queries) error) error {
	db, ok := q.x.(*sql.DB)
	if !ok {
		return fn(q)
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(queries{x: tx, d: q.d, now: q.now, stmts: q.stmts}); err != nil {
		return err
	}
	return mapErr(tx.Commit())
}

// timeLayout is RFC 3339 with a fixed nine-digit fraction. RFC3339Nano trims
// trailing zeros, which would make text order differ from time order
// ("…:05Z" sorts after "…:05.5Z").
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func nullTime(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(*t), Valid: true}
}

// where collects the conditions of a filtered query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// timeRange adds from <= col < to, each bound only when set.
func (w *where) timeRange(col string, from, to time.Time) {
	if !from.IsZero() {
		w.add(col+" >= ?", formatTime(from))
	}
	if !to.IsZero() {
		w.add(col+" < ?", formatTime(to))
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page clamps a requested limit and offset to sane values.
func page(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = app.DefaultPageSize
	}
	return min(limit, app.MaxPageSize), max(offset, 0)
}

// rowScanner is what row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

// queryEach runs query and calls fn with each scanned row, stopping at the
// first error from the query, the scan or fn.
func queryEach[T any](ctx context.Context, q queries, scan func(rowScanner) (T, error), fn func(T) error, query string, args ...any) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// queryAll is queryEach collecting the rows into a slice.
func queryAll[T any](ctx context.Context, q queries, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	var all []T
	err := queryEach(ctx, q, scan, func(v T) error {
		all = append(all, v)
		return nil
	}, query, args...)
	return all, err
}

// query runs a query returning rows and maps driver errors.
func (q queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	text := q.d.rebind(query)
	var rows *sql.Rows
	var err error
	if stmt := q.prepared(ctx, text); stmt != nil {
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = q.x.QueryContext(ctx, text, args...)
	}
	return rows, mapErr(err)
}

// exec runs a write and maps driver errors.
func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	text := q.d.rebind(query)
	var res sql.Result
	var err error
	if stmt := q.prepared(ctx, text); stmt != nil {
		res, err = stmt.ExecContext(ctx, args...)
	} else {
		res, err = q.x.ExecContext(ctx, text, args...)
	}
	return res, mapErr(err)
}

// execOne runs an update that must hit exactly one row; zero rows is
// ErrNotFound.
func (q queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return app.ErrNotFound
	}
	return nil
}

// row runs a single-row query.
func (q queries) row(ctx context.Context, query string, args ...any) row {
	if err := checkArgs(args); err != nil {
		return row{err: err}
	}
	text := q.d.rebind(query)
	if stmt := q.prepared(ctx, text); stmt != nil {
		return row{r: stmt.QueryRowContext(ctx, args...)}
	}
	return row{r: q.x.QueryRowContext(ctx, text, args...)}
}

// Lock takes the named lock row until the transaction ends. An upsert
// locks a row on any engine (SQLite's immediate transactions hold the
// database's write lock anyway), so transactions taking one name queue.
func (q queries) Lock(ctx context.Context, name string) error {
	_, err := q.exec(ctx, `INSERT INTO locks (name, n) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET n = locks.n + 1`, name)
	if err != nil {
		return fmt.Errorf("store: lock %s: %w", name, err)
	}
	return nil
}
