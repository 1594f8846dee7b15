// Package store adapts a SQL database to the core's storage interface
// (app.Store): SQLite through the pure-Go modernc.org/sqlite by default.
// Queries are plain SQL with `?` placeholders, rewritten per engine, and
// nothing engine-specific leaves this package: driver errors become the
// core's ErrNotFound, ErrConflict and ErrUnavailable.
//
// Conventions: times are stored as UTC text in a fixed-width RFC 3339 form
// (text order is time order), money as decimal strings with an integer
// copy in millionths where ranges are filtered, and every method takes a
// context first.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"linkdesk/app"
)

// DB is the application's store. Its methods are safe for concurrent use;
// called directly, each stands alone, and InTx groups them.
type DB struct {
	queries
	db *sql.DB
	// Now returns the current time; tests replace it. Values are stored in UTC.
	Now func() time.Time
}

var _ app.Store = (*DB)(nil)

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries runs the core's reads and writes on the database or inside one
// transaction; every app.Tx method is defined on it.
type queries struct {
	x   dbtx
	now func() time.Time // the store's clock, in UTC
}

// sqlitePragmas are applied by the driver to every new pool connection, which
// matters because busy_timeout and foreign_keys are per-connection settings.
// _txlock=immediate makes each read-write transaction take the write lock at
// BEGIN, so two read-then-write transactions wait for each other (under
// busy_timeout) instead of failing with SQLITE_BUSY when the second upgrades.
// Read-only transactions still begin deferred. journal_size_limit truncates
// the WAL file back to 64 MiB after a checkpoint, so one big export or
// import does not leave it at its largest size for good.
var sqlitePragmas = url.Values{
	"_pragma": {
		"busy_timeout(5000)",
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
		"journal_size_limit(67108864)",
	},
	"_txlock": {"immediate"},
}.Encode()

// OpenSQLite opens the SQLite database file at path with Linkdesk's pragmas
// (WAL, busy_timeout 5000 ms, foreign keys, synchronous NORMAL), creating
// the parent directory and the file (mode 0600, as it holds session keys)
// when missing. It runs no migrations: main also uses it for the sandbox's
// own database file.
//
// In-memory databases are refused: each pool connection would get its own.
func OpenSQLite(path string) (*sql.DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store: open %q: want a plain file path (in-memory databases are per connection)", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	// SQLite gives the -wal and -shm files the database file's mode, so
	// creating it owner-only here keeps all three private.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	sqlDB, err := sql.Open("sqlite", path+"?"+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	// Ping opens the first connection, so a bad file or pragma fails here.
	if err := sqlDB.Ping(); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	return sqlDB, nil
}

// Open opens the SQLite database at path and applies any pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	sqlDB, err := OpenSQLite(path)
	if err != nil {
		return nil, err
	}
	db := &DB{db: sqlDB, Now: time.Now}
	db.queries = queries{x: sqlDB, now: db.clock}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// clock reads the Now field on every call, so a test may replace it after
// Open.
func (db *DB) clock() time.Time { return db.Now().UTC() }

// Close closes the database.
func (db *DB) Close() error {
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
// nil and rolling back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx app.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapErr(err))
	}
	// Deferred, so that a panic in fn ends the transaction too instead of
	// leaving it holding its locks (SQLite's write lock) for good; after a
	// commit it does nothing.
	defer tx.Rollback()
	if err := fn(queries{x: tx, now: db.clock}); err != nil {
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
	db, ok := q.x.(*sql.DB)
	if !ok { // already inside a transaction: its snapshot will do
		return fn(q)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if err := fn(queries{x: tx, now: q.now}); err != nil {
		return err
	}
	return tx.Commit()
}

// IntegrityCheck runs SQLite's integrity check and returns an error that
// lists the first problems unless the database reports "ok".
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, "PRAGMA integrity_check(10)")
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: integrity check: %w", err)
		}
		problems = append(problems, line)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	return fmt.Errorf("store: integrity check failed: %s", strings.Join(problems, "; "))
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files named NNNN_name.sql, in version order.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		prefix, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version and '_'", base)
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, base, version)
		}
		seen[version] = base
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: version, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies, in order, every embedded migration not yet recorded in
// schema_migrations, each in its own transaction together with its record.
// A database from a newer binary (an unknown higher version) is refused
// rather than run against a schema this code does not know.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	if err := db.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("store: migrate: database is at schema version %d, this binary knows up to %d", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, m migration) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have applied it since we looked; the
	// transaction holds the write lock, so this check is final.
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, formatTime(db.clock())); err != nil {
		return err
	}
	return tx.Commit()
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

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

// queryEach runs query and calls fn with each scanned row, stopping at the
// first error from the query, the scan or fn.
func queryEach[T any](ctx context.Context, q queries, scan func(rowScanner) (T, error), fn func(T) error, query string, args ...any) error {
	rows, err := q.x.QueryContext(ctx, query, args...)
	if err != nil {
		return mapErr(err)
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

// exec runs a write and maps driver errors.
func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.x.ExecContext(ctx, query, args...)
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
func (q queries) row(ctx context.Context, query string, args ...any) *sql.Row {
	return q.x.QueryRowContext(ctx, query, args...)
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

// Backup writes a consistent copy of the whole database to path (a new
// file) while others keep reading and writing: SQLite's VACUUM INTO reads
// one snapshot, so the copy holds every transaction committed before it
// began and none half-done.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s exists; choose a new file", path)
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, mapErr(err))
	}
	return nil
}
