package main

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/server"
	"linkdesk/store"
)

// TestBackupUnderLoad takes a backup with linkdesk backup while payments
// are being started, restores it (opens the copy as a database) and finds
// every payment acknowledged before the backup began, in a copy that
// passes SQLite's integrity check.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ts := httptest.NewUnstartedServer(nil)
	srv, err := server.New(ctx, server.Config{DataDir: dir, SelfURL: "http://" + ts.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts.Config.Handler = srv.Handler
	ts.Start()
	defer ts.Close()
	hash, _ := app.HashPassword("a long enough password")
	staff := &app.User{Email: "kasa@shop.example", Name: "Kasa", Role: app.RoleStaff, PasswordHash: hash}
	if err := srv.Store.CreateUser(ctx, staff); err != nil {
		t.Fatal(err)
	}

	type ack struct {
		code string
		at   time.Time
	}
	var (
		mu     sync.Mutex
		acked  []ack
		stop   atomic.Bool
		wg     sync.WaitGroup
		failed atomic.Value
	)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				p, err := srv.App.Payments.Start(ctx, app.Actor{User: staff}, app.PaymentDraft{Amount: "12,50", Currency: "TRY",
					Description: "Yük altında yedek", Wallet: "62"})
				if err != nil {
					failed.Store(err)
					return
				}
				mu.Lock()
				acked = append(acked, ack{p.MerchantUniqueCode, time.Now()})
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30 || failed.Load() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	began := time.Now()
	if _, err := runCommand(t, "backup", "-data", dir, "-to", file); err != nil {
		t.Fatalf("backup: %v", err)
	}
	time.Sleep(50 * time.Millisecond) // a little more load after the copy
	stop.Store(true)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		t.Fatalf("a payment start failed: %v", err)
	}

	restored, err := store.Open(ctx, file)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer restored.Close()
	if err := restored.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, a := range acked {
		if !a.at.Before(began) {
			continue
		}
		before++
		if _, err := restored.PaymentByCode(ctx, a.code); err != nil {
			t.Errorf("payment %s, acknowledged before the backup, is missing from it: %v", a.code, err)
		}
	}
	if before < 30 {
		t.Fatalf("only %d payments were acknowledged before the backup", before)
	}
	if _, err := runCommand(t, "backup", "-data", dir, "-to", file); err == nil {
		t.Error("a backup over an existing file was not refused")
	}
}

// runCommand runs the linkdesk command with args and returns its output.
func runCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), args, envOf(nil), strings.NewReader(""), &out, io.Discard)
	return out.String(), err
}
