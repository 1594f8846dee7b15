package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/store"
	"linkdesk/store/pgtest"
	"linkdesk/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestMigrateTo moves a SQLite deployment into PostgreSQL as an operator
// would: migrate-to, then the server on the new URL. Everything is there
// with its ids, the signed-in browser stays signed in, new rows number on
// after the copied ones, and a second copy into the now used database is
// refused.
func TestMigrateTo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	session := prepareDataDir(t, dir)
	db, err := store.Open(ctx, filepath.Join(dir, "linkdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	staff, err := db.UserByEmail(ctx, "kasa@example.com")
	if err != nil {
		t.Fatal(err)
	}
	p := &app.Payment{MerchantUniqueCode: "moved-1", CallbackToken: "token-of-the-moved-payment", Amount: decimal.RequireFromString("12.50"),
		Currency: "TRY", Description: "Taşındı", Provider: "papara", StaffID: &staff.ID, StaffEmail: staff.Email}
	if err := db.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SettlePayment(ctx, p.MerchantUniqueCode, app.PaymentStatusPaid); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &app.AuditEvent{ActorID: &staff.ID, Action: "payment.start", TargetType: "payment", TargetID: p.MerchantUniqueCode}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A stray callback body an older version stored raw, bytes and all.
	raw, err := store.OpenSQLite(filepath.Join(dir, "linkdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO stray_callbacks (at, kind, reason, payload) VALUES ('2026-01-02T03:04:05.000000000Z', 'server', 'unknown_token', ?)`,
		"ok\xff\x00ok"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	url := pgtest.URL(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate-to", "-database", url, "-data", dir}, envOf(nil), nil, &out, &out); err != nil {
		t.Fatalf("migrate-to: %v\n%s", err, out.String())
	}
	for _, want := range []string{"users", "payments", "audit_events", "sessions", "1 text values held bytes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report does not mention %q:\n%s", want, out.String())
		}
	}

	pg, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if got, err := pg.UserByEmail(ctx, staff.Email); err != nil || got.ID != staff.ID || !bytes.Equal(got.PasswordHash, staff.PasswordHash) {
		t.Errorf("user after the move: got %+v, %v, want id %d with the same hash", got, err, staff.ID)
	}
	if got, err := pg.PaymentByCode(ctx, p.MerchantUniqueCode); err != nil || got.Status != app.PaymentStatusPaid || got.ID != p.ID ||
		!got.Amount.Equal(p.Amount) || got.StaffID == nil || *got.StaffID != staff.ID || got.SettledAt == nil {
		t.Errorf("payment after the move: got %+v, %v", got, err)
	}
	if _, total, err := pg.ListAudit(ctx, app.AuditFilter{TargetID: p.MerchantUniqueCode}); err != nil || total != 1 {
		t.Errorf("audit after the move: %d events, %v, want 1", total, err)
	}
	if strays, err := pg.StrayCallbacks(ctx); err != nil || len(strays) != 1 || strays[0].Payload != "ok\uFFFD\uFFFDok" {
		t.Errorf("stray callback after the move: got %+v, %v, want its payload repaired", strays, err)
	}
	next := &app.User{Email: "yeni@example.com", Role: app.RoleViewer, PasswordHash: []byte("h")}
	if err := pg.CreateUser(ctx, next); err != nil || next.ID <= staff.ID {
		t.Errorf("a new user after the move: id %d, %v, want one after %d", next.ID, err, staff.ID)
	}

	// The same browser, signed in before the move, is signed in after it.
	base := startServe(t, map[string]string{"LINKDESK_DATABASE_URL": url}, &webtest.SyncBuffer{})
	client := signedInClient(t, base, session)
	resp, err := client.Get(base + "/payments/" + p.MerchantUniqueCode)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the moved payment's page with the old cookie: got %d, want 200", resp.StatusCode)
	}

	err = run(ctx, []string{"migrate-to", "-database", url, "-data", dir}, envOf(nil), nil, &out, &out)
	var ce *configError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "already holds data") {
		t.Errorf("a second migrate-to: got %v, want a refusal: the database holds data", err)
	}
}
