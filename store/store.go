// Package store is Linkdesk's persistence: the one place that opens the
// SQLite database (modernc.org/sqlite, pure Go). Queries are plain SQL with
// `?` placeholders so that a PostgreSQL adapter can follow; the only
// SQLite-specific parts are the connection pragmas and the schema's triggers.
//
// Conventions: times are stored as UTC text in a fixed-width RFC 3339 form,
// money as decimal strings, and every method takes a context first.
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
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is the application's store. Its methods are safe for concurrent use.
type DB struct {
	db *sql.DB
	// userByID runs on every signed-in request; preparing it once saves
	// SQLite a parse and plan each time.
	userByID *sql.Stmt
	// usersVersion counts changes to existing users; see UsersVersion.
	usersVersion atomic.Uint64
	// Now returns the current time; tests replace it. Values are stored in UTC.
	Now func() time.Time
}

// sqlitePragmas are applied by the driver to every new pool connection, which
// matters because busy_timeout and foreign_keys are per-connection settings.
// _txlock=immediate makes each read-write transaction take the write lock at
// BEGIN, so two read-then-write transactions wait for each other (under
// busy_timeout) instead of failing with SQLITE_BUSY when the second upgrades.
// Read-only transactions still begin deferred.
var sqlitePragmas = url.Values{
	"_pragma": {
		"busy_timeout(5000)",
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
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
		return nil, fmt.Errorf("store: open %q: %w", path, invalidf("want a plain file path"))
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

// Open opens the database at path and applies any pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	sqlDB, err := OpenSQLite(path)
	if err != nil {
		return nil, err
	}
	db := &DB{db: sqlDB, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if db.userByID, err = sqlDB.PrepareContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.userByID != nil {
		db.userByID.Close()
	}
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
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

// now returns the injected clock's time in UTC (which also drops the
// monotonic reading, so values compare equal after a round trip).
func (db *DB) now() time.Time {
	return db.Now().UTC()
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
	return db.inTx(ctx, func(tx *sql.Tx) error {
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
		_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, formatTime(db.now()))
		return err
	})
}

// inTx runs fn in a read-write transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// inReadTx runs fn in a read-only transaction, so a page and its total
// count come from the same snapshot.
func (db *DB) inReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// timeLayout is RFC 3339 with a fixed nine-digit fraction. RFC3339Nano trims
// trailing zeros, which would make text order differ from time order
// ("…:05Z" sorts after "…:05.5Z").
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

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

const (
	// DefaultPageSize is the page size of a list whose Limit is 0.
	DefaultPageSize = 50
	// MaxPageSize caps a list's Limit.
	MaxPageSize = 500
)

// page clamps a requested limit and offset to sane values.
func page(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	return min(limit, MaxPageSize), max(offset, 0)
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

// querier is what *sql.DB and *sql.Tx have in common for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryEach runs query and calls fn with each scanned row, stopping at the
// first error from the query, the scan or fn.
func queryEach[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), fn func(T) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
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
	return rows.Err()
}

// queryAll is queryEach collecting the rows into a slice.
func queryAll[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	var all []T
	err := queryEach(ctx, q, scan, func(v T) error {
		all = append(all, v)
		return nil
	}, query, args...)
	return all, err
}
