package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/crypto/bcrypt"

	"linkdesk/app"
	"linkdesk/store"
	"linkdesk/store/pgtest"
)

// The core is tested black-box against the real SQLite store in a
// temporary directory, with function-field fakes for Craftgate and Paywall
// and one settable clock shared by the core and the store.

// t0 is where every test clock starts: a Friday morning in Istanbul.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("TRT", 3*60*60))

// Clock is a settable time source for app.Config.Now and store.DB.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Env is one core over a fresh database, with its fakes and clock.
type Env struct {
	App      *app.App
	DB       *store.DB
	Store    *spyStore
	Clock    *Clock
	Craft    *fakeCraftgate
	Paywall  *fakePaywall
	Links    *linkBook // the fake Craftgate's links
	Payments *payBook  // what the fake Paywall knows
	Report   *fakeReporting
	Reports  *reportBook // the fake Craftgate's link payments
	cfg      app.Config
	open     func() (*store.DB, error) // another connection pool on the same database
}

// MustOpenEnv builds a core over a fresh database; edit may change the
// configuration before it is built.
func MustOpenEnv(tb testing.TB, edit ...func(*app.Config)) *Env {
	tb.Helper()
	return MustOpenEnvOn(tb, "sqlite", edit...)
}

// MustOpenEnvOn is MustOpenEnv on an engine, "sqlite" or "postgres" (a new
// database on the test server).
func MustOpenEnvOn(tb testing.TB, engine string, edit ...func(*app.Config)) *Env {
	tb.Helper()
	ctx := context.Background()
	open := func(path string) func() (*store.DB, error) {
		return func() (*store.DB, error) { return store.Open(ctx, path) }
	}(filepath.Join(tb.TempDir(), "linkdesk.db"))
	if engine == "postgres" {
		url := pgtest.URL(tb)
		open = func() (*store.DB, error) { return store.OpenPostgres(ctx, url) }
	}
	db, err := open()
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	clock := &Clock{t: t0}
	db.Now = clock.Now
	e := &Env{DB: db, Store: &spyStore{DB: db}, Clock: clock, Links: newLinkBook(), Payments: newPayBook(), open: open}
	e.Craft = e.Links.provider()
	e.Paywall = e.Payments.provider()
	e.Reports = newReportBook(clock.Now)
	e.Report = e.Reports.provider()
	e.cfg = app.Config{
		Store:          e.Store,
		Links:          e.Craft,
		Payments:       e.Paywall,
		Sales:          e.Report,
		PaymentsConfig: app.PaymentsConfig{CallbackURLs: callbackURLs},
		Now:            clock.Now,
	}
	for _, f := range edit {
		f(&e.cfg)
	}
	e.App = app.New(e.cfg)
	return e
}

// callbackURLs are where the fake Paywall is told to post a payment's result.
func callbackURLs(token string) (success, fail string) {
	return "https://shop.example/callbacks/" + token + "/success", "https://shop.example/callbacks/" + token + "/fail"
}

// Restart builds a second core over the same database, fakes and clock, as
// a new process after a crash would be.
func (e *Env) Restart() *app.App { return app.New(e.cfg) }

// Peer builds another instance over the same database through a
// connection pool of its own, with the same fakes and clock, as a second
// server sharing the database would be.
func (e *Env) Peer(tb testing.TB, instance string) *app.App {
	tb.Helper()
	db, err := e.open()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Now = e.Clock.Now
	cfg := e.cfg
	cfg.Store, cfg.Instance = db, instance
	return app.New(cfg)
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// testHashes caches cheap bcrypt hashes: the core hashes at cost 12, far
// too slow under -race for every fixture, and checks any cost.
var testHashes sync.Map

func cheapHash(tb testing.TB, password string) []byte {
	tb.Helper()
	if h, ok := testHashes.Load(password); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	testHashes.Store(password, h)
	return h
}

// MustCreateUser adds an account directly through the store (no audit row,
// cheap password hash), as fixtures.
func MustCreateUser(tb testing.TB, e *Env, email string, role app.Role, password string) *app.User {
	tb.Helper()
	u := &app.User{Email: email, Name: "Test " + string(role), Role: role, PasswordHash: cheapHash(tb, password)}
	if err := e.DB.CreateUser(ctx, u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// MustStartSession signs u in and returns the token.
func MustStartSession(tb testing.TB, e *Env, u *app.User) string {
	tb.Helper()
	token, err := e.App.Users.StartSession(ctx, u, "192.0.2.1")
	if err != nil {
		tb.Fatalf("start session: %v", err)
	}
	return token
}

func actor(u *app.User) app.Actor { return app.Actor{User: u, IP: "192.0.2.9"} }

// auditEvents returns every audit event matching f, newest first.
func auditEvents(tb testing.TB, e *Env, f app.AuditFilter) []app.AuditEvent {
	tb.Helper()
	f.Limit = app.MaxPageSize
	evs, total, err := e.App.Audit.List(ctx, f)
	if err != nil {
		tb.Fatalf("list audit: %v", err)
	}
	if total != len(evs) {
		tb.Fatalf("audit: got %d of %d events, want all", len(evs), total)
	}
	return evs
}

// auditCount is how many events have action (any when "") on target
// (any when "").
func auditCount(tb testing.TB, e *Env, action, target string) int {
	tb.Helper()
	return len(auditEvents(tb, e, app.AuditFilter{Action: action, TargetID: target}))
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// wantCode fails unless err is an *app.Error of code (and, when key is not
// empty, message key).
func wantCode(tb testing.TB, err error, code app.Code, key string) {
	tb.Helper()
	var e *app.Error
	if !errors.As(err, &e) {
		tb.Fatalf("got error %v, want an *app.Error %s %s", err, code, key)
	}
	if e.Code != code || (key != "" && e.Message != key) {
		tb.Fatalf("got error %s %q (%v), want %s %q", e.Code, e.Message, err, code, key)
	}
}

// spyStore is the real store with hooks: it records the stray callbacks
// the core keeps, and can run a function as a transaction begins or wrap
// the transaction (to make one write fail, as a crash would).
type spyStore struct {
	*store.DB

	mu     sync.Mutex
	strays []strayCall
	onInTx func()
	wrapTx func(app.Tx) app.Tx
}

type strayCall struct {
	c    app.Callback
	keep int
}

// setHooks sets the InTx hooks (nil clears them).
func (s *spyStore) setHooks(onInTx func(), wrapTx func(app.Tx) app.Tx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onInTx, s.wrapTx = onInTx, wrapTx
}

func (s *spyStore) InTx(ctx context.Context, fn func(tx app.Tx) error) error {
	s.mu.Lock()
	onInTx, wrapTx := s.onInTx, s.wrapTx
	s.mu.Unlock()
	if onInTx != nil {
		onInTx()
	}
	return s.DB.InTx(ctx, func(tx app.Tx) error {
		if wrapTx != nil {
			tx = wrapTx(tx)
		}
		return fn(tx)
	})
}

func (s *spyStore) RecordStrayCallback(ctx context.Context, c *app.Callback, keep int) error {
	s.mu.Lock()
	s.strays = append(s.strays, strayCall{c: *c, keep: keep})
	s.mu.Unlock()
	return s.DB.RecordStrayCallback(ctx, c, keep)
}

func (s *spyStore) strayCalls() []strayCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]strayCall(nil), s.strays...)
}

// failFinishTx fails FinishRefund, as a process dying between the
// provider's answer and its record would leave things.
type failFinishTx struct{ app.Tx }

var errCrash = errors.New("test: the process died here")

func (failFinishTx) FinishRefund(context.Context, *app.Refund) (bool, error) { return false, errCrash }
