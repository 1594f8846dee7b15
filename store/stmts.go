package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by their SQL. modernc's SQLite
// driver parses and plans a statement on every call made without one: a
// fifth of a link page's CPU under load went there. database/sql prepares
// a cached statement on a connection the first time it runs there and
// reuses it after, inside transactions too (Tx.StmtContext). PostgreSQL's
// driver (pgx) caches its statements itself, so only SQLite uses this.
type stmtCache struct {
	db *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache. The store has about a hundred query
// texts, and filters build a few dozen more; past the bound a query runs
// unprepared, as before.
const maxCachedStmts = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// get returns the prepared statement of query, preparing it the first
// time, or nil to run the query unprepared (no cache, a full one, or a
// query that does not prepare: its error then comes when it runs). It
// prepares without holding the lock, so one slow preparation does not
// hold up the others.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	stmt, ok := c.stmts[query]
	full := len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return stmt
	}
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.stmts[query]; ok { // prepared meanwhile by another request
		stmt.Close()
		return kept
	}
	if len(c.stmts) >= maxCachedStmts {
		stmt.Close()
		return nil
	}
	c.stmts[query] = stmt
	return stmt
}

// close closes every statement kept.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, stmt := range c.stmts {
		stmt.Close()
	}
	clear(c.stmts)
}

// prepared returns text's prepared statement, bound to q's transaction when
// q is one, or nil to run text on q.x unprepared.
func (q queries) prepared(ctx context.Context, text string) *sql.Stmt {
	stmt := q.stmts.get(ctx, text)
	if stmt == nil {
		return nil
	}
	if tx, ok := q.x.(*sql.Tx); ok {
		return tx.StmtContext(ctx, stmt)
	}
	return stmt
}
