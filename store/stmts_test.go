package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCache: SQLite queries run through prepared statements kept by
// their text, in and out of transactions; the cache stops growing at its
// bound, and queries past it still run.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "linkdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.stmts == nil {
		t.Fatal("SQLite runs without a statement cache")
	}
	one := func(q queries, n int) {
		t.Helper()
		var got int
		if err := q.row(ctx, fmt.Sprintf("SELECT ? + %d", n), 1).Scan(&got); err != nil || got != n+1 {
			t.Fatalf("SELECT ? + %d: got %d, %v; want %d", n, got, err, n+1)
		}
	}
	before := len(db.stmts.stmts)
	one(db.queries, 0)
	one(db.queries, 0)
	if len(db.stmts.stmts) != before+1 {
		t.Errorf("one query text run twice: the cache grew by %d, want 1", len(db.stmts.stmts)-before)
	}
	if err := db.queries.inWriteTx(ctx, func(q queries) error {
		one(q, 0) // the kept statement, bound to the transaction
		one(q, -1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for n := range maxCachedStmts + 10 {
		one(db.queries, n)
	}
	if len(db.stmts.stmts) != maxCachedStmts {
		t.Errorf("got %d statements kept, want the bound, %d", len(db.stmts.stmts), maxCachedStmts)
	}
}
