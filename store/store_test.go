package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/store"
	"linkdesk/store/pgtest"
)

// MustOpenDB opens a fresh SQLite database file in a temporary directory,
// closed when the test ends.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenDBAt(tb, filepath.Join(tb.TempDir(), "linkdesk.db"))
}

// MustOpenPostgres opens a new, empty database on the test PostgreSQL
// server (pgtest), closed and dropped when the test ends.
func MustOpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.OpenPostgres(context.Background(), pgtest.URL(tb))
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// MustOpenDBAt opens (or reopens) the SQLite database at path, closed when
// the test ends; closing it earlier is fine.
func MustOpenDBAt(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// clock is a settable time source for DB.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// useClock makes db's clock a test clock starting at a fixed instant.
func useClock(db *store.DB) *clock {
	c := &clock{t: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
	db.Now = c.Now
	return c
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// migrationVersions returns how many migration files there are and the
// highest version, read from the files so that a new migration needs no
// change here.
func migrationVersions(tb testing.TB) (count, latest int) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "sqlite", "*.sql"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("migration files: got %v, %v", files, err)
	}
	for _, f := range files {
		prefix, _, _ := strings.Cut(filepath.Base(f), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			tb.Fatalf("migration %s: %v", f, err)
		}
		latest = max(latest, v)
	}
	return len(files), latest
}

// schemaVersion reads the rows and the highest version of schema_migrations.
func schemaVersion(tb testing.TB, db *store.DB) (count, latest int) {
	tb.Helper()
	if err := db.SQL().QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&count, &latest); err != nil {
		tb.Fatal(err)
	}
	return count, latest
}

func TestOpen_MigrationsIdempotentOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	for i := range 3 {
		db := MustOpenDBAt(t, path)
		if err := db.Close(); err != nil {
			t.Fatalf("close #%d: %v", i, err)
		}
	}
	wantCount, wantLatest := migrationVersions(t)
	count, latest := schemaVersion(t, MustOpenDBAt(t, path))
	if count != wantCount || latest != wantLatest {
		t.Errorf("schema_migrations: got %d rows up to version %d, want %d rows up to version %d", count, latest, wantCount, wantLatest)
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	MustOpenDBAt(t, path).Close()
	raw, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := store.Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("got nil error opening a database from a newer binary, want one")
	}
	if !strings.Contains(err.Error(), "9999") {
		t.Errorf("got %q, want the error to name version 9999", err)
	}
}

func TestOpenSQLite_Pragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "sandbox.db")
	raw, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Several connections at once, so the pragmas are checked on more than
	// the first pooled one.
	raw.SetMaxIdleConns(3)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"busy_timeout", "5000"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"journal_size_limit", "67108864"},
	}
	conns := make([]interface{ Close() error }, 0, 3)
	for range 3 {
		conn, err := raw.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		for _, tt := range tests {
			var got string
			if err := conn.QueryRowContext(context.Background(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s: got %q, want %q", tt.pragma, got, tt.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("database file mode: got %v, want %v", got, os.FileMode(0o600))
	}
}

func TestOpenSQLite_RefusesNonFilePaths(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"empty", ""},
		{"memory", ":memory:"},
		{"uri", "file:x.db?mode=memory"},
		{"query", filepath.Join(t.TempDir(), "x.db?_pragma=foo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := store.OpenSQLite(tt.path)
			if err == nil {
				raw.Close()
				t.Errorf("OpenSQLite(%q): got nil, want an error", tt.path)
			}
			if db, err := store.Open(context.Background(), tt.path); err == nil {
				db.Close()
				t.Errorf("Open(%q): got nil, want an error", tt.path)
			}
		})
	}
}

func TestDB_IntegrityCheck(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	db := MustOpenDBAt(t, path)
	MustCreatePayment(t, db, "code-1", "12.50")
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("healthy database: got %v, want nil", err)
	}
	db.Close()

	// Break an index behind SQLite's back: its definition now names another
	// column than the entries it holds.
	raw, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE broken (x INTEGER, y INTEGER)`,
		`CREATE INDEX broken_x ON broken (x)`,
		`INSERT INTO broken VALUES (1, 2), (3, 4)`,
		`PRAGMA writable_schema = ON`,
		`UPDATE sqlite_schema SET sql = 'CREATE INDEX broken_x ON broken (y)' WHERE name = 'broken_x'`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()
	err = MustOpenDBAt(t, path).IntegrityCheck(ctx)
	if err == nil || !strings.Contains(err.Error(), "broken_x") {
		t.Errorf("corrupt index: got %v, want an error naming broken_x", err)
	}
}

func TestDB_PingAfterClose(t *testing.T) {
	db := MustOpenDB(t)
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Error("ping after close: got nil, want an error")
	}
}

func TestDB_DataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	db := MustOpenDBAt(t, path)
	owner := MustCreateUser(t, db, "owner@example.com", app.RoleOwner)
	MustCreatePayment(t, db, "code-1", "99.95")
	if _, err := db.SettlePayment(ctx, "code-1", app.PaymentStatusPaid); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &app.AuditEvent{ActorID: &owner.ID, Action: "payment.start", TargetType: "payment", TargetID: "code-1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.InitSetting(ctx, "session_key", "k1"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	if err := db.CreateSession(ctx, &app.Session{ID: "s1", UserID: owner.ID, CreatedAt: now, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenDBAt(t, path)
	if got, err := db.UserByEmail(ctx, "owner@example.com"); err != nil || got.ID != owner.ID {
		t.Errorf("user after reopen: got %+v, %v, want ID %d", got, err, owner.ID)
	}
	if got, err := db.PaymentByCode(ctx, "code-1"); err != nil || got.Status != app.PaymentStatusPaid || !got.Amount.Equal(dec("99.95")) {
		t.Errorf("payment after reopen: got %+v, %v, want paid 99.95", got, err)
	}
	if _, total, err := db.ListAudit(ctx, app.AuditFilter{}); err != nil || total != 1 {
		t.Errorf("audit after reopen: got %d events, %v, want 1", total, err)
	}
	if v, err := db.Setting(ctx, "session_key"); err != nil || v != "k1" {
		t.Errorf("setting after reopen: got %q, %v, want k1", v, err)
	}
	if s, err := db.SessionByID(ctx, "s1"); err != nil || s.UserID != owner.ID {
		t.Errorf("session after reopen: got %+v, %v, want user %d", s, err, owner.ID)
	}
}
