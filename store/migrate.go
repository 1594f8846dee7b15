package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Each engine has its migrations in migrations/<engine>/NNNN_name.sql. A
// schema change is one file per engine under the same name, so a version
// means the same schema everywhere (a test holds the folders to that).
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files of one engine, named
// NNNN_name.sql, in version order. A .sql file left directly in
// migrations/ (where SQLite's lived before PostgreSQL came) is refused, so
// a misplaced migration fails loudly instead of never running.
func loadMigrations(engine string) ([]migration, error) {
	if stray, _ := fs.Glob(migrationFiles, "migrations/*.sql"); len(stray) > 0 {
		return nil, fmt.Errorf("%s: each migration goes in migrations/sqlite/ with a twin in migrations/postgres/ (see store/dialect.go)", stray[0])
	}
	names, err := fs.Glob(migrationFiles, "migrations/"+engine+"/*.sql")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no migrations for %s", engine)
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		prefix, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version and '_'", name)
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

// migrate applies, in version order, every embedded migration not yet
// recorded in schema_migrations, each in its own transaction together with
// its record. Versions are compared as a set, not by the highest applied,
// so a migration merged with a lower number than one already applied
// still runs. A database holding a version this binary does not know
// (from a newer binary) is refused rather than run against a schema this
// code does not know.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.d.name)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := db.ensureMigrationsTable(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := db.db.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", mapErr(err))
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	known := map[int]bool{}
	for _, m := range ms {
		known[m.version] = true
	}
	for v := range applied {
		if !known[v] {
			return fmt.Errorf("store: migrate: database is at schema version %d, which this binary does not know (it knows up to %d)", v, ms[len(ms)-1].version)
		}
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("store: migrate %s/%s: %w", db.d.name, m.name, mapErr(err))
		}
	}
	return nil
}

// ensureMigrationsTable creates schema_migrations under the migration
// lock: on PostgreSQL two instances creating it at once would collide.
func (db *DB) ensureMigrationsTable(ctx context.Context) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if db.d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.migrationLock); err != nil {
			return mapErr(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return mapErr(err)
	}
	return mapErr(tx.Commit())
}

func (db *DB) applyMigration(ctx context.Context, m migration) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.migrationLock); err != nil {
			return err
		}
	}
	// Another process may have applied it since we looked; the
	// transaction holds the lock, so this check is final.
	var n int
	if err := tx.QueryRowContext(ctx, db.d.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.d.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.version, m.name, formatTime(db.clock())); err != nil {
		return err
	}
	return tx.Commit()
}
