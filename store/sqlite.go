package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteIdleConns is how many open connections a pool keeps for the next
// requests.
const sqliteIdleConns = 16

// sqlitePragmas are applied by the driver to every new pool connection, which
// matters because busy_timeout and foreign_keys are per-connection settings.
// _txlock=immediate makes each read-write transaction take the write lock at
// BEGIN, so two read-then-write transactions wait for each other (under
// busy_timeout) instead of failing with SQLITE_BUSY when the second upgrades.
// Read-only transactions still begin deferred. journal_size_limit truncates
// the WAL file back to 64 MiB after a checkpoint, so one big export or
// import does not leave it at its largest size for good. cache_size gives
// each connection 1 MiB of page cache instead of SQLite's 2: a pool keeps
// 16 connections, the pages are in the system's file cache anyway, and at
// 100 000 links the smaller caches took the server's RSS after a mixed load
// from 103 to 97 MB with no loss of speed.
var sqlitePragmas = url.Values{
	"_pragma": {
		"busy_timeout(5000)",
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
		"journal_size_limit(67108864)",
		"cache_size(-1024)",
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
	// database/sql keeps 2 idle connections by default: under a burst of
	// requests every further one was opened, used once and closed, and each
	// opening parses the whole schema again (40 % of a loaded server's CPU).
	// Idle connections are cheap; those a burst left go after a while.
	sqlDB.SetMaxIdleConns(sqliteIdleConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
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
	return newDB(ctx, sqlDB, sqliteDialect)
}

// IntegrityCheck runs SQLite's integrity check and returns an error that
// lists the first problems unless the database reports "ok".
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.d != sqliteDialect {
		return fmt.Errorf("store: integrity check: SQLite's only; PostgreSQL checks its own pages")
	}
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

// Backup writes a consistent copy of the whole database to path (a new
// file) while others keep reading and writing: SQLite's VACUUM INTO reads
// one snapshot, so the copy holds every transaction committed before it
// began and none half-done.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d != sqliteDialect {
		return fmt.Errorf("store: backup: the database is PostgreSQL; back it up with pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s exists; choose a new file", path)
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, mapErr(err))
	}
	return nil
}
