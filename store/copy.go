package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CopyReport is what CopyInto moved: rows per table, in copy order, and
// how many text values held bytes PostgreSQL cannot store (not UTF-8, or
// NUL) and were stored with those bytes replaced by U+FFFD.
type CopyReport struct {
	Tables   []TableCount
	Repaired int
}

// TableCount is one table's copied rows.
type TableCount struct {
	Table string
	Rows  int64
}

// copyBatch is how many rows one INSERT carries.
const copyBatch = 200

// CopyInto copies every row of this SQLite database into dst, an empty
// PostgreSQL database at the same schema version, in one transaction:
// either everything is there afterwards or nothing is. Tables are copied
// whole, whatever they are (a table a later migration adds needs no change
// here), parents before the tables referring to them, keeping their ids;
// each identity sequence then continues after the highest id copied.
// Sessions and the generated cookie key come along, so people stay signed
// in across the move.
func (db *DB) CopyInto(ctx context.Context, dst *DB) (*CopyReport, error) {
	if db.d != sqliteDialect || dst.d != postgresDialect {
		return nil, errors.New("store: copy: from SQLite into PostgreSQL only")
	}
	src, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", mapErr(err))
	}
	defer src.Rollback()
	if err := sameVersions(ctx, src, dst.db); err != nil {
		return nil, err
	}
	tables, err := sqliteTables(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", mapErr(err))
	}
	defer tx.Rollback()
	rep := &CopyReport{}
	for _, table := range tables {
		n, err := copyTable(ctx, src, tx, table, &rep.Repaired)
		if err != nil {
			return nil, fmt.Errorf("store: copy %s: %w", table, mapErr(err))
		}
		rep.Tables = append(rep.Tables, TableCount{Table: table, Rows: n})
	}
	if err := restartSequences(ctx, tx); err != nil {
		return nil, fmt.Errorf("store: copy: sequences: %w", mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: copy: commit: %w", mapErr(err))
	}
	return rep, nil
}

// sameVersions refuses to copy between schemas of different versions.
func sameVersions(ctx context.Context, src *sql.Tx, dst *sql.DB) error {
	read := func(x interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) (string, error) {
		rows, err := x.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var vs []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return "", err
			}
			vs = append(vs, v)
		}
		return strings.Join(vs, ","), rows.Err()
	}
	a, err := read(src)
	if err != nil {
		return fmt.Errorf("store: copy: %w", err)
	}
	b, err := read(dst)
	if err != nil {
		return fmt.Errorf("store: copy: %w", mapErr(err))
	}
	if a != b {
		return fmt.Errorf("store: copy: schema versions differ (SQLite %s, PostgreSQL %s)", a, b)
	}
	return nil
}

// sqliteTables lists the data tables, each after the tables it refers to.
func sqliteTables(ctx context.Context, src *sql.Tx) ([]string, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	parents := map[string][]string{}
	for _, n := range names {
		refs, err := src.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, n)
		if err != nil {
			return nil, err
		}
		for refs.Next() {
			var p string
			if err := refs.Scan(&p); err != nil {
				refs.Close()
				return nil, err
			}
			if p != n {
				parents[n] = append(parents[n], p)
			}
		}
		refs.Close()
	}
	var order []string
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		if slices.Contains(order, n) {
			return nil
		}
		if slices.Contains(path, n) {
			return fmt.Errorf("foreign keys loop through %s", strings.Join(append(path, n), " → "))
		}
		for _, p := range parents[n] {
			if err := visit(p, append(path, n)); err != nil {
				return err
			}
		}
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// copyTable copies one table's rows in batches and returns how many.
func copyTable(ctx context.Context, src *sql.Tx, dst *sql.Tx, table string, repaired *int) (int64, error) {
	types, err := postgresColumns(ctx, dst, table)
	if err != nil {
		return 0, err
	}
	rows, err := src.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY rowid`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	for _, c := range cols {
		if _, ok := types[c]; !ok {
			return 0, fmt.Errorf("column %s is not in PostgreSQL's table", c)
		}
	}
	if len(cols) != len(types) {
		return 0, fmt.Errorf("SQLite has %d columns, PostgreSQL %d", len(cols), len(types))
	}
	var (
		n     int64
		batch []any
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rowCount := len(batch) / len(cols)
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		query := `INSERT INTO "` + table + `" ("` + strings.Join(cols, `", "`) + `") VALUES ` +
			strings.TrimSuffix(strings.Repeat(one+", ", rowCount), ", ")
		if _, err := dst.ExecContext(ctx, postgresDialect.rebind(query), batch...); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, c := range cols {
			vals[i] = convertValue(vals[i], types[c], repaired)
		}
		batch = append(batch, vals...)
		n++
		if n%copyBatch == 0 {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, flush()
}

// postgresColumns maps a table's columns to their PostgreSQL data types.
func postgresColumns(ctx context.Context, dst *sql.Tx, table string) (map[string]string, error) {
	rows, err := dst.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		types[name] = typ
	}
	if len(types) == 0 && rows.Err() == nil {
		return nil, errors.New("no such table in PostgreSQL")
	}
	return types, rows.Err()
}

// convertValue turns a value as SQLite stores it into what the
// PostgreSQL column takes: 0/1 into a boolean, and text with bytes
// PostgreSQL refuses into valid text (counted in repaired).
func convertValue(v any, pgType string, repaired *int) any {
	switch x := v.(type) {
	case int64:
		if pgType == "boolean" {
			return x != 0
		}
	case []byte:
		if pgType != "bytea" {
			return repairText(string(x), repaired)
		}
	case string:
		if pgType == "bytea" {
			return []byte(x)
		}
		return repairText(x, repaired)
	}
	return v
}

func repairText(s string, repaired *int) string {
	if validText(s) {
		return s
	}
	*repaired++
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// restartSequences moves every identity sequence past the highest id
// copied, so the next row PostgreSQL numbers does not collide.
func restartSequences(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return err
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	rows.Close()
	for _, c := range cols {
		_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX("`+c.column+`") FROM "`+c.table+`"), 0) + 1, false)`,
			c.table, c.column)
		if err != nil {
			return err
		}
	}
	return nil
}

// RowsIn returns the rows of the first data table that holds any, so a
// copy can refuse to mix into a database already in use.
func (db *DB) RowsIn(ctx context.Context) (int64, string, error) {
	if db.d != postgresDialect {
		return 0, "", errors.New("store: RowsIn is for PostgreSQL")
	}
	rows, err := db.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`)
	if err != nil {
		return 0, "", mapErr(err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, "", err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		var n int64
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return 0, "", mapErr(err)
		}
		if n > 0 {
			return n, t, nil
		}
	}
	return 0, "", nil
}
