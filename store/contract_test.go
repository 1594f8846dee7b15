package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
)

// engines are the SQL databases the store adapts. TestContract runs every
// contract case on each, so adding an engine is one entry: a name and an
// opener that returns an empty database with every migration applied,
// closed when the test ends. An engine that needs a server skips there
// (tb.Skip) when none is configured, and fails instead under CI.
var engines = []struct {
	name string
	open func(tb testing.TB) *store.DB
}{
	{"sqlite", MustOpenDB},
	{"postgres", MustOpenPostgres},
}

// contract is what app.Store promises, whatever the engine. Each case gets
// a fresh database of its own. Cases use only the store's methods, plus
// DB.SQL with plain, portable SQL where the schema is what is checked; they
// assume nothing about the values of generated IDs (not that they start at
// 1, nor that they are dense) and keep times at whole seconds.
var contract = []struct {
	name string
	run  func(t *testing.T, db *store.DB)
}{
	{"InTx", testInTx},
	{"InTxPanic", testInTxPanic},
	{"Lock", testLock},
	{"Unavailable", testUnavailable},
	{"BadText", testBadText},

	{"CreateUser", testCreateUser},
	{"CreateUserRefused", testCreateUserRefused},
	{"UserNotFound", testUserNotFound},
	{"ListAndCountUsers", testListAndCountUsers},
	{"UpdateUser", testUpdateUser},
	{"UpdateUserRefused", testUpdateUserRefused},
	{"CountEnabledOwners", testCountEnabledOwners},

	{"Sessions", testSessions},
	{"DeleteUserSessions", testDeleteUserSessions},
	{"DeleteStaleSessions", testDeleteStaleSessions},

	{"CountLoginAttempt", testCountLoginAttempt},
	{"CountLoginAttemptConcurrent", testCountLoginAttemptConcurrent},
	{"ClearLoginAttempts", testClearLoginAttempts},
	{"PruneLoginAttempts", testPruneLoginAttempts},

	{"Setting", testSetting},
	{"InitSettingConcurrent", testInitSettingConcurrent},

	{"AppendAudit", testAppendAudit},
	{"AppendAuditRefused", testAppendAuditRefused},
	{"ListAudit", testListAudit},
	{"AuditAppendOnly", testAuditAppendOnly},

	{"CreatePayment", testCreatePayment},
	{"CreatePaymentRefused", testCreatePaymentRefused},
	{"PaymentLifecycle", testPaymentLifecycle},
	{"PaymentUpdatesRefused", testPaymentUpdatesRefused},
	{"SettlePaymentConcurrent", testSettlePaymentConcurrent},
	{"SetPaymentRefunded", testSetPaymentRefunded},
	{"SetPaymentRefundedConcurrent", testSetPaymentRefundedConcurrent},
	{"ClaimPendingPayments", testClaimPendingPayments},
	{"ClaimPendingPaymentsLeastRecentlyChecked", testClaimPendingPaymentsLeastRecentlyChecked},
	{"PaymentLeases", testPaymentLeases},
	{"ClaimConcurrent", testClaimConcurrent},
	{"ListPayments", testListPayments},
	{"ListPaymentsLimit", testListPaymentsLimit},
	{"ForEachPaymentStops", testForEachPaymentStops},

	{"CreateRefund", testCreateRefund},
	{"CreateRefundRefused", testCreateRefundRefused},
	{"FinishRefund", testFinishRefund},
	{"FinishRefundConcurrent", testFinishRefundConcurrent},
	{"RefundsOf", testRefundsOf},
	{"OpenRefunds", testOpenRefunds},

	{"RecordCallback", testRecordCallback},
	{"RecordCallbackRepeat", testRecordCallbackRepeat},
	{"RecordCallbackRefused", testRecordCallbackRefused},
	{"RecordStrayCallback", testRecordStrayCallback},

	{"SaveLinks", testSaveLinks},
	{"RefreshLinks", testRefreshLinks},
	{"SearchLinks", testSearchLinks},
	{"UnseenLinksAndRefs", testUnseenLinksAndRefs},
	{"LinkPayments", testLinkPayments},
	{"LinkSales", testLinkSales},
	{"SalesTotals", testSalesTotals},
	{"ListSales", testListSales},
	{"LinkRefunds", testLinkRefunds},
	{"SyncCursor", testSyncCursor},
	{"Webhooks", testWebhooks},
	{"ImportJobLifecycle", testImportJobLifecycle},
	{"ImportRowLeaseConcurrent", testImportRowLeaseConcurrent},
	{"ImportRowKeyHeldOnce", testImportRowKeyHeldOnce},
}

func TestContract(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for _, c := range contract {
				t.Run(c.name, func(t *testing.T) { c.run(t, e.open(t)) })
			}
		})
	}
}

// errBoom is an error a test's callback returns on purpose.
var errBoom = errors.New("boom")

func testInTx(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("ping: got %v, want nil", err)
	}

	// A failing fn rolls back everything it wrote and its error comes back.
	err := db.InTx(ctx, func(tx app.Tx) error {
		if err := tx.CreateUser(ctx, newUser("rolled@example.com", app.RoleStaff)); err != nil {
			return err
		}
		if err := tx.InitSetting(ctx, "rolled", "v"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("failing fn: got %v, want %v", err, errBoom)
	}
	if _, err := db.UserByEmail(ctx, "rolled@example.com"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("user written by a rolled-back transaction: got %v, want ErrNotFound", err)
	}
	if _, err := db.Setting(ctx, "rolled"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("setting written by a rolled-back transaction: got %v, want ErrNotFound", err)
	}

	// A succeeding fn reads its own writes and commits them all.
	var id int64
	err = db.InTx(ctx, func(tx app.Tx) error {
		u := newUser("kept@example.com", app.RoleStaff)
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		got, err := tx.UserByEmail(ctx, "kept@example.com")
		if err != nil {
			return err
		}
		id = got.ID
		return tx.InitSetting(ctx, "kept", "v")
	})
	if err != nil {
		t.Fatalf("InTx: got %v, want nil", err)
	}
	if u, err := db.UserByID(ctx, id); err != nil || u.Email != "kept@example.com" {
		t.Errorf("committed user: got %+v, %v, want kept@example.com", u, err)
	}
	if v, err := db.Setting(ctx, "kept"); err != nil || v != "v" {
		t.Errorf("committed setting: got %q, %v, want v", v, err)
	}
}

// testInTxPanic: a panic inside fn (recovered further up, as a web server
// does) must still end the transaction; one left open would keep its locks
// and stall every later writer.
func testInTxPanic(t *testing.T, db *store.DB) {
	ctx := context.Background()
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Errorf("recovered %v, want %v", r, errBoom)
			}
		}()
		db.InTx(ctx, func(tx app.Tx) error {
			if err := tx.Lock(ctx, "panic"); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, newUser("panic@example.com", app.RoleStaff)); err != nil {
				return err
			}
			panic(errBoom)
		})
	}()
	// The deadline only bounds a failure: a leaked transaction would make
	// this wait for good on an engine without a busy timeout.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := db.InTx(ctx, func(tx app.Tx) error {
		if err := tx.Lock(ctx, "panic"); err != nil {
			return err
		}
		return tx.CreateUser(ctx, newUser("after@example.com", app.RoleStaff))
	})
	if err != nil {
		t.Errorf("a transaction after the panic: got %v, want nil", err)
	}
	if _, err := db.UserByEmail(ctx, "panic@example.com"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("user written before the panic: got %v, want ErrNotFound", err)
	}
}

// testLock: transactions taking the same named lock run one after the
// other, so a read-modify-write under it never loses an update. The
// counter is a user's name. (SQLite's immediate transactions serialise
// writers anyway; an engine with row locks depends on Lock alone.)
func testLock(t *testing.T, db *store.DB) {
	ctx := context.Background()
	counter := newUser("counter@example.com", app.RoleStaff)
	counter.Name = "0"
	if err := db.CreateUser(ctx, counter); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 8, 5
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for range rounds {
				errs[i] = db.InTx(ctx, func(tx app.Tx) error {
					if err := tx.Lock(ctx, "counter"); err != nil {
						return err
					}
					u, err := tx.UserByID(ctx, counter.ID)
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(u.Name)
					if err != nil {
						return err
					}
					u.Name = strconv.Itoa(n + 1)
					return tx.UpdateUser(ctx, u)
				})
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: got %v, want nil", i, err)
		}
	}
	u, err := db.UserByID(ctx, counter.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(workers * rounds); u.Name != want {
		t.Errorf("counter: got %s, want %s", u.Name, want)
	}

	// A lock ends with its transaction, committed or not, and a lock taken
	// outside a transaction is harmless.
	if err := db.InTx(ctx, func(tx app.Tx) error {
		if err := tx.Lock(ctx, "counter"); err != nil {
			return err
		}
		return errBoom
	}); !errors.Is(err, errBoom) {
		t.Errorf("rolled back: got %v, want %v", err, errBoom)
	}
	if err := db.Lock(ctx, "counter"); err != nil {
		t.Errorf("outside a transaction: got %v, want nil", err)
	}
	if err := db.InTx(ctx, func(tx app.Tx) error { return tx.Lock(ctx, "counter") }); err != nil {
		t.Errorf("after a rollback: got %v, want nil", err)
	}
}

// testUnavailable: a database that does not answer in time is
// app.ErrUnavailable (the pages answer 503), for reads, writes and
// transactions alike.
func testUnavailable(t *testing.T, db *store.DB) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	tests := []struct {
		name string
		err  error
	}{
		{"Ping", db.Ping(ctx)},
		{"UserByID", second(db.UserByID(ctx, 1))},
		{"CreateUser", db.CreateUser(ctx, newUser("late@example.com", app.RoleStaff))},
		{"ListPayments", third(db.ListPayments(ctx, app.PaymentFilter{}))},
		{"InTx", db.InTx(ctx, func(app.Tx) error { return nil })},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, app.ErrUnavailable) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, app.ErrUnavailable)
		}
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// testBadText: text no engine can store alike (bytes that are not UTF-8,
// NUL) is refused as app.ErrBadText, in writes and in lookups, and the
// transaction it was part of is not left half-written.
func testBadText(t *testing.T, db *store.DB) {
	ctx := context.Background()
	for _, bad := range []string{"Ay\xffşe", "a\x00b"} {
		err := db.InTx(ctx, func(tx app.Tx) error {
			if err := tx.InitSetting(ctx, "before", "v"); err != nil {
				return err
			}
			u := newUser("bad@example.com", app.RoleStaff)
			u.Name = bad
			return tx.CreateUser(ctx, u)
		})
		if !errors.Is(err, app.ErrBadText) {
			t.Errorf("create user named %q: got %v, want %v", bad, err, app.ErrBadText)
		}
		if _, err := db.Setting(ctx, "before"); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("setting of the refused transaction: got %v, want ErrNotFound", err)
		}
		if _, err := db.PaymentByCode(ctx, bad); !errors.Is(err, app.ErrBadText) {
			t.Errorf("payment by code %q: got %v, want %v", bad, err, app.ErrBadText)
		}
		if _, _, err := db.ListAudit(ctx, app.AuditFilter{Action: bad}); !errors.Is(err, app.ErrBadText) {
			t.Errorf("audit filtered by %q: got %v, want %v", bad, err, app.ErrBadText)
		}
	}
}
