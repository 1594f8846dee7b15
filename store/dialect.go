package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"linkdesk/app"
)

// dialect is what differs between the SQL engines the store speaks. Every
// query is written once, in SQL both engines take, with `?` placeholders;
// the dialect rewrites the placeholders (PostgreSQL numbers them: $1, $2,
// …) and supplies the few clauses that differ. To port a query:
//
//   - write `?` for every argument and never put a `?` inside a literal;
//   - use what both engines have: INSERT … RETURNING, ON CONFLICT … DO
//     UPDATE/NOTHING, UPDATE … WHERE id IN (SELECT …), CASE, COALESCE,
//     LIMIT/OFFSET; no SQLite-only functions (datetime(), ifnull(),
//     group_concat()) and no PostgreSQL-only ones (now(), ILIKE, ::casts);
//   - keep the stored forms: times as fixed-width UTC text (formatTime),
//     money as decimal text with an integer copy in millionths, flags as
//     Go bools (INTEGER 0/1 in SQLite, BOOLEAN in PostgreSQL);
//   - where rows are claimed for work, end the choosing subquery with
//     q.d.skipLocked;
//   - add the schema change as migrations/sqlite/NNNN_name.sql and its
//     twin migrations/postgres/NNNN_name.sql (same file name); a test
//     refuses one without the other.
type dialect struct {
	name string
	// numbered placeholders: $1, $2, … instead of ?.
	numbered bool
	// skipLocked ends a subquery that chooses rows to claim. PostgreSQL
	// then passes over rows another transaction is claiming instead of
	// waiting for them; SQLite runs one write transaction at a time, so
	// there is nothing to skip.
	skipLocked string
	// readTx opens a read-only transaction whose statements all read one
	// snapshot (a page and its total count).
	readTx *sql.TxOptions
	// cacheStmts keeps prepared statements (stmtCache): SQLite's driver
	// has no cache of its own, pgx has.
	cacheStmts bool
	// migrationLock runs first in each migration's transaction, so
	// instances starting at once migrate one after the other; SQLite's
	// immediate transactions serialise by themselves.
	migrationLock string
}

var (
	sqliteDialect = &dialect{
		name:       "sqlite",
		readTx:     &sql.TxOptions{ReadOnly: true},
		cacheStmts: true,
	}
	postgresDialect = &dialect{
		name:          "postgres",
		numbered:      true,
		skipLocked:    " FOR UPDATE SKIP LOCKED",
		readTx:        &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
		migrationLock: "SELECT pg_advisory_xact_lock(7346519)",
	}
)

// rebind rewrites the `?` placeholders of query for the engine. A `?`
// inside a quoted literal or identifier is left alone.
func (d *dialect) rebind(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// validText reports whether s can be stored as text on every engine:
// PostgreSQL refuses bytes that are not UTF-8 and the NUL character.
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// checkArgs refuses text arguments that some engine could not store, on
// every engine alike, so a form or a query string holding them gets a
// clear message instead of a database error.
func checkArgs(args []any) error {
	for _, a := range args {
		var s string
		switch v := a.(type) {
		case nil, []byte, int, int64, bool:
			continue
		case string:
			s = v
		case sql.NullString:
			s = v.String
		default:
			rv := reflect.ValueOf(a)
			if rv.Kind() != reflect.String {
				continue
			}
			s = rv.String()
		}
		if !validText(s) {
			return fmt.Errorf("%w: %q", app.ErrBadText, s)
		}
	}
	return nil
}

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// row is a single-row query's result: the arguments' refusal, or the row.
type row struct {
	r   *sql.Row
	err error
}

// Scan scans the row, or returns why the query was not sent.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}
