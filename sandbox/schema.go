package sandbox

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
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

func migrations() ([]migration, error) {
	names, err := fs.Glob(schemaFS, "schema/*.sql") // Glob returns names sorted
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	out := make([]migration, 0, len(names))
	for i, name := range names {
		prefix, _, _ := strings.Cut(path.Base(name), "_")
		version, err := strconv.Atoi(prefix)
		if err != nil || version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d as the file name prefix", name, i+1)
		}
		body, err := schemaFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: version, name: name, sql: string(body)})
	}
	return out, nil
}

// backfills fill what a migration's SQL cannot compute, with the same Go code that
// keeps it up to date; each runs right after the SQL file of its version.
var backfills = map[int]func(context.Context, *sql.Tx) error{
	2: backfillSearch,
}

// migrate brings the sandbox_ tables up to the newest embedded schema version.
// It runs in one transaction, so a failed migration leaves the database as it was.
func migrate(ctx context.Context, db *sql.DB) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS sandbox_schema_version (
		id      INTEGER PRIMARY KEY CHECK (id = 1),
		version INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create version table: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO sandbox_schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`); err != nil {
		return fmt.Errorf("migrate: seed version: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM sandbox_schema_version WHERE id = 1`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if current > len(all) {
		return fmt.Errorf("migrate: database schema version %d is newer than this sandbox (%d)", current, len(all))
	}
	for _, m := range all[current:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
		if fill := backfills[m.version]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return fmt.Errorf("migrate: backfill %s: %w", m.name, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sandbox_schema_version SET version = ? WHERE id = 1`, len(all)); err != nil {
		return fmt.Errorf("migrate: store version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
