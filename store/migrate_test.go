package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
)

// v1Time is when everything in the version 1 database happened, in the
// stored form (fixed-width RFC 3339, UTC).
const v1Time = "2025-01-02T03:04:05.000000000Z"

// mustCreateV1DB writes a database as the previous version left it: schema
// 1 only, applied by hand from its migration file, holding a user (with
// the session epoch that version had), a disabled user, a paid payment,
// callbacks for that payment and for a code no payment has, a sign-in
// failure and an audit event.
func mustCreateV1DB(tb testing.TB, path string) {
	tb.Helper()
	v1, err := os.ReadFile(filepath.Join("migrations", "sqlite", "0001_init.sql"))
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := store.OpenSQLite(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	long := strings.Repeat("x", 3000) // stray payloads are cut to 1 KiB
	for _, stmt := range []struct {
		query string
		args  []any
	}{
		{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`, nil},
		{string(v1), nil},
		{`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_init.sql', ?)`, []any{v1Time}},
		{`INSERT INTO users (id, email, name, role, password_hash, disabled, session_epoch, created_at, updated_at)
			VALUES (1, 'owner@example.com', 'Ayşe', 'owner', ?, 0, 3, ?, ?)`, []any{[]byte("$argon2id$hash"), v1Time, v1Time}},
		{`INSERT INTO users (id, email, name, role, password_hash, disabled, session_epoch, created_at, updated_at)
			VALUES (2, 'gone@example.com', 'Gone', 'staff', ?, 1, 2, ?, ?)`, []any{[]byte("h"), v1Time, v1Time}},
		{`INSERT INTO payments (merchant_unique_code, callback_token, amount, amount_e6, currency, staff_id, staff_email,
			status, unique_code, refunded_amount, attempts, created_at, updated_at, settled_at)
			VALUES ('known-1', 'token-0123456789-known', '12.5', 12500000, 'TRY', 1, 'owner@example.com',
			'paid', 'U-1', '0', 1, ?, ?, ?)`, []any{v1Time, v1Time, v1Time}},
		{`INSERT INTO callbacks (at, merchant_unique_code, kind, accepted, reason, remote_ip, payload)
			VALUES (?, 'known-1', 'success', 1, 'paid', '10.0.0.1', 'status=SUCCESS')`, []any{v1Time}},
		{`INSERT INTO callbacks (at, merchant_unique_code, kind, accepted, reason, remote_ip, payload)
			VALUES (?, 'unknown-9', 'server', 0, 'unknown code', '10.6.6.6', ?)`, []any{v1Time, long}},
		{`INSERT INTO login_failures (email, ip, at) VALUES ('owner@example.com', '10.0.0.1', ?)`, []any{v1Time}},
		{`INSERT INTO audit_events (at, actor_id, actor_email, action, target_type, target_id)
			VALUES (?, 1, 'owner@example.com', 'payment.start', 'payment', 'known-1')`, []any{v1Time}},
	} {
		if _, err := raw.Exec(stmt.query, stmt.args...); err != nil {
			tb.Fatalf("%.60s: %v", stmt.query, err)
		}
	}
}

func TestOpen_MigratesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	mustCreateV1DB(t, path)
	db := MustOpenDBAt(t, path)
	at, _ := time.Parse(time.RFC3339, v1Time)

	t.Run("schema", func(t *testing.T) {
		wantCount, wantLatest := migrationVersions(t)
		if count, latest := schemaVersion(t, db); count != wantCount || latest != wantLatest {
			t.Errorf("schema_migrations: got %d rows up to %d, want %d up to %d", count, latest, wantCount, wantLatest)
		}
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Errorf("integrity check: got %v, want nil", err)
		}
		var violations int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&violations); err != nil || violations != 0 {
			t.Errorf("foreign key violations: got %d, %v, want 0", violations, err)
		}
		tables := map[string]bool{"login_failures": false, "login_throttle": true, "sessions": true, "stray_callbacks": true, "refunds": true, "locks": true}
		for name, want := range tables {
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if got := n == 1; got != want {
				t.Errorf("table %s exists: got %t, want %t", name, got, want)
			}
		}
		var epoch int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'session_epoch'`).Scan(&epoch); err != nil || epoch != 0 {
			t.Errorf("users.session_epoch columns: got %d, %v, want 0", epoch, err)
		}
	})

	t.Run("users keep their data", func(t *testing.T) {
		tests := []app.User{
			{ID: 1, Email: "owner@example.com", Name: "Ayşe", Role: app.RoleOwner, PasswordHash: []byte("$argon2id$hash"), CreatedAt: at, UpdatedAt: at},
			{ID: 2, Email: "gone@example.com", Name: "Gone", Role: app.RoleStaff, PasswordHash: []byte("h"), Disabled: true, CreatedAt: at, UpdatedAt: at},
		}
		for _, want := range tests {
			got, err := db.UserByEmail(ctx, want.Email)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != want.ID || got.Name != want.Name || got.Role != want.Role || !bytes.Equal(got.PasswordHash, want.PasswordHash) ||
				got.Disabled != want.Disabled || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("got %+v, want %+v", *got, want)
			}
		}
		if n, err := db.CountEnabledOwners(ctx); err != nil || n != 1 {
			t.Errorf("enabled owners: got %d, %v, want 1", n, err)
		}
	})

	t.Run("payments and audit kept", func(t *testing.T) {
		p, err := db.PaymentByCode(ctx, "known-1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != app.PaymentStatusPaid || !p.Amount.Equal(dec("12.5")) || p.StaffID == nil || *p.StaffID != 1 || p.SettledAt == nil {
			t.Errorf("got %+v, want paid 12.5 by user 1, settled", *p)
		}
		if _, total, err := db.ListAudit(ctx, app.AuditFilter{}); err != nil || total != 1 {
			t.Errorf("audit events: got %d, %v, want 1", total, err)
		}
	})

	t.Run("callbacks of payments stay", func(t *testing.T) {
		cbs, err := db.CallbacksFor(ctx, "known-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(cbs) != 1 || cbs[0].Reason != "paid" || cbs[0].Key != "" || !cbs[0].Accepted || !cbs[0].At.Equal(at) {
			t.Errorf("got %+v, want the one accepted callback, without a key", cbs)
		}
	})

	t.Run("stray callbacks move", func(t *testing.T) {
		if cbs, err := db.CallbacksFor(ctx, "unknown-9"); err != nil || len(cbs) != 0 {
			t.Errorf("callbacks of an unknown code: got %+v, %v, want none", cbs, err)
		}
		strays, err := db.StrayCallbacks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := app.Callback{At: at, Kind: app.CallbackKindServer, Reason: "unknown code", RemoteIP: "10.6.6.6", Payload: strings.Repeat("x", 1024)}
		if len(strays) != 1 {
			t.Fatalf("stray callbacks: got %d, want 1", len(strays))
		}
		if got := strays[0]; got.ID == 0 || !got.At.Equal(want.At) || got.Kind != want.Kind || got.Reason != want.Reason ||
			got.RemoteIP != want.RemoteIP || got.Payload != want.Payload {
			t.Errorf("stray callback: got %+v (%d payload bytes), want %+v (1024 bytes)", got, len(got.Payload), want)
		}
	})

	t.Run("earlier QR sales are counted", func(t *testing.T) {
		if err := db.RebuildSalesDays(ctx, time.UTC); err != nil {
			t.Fatal(err)
		}
		entries, err := db.SalesDays(ctx, time.UTC, at, at.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := app.SalesEntry{At: at.Truncate(24 * time.Hour), Source: app.SaleSourceQR, Currency: "TRY", Sales: 1, SalesAmount: dec("12.5")}
		if len(entries) != 1 || !entries[0].At.Equal(want.At) || entries[0].Source != want.Source || entries[0].Sales != 1 ||
			!entries[0].SalesAmount.Equal(want.SalesAmount) || entries[0].Refunds != 0 {
			t.Errorf("got %+v, want %+v", entries, want)
		}
	})

	t.Run("new features work", func(t *testing.T) {
		now := at.Add(time.Hour)
		if err := db.CreateSession(ctx, &app.Session{ID: "s1", UserID: 1, CreatedAt: now, SeenAt: now}); err != nil {
			t.Errorf("create session: got %v, want nil", err)
		}
		if a, err := db.CountLoginAttempt(ctx, "owner@example.com", "10.0.0.1", now.Add(-time.Hour)); err != nil || a.Count != 1 {
			t.Errorf("count login attempt: got %+v, %v, want 1 (old failures are gone)", a, err)
		}
		for i := range 2 { // two keys: the old callback's NULL key takes no part
			c := &app.Callback{Key: "k" + string(rune('1'+i)), MerchantUniqueCode: "known-1", Kind: app.CallbackKindSuccess}
			if ok, err := db.RecordCallback(ctx, c); !ok || err != nil {
				t.Errorf("record callback %s: got %t, %v, want true", c.Key, ok, err)
			}
		}
		if err := db.RecordStrayCallback(ctx, &app.Callback{Kind: app.CallbackKindServer}, 1); err != nil {
			t.Errorf("record stray callback: got %v, want nil", err)
		}
		if err := db.CreateRefund(ctx, &app.Refund{PaymentCode: "known-1", Amount: dec("2.5")}); err != nil {
			t.Errorf("create refund: got %v, want nil", err)
		}
		if err := db.DeleteUserSessions(ctx, 1, ""); err != nil {
			t.Errorf("delete sessions: got %v, want nil", err)
		}
		if _, err := db.SessionByID(ctx, "s1"); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("deleted session: got %v, want ErrNotFound", err)
		}
	})
}

// TestMigrations_TwinPerEngine holds the engines to one schema history:
// every migration file has a twin of the same name for the other engine,
// so a version means the same tables everywhere. A new migration is two
// files, migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql.
func TestMigrations_TwinPerEngine(t *testing.T) {
	names := func(engine string) []string {
		files, err := filepath.Glob(filepath.Join("migrations", engine, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s migrations: got %v, %v", engine, files, err)
		}
		for i, f := range files {
			files[i] = filepath.Base(f)
		}
		return files
	}
	sqlite, postgres := names("sqlite"), names("postgres")
	if !slices.Equal(sqlite, postgres) {
		t.Errorf("migrations differ between engines:\n sqlite:   %v\n postgres: %v\nwrite each change for both (store/dialect.go says how)", sqlite, postgres)
	}
	if stray, _ := filepath.Glob(filepath.Join("migrations", "*.sql")); len(stray) > 0 {
		t.Errorf("%v: migrations go in migrations/sqlite/ and migrations/postgres/", stray)
	}
}
