package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/store"
)

// MustOpenDB opens a fresh database file in a temporary directory, closed
// when the test ends.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenDBAt(tb, filepath.Join(tb.TempDir(), "linkdesk.db"))
}

// MustOpenDBAt opens (or reopens) the database at path, closed when the
// test ends; closing it earlier is fine.
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

func TestOpen_MigrationsIdempotentOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	for i := range 3 {
		db := MustOpenDBAt(t, path)
		if err := db.Close(); err != nil {
			t.Fatalf("close #%d: %v", i, err)
		}
	}
	raw, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var count, latest int
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&count, &latest); err != nil {
		t.Fatal(err)
	}
	if count != 1 || latest != 1 {
		t.Errorf("schema_migrations: got %d rows up to version %d, want 1 row up to version 1", count, latest)
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
			}
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDB_PingAndIntegrityCheck(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	if err := db.Ping(ctx); err != nil {
		t.Errorf("ping: got %v, want nil", err)
	}
	MustCreatePayment(t, db, "code-1", "12.50")
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("integrity check: got %v, want nil", err)
	}
	db.Close()
	if err := db.Ping(ctx); err == nil {
		t.Error("ping after close: got nil, want an error")
	}
}

func TestDB_DataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	db := MustOpenDBAt(t, path)
	owner := MustCreateUser(t, db, "owner@example.com", store.RoleOwner)
	p := MustCreatePayment(t, db, "code-1", "99.95")
	if _, err := db.SettlePayment(ctx, p.MerchantUniqueCode, store.PaymentStatusPaid); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &store.AuditEvent{ActorID: &owner.ID, Action: "payment.start", TargetType: "payment", TargetID: "code-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SettingOrInit(ctx, "session_key", func() (string, error) { return "k1", nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenDBAt(t, path)
	gotUser, err := db.UserByEmail(ctx, "owner@example.com")
	if err != nil || gotUser.ID != owner.ID {
		t.Errorf("user after reopen: got %v, %v, want ID %d", gotUser, err, owner.ID)
	}
	gotPayment, err := db.PaymentByCode(ctx, "code-1")
	if err != nil || gotPayment.Status != store.PaymentStatusPaid || !gotPayment.Amount.Equal(dec("99.95")) {
		t.Errorf("payment after reopen: got %+v, %v, want paid 99.95", gotPayment, err)
	}
	if _, total, err := db.ListAudit(ctx, store.AuditFilter{}); err != nil || total != 1 {
		t.Errorf("audit after reopen: got %d events, %v, want 1", total, err)
	}
	if v, err := db.Setting(ctx, "session_key"); err != nil || v != "k1" {
		t.Errorf("setting after reopen: got %q, %v, want k1", v, err)
	}
}
