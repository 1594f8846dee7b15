package sandbox

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed schema/*.sql
var schemaFS embed.FS

// migration is one embedded schema file; version is its numeric file-name prefix.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the schema files of fsys in version order. Versions must be unique
// but need not be contiguous: files are numbered on separate branches, so one may reach
// a database before a lower-numbered one exists (README.md, Storage).
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "schema/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("list migrations: no schema/*.sql")
	}
	out := make([]migration, 0, len(names))
	for _, name := range names {
		prefix, _, _ := strings.Cut(path.Base(name), "_")
		version, err := strconv.Atoi(prefix)
		if err != nil || version < 1 {
			return nil, fmt.Errorf("migration %s: want a positive version as the file name prefix", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: version, name: name, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].name, out[i].name, out[i].version)
		}
	}
	return out, nil
}

// backfills fill what a migration's SQL cannot compute, with the same Go code that
// keeps it up to date; each runs right after the schema file it is keyed by.
var backfills = map[string]func(context.Context, *sql.Tx) error{
	"schema/0002_search.sql": backfillSearch,
}

// migrate applies every migration in fsys (schemaFS outside tests) the database lacks,
// in version order, and records each in sandbox_schema_migrations.
// sandbox_schema_version keeps the highest version applied, so a database written by a
// newer sandbox is refused. It runs in one transaction, so a failed migration leaves the
// database as it was.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	all, err := migrations(fsys)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit

	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS sandbox_schema_version (
			id      INTEGER PRIMARY KEY CHECK (id = 1),
			version INTEGER NOT NULL
		)`,
		`INSERT INTO sandbox_schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
		`CREATE TABLE IF NOT EXISTS sandbox_schema_migrations (version INTEGER PRIMARY KEY)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate: prepare version tables: %w", err)
		}
	}
	current, applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	newest := all[len(all)-1].version
	if current > newest {
		return fmt.Errorf("migrate: database schema version %d is newer than this sandbox (%d)", current, newest)
	}
	for v := range applied {
		if !slices.ContainsFunc(all, func(m migration) bool { return m.version == v }) {
			return fmt.Errorf("migrate: database has schema version %d, which this sandbox lacks", v)
		}
	}
	for _, m := range all {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
		if fill := backfills[m.name]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return fmt.Errorf("migrate: backfill %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_schema_migrations (version) VALUES (?)`, m.version); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sandbox_schema_version SET version = ? WHERE id = 1`, newest); err != nil {
		return fmt.Errorf("migrate: store version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// appliedVersions reads the highest version recorded and the set of applied
// migrations. A database from before sandbox_schema_migrations existed applied versions
// 1..current in order, as the loader then required; those are recorded now.
func appliedVersions(ctx context.Context, tx *sql.Tx) (int, map[int]bool, error) {
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM sandbox_schema_version WHERE id = 1`).Scan(&current); err != nil {
		return 0, nil, fmt.Errorf("migrate: read version: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM sandbox_schema_migrations`)
	if err != nil {
		return 0, nil, fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return 0, nil, fmt.Errorf("migrate: read applied migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	if len(applied) == 0 {
		for v := 1; v <= current; v++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_schema_migrations (version) VALUES (?)`, v); err != nil {
				return 0, nil, fmt.Errorf("migrate: record version %d: %w", v, err)
			}
			applied[v] = true
		}
	}
	return current, applied, nil
}
