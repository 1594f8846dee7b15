package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
)

// newUser returns an enabled user to create, with a dummy password hash.
func newUser(email string, role app.Role) *app.User {
	return &app.User{Email: email, Name: "Name of " + email, Role: role, PasswordHash: []byte("hash")}
}

// MustCreateUser creates an enabled user with a dummy password hash.
func MustCreateUser(tb testing.TB, db *store.DB, email string, role app.Role) *app.User {
	tb.Helper()
	u := newUser(email, role)
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// unknownID is an ID no test creates.
const unknownID = 1 << 40

func testCreateUser(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	u := &app.User{Email: "  Ayse@Example.COM ", Name: "Ayşe", Role: app.RoleStaff, PasswordHash: []byte("h\x00h"), Disabled: true}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "ayse@example.com" || !u.CreatedAt.Equal(clk.Now()) || !u.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("created: got ID %d, email %q, created %v, updated %v; want an ID, ayse@example.com, %v twice",
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt, clk.Now())
	}
	tests := []struct {
		name   string
		lookup func() (*app.User, error)
	}{
		{"by ID", func() (*app.User, error) { return db.UserByID(ctx, u.ID) }},
		{"by e-mail as stored", func() (*app.User, error) { return db.UserByEmail(ctx, "ayse@example.com") }},
		{"by e-mail as typed", func() (*app.User, error) { return db.UserByEmail(ctx, "\tAYSE@example.com ") }},
	}
	for _, tt := range tests {
		got, err := tt.lookup()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !reflect.DeepEqual(*got, *u) {
			t.Errorf("%s: got %+v, want %+v", tt.name, *got, *u)
		}
	}
}

// testCreateUserRefused: a taken e-mail, compared normalised, is
// app.ErrConflict; input breaking the user's invariants is refused, and
// is no conflict. (Whether an address is well-formed is the core's rule.)
func testCreateUserRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	MustCreateUser(t, db, "taken@example.com", app.RoleStaff)
	tests := []struct {
		name     string
		user     app.User
		conflict bool
	}{
		{"duplicate e-mail", app.User{Email: "taken@example.com", Role: app.RoleViewer, PasswordHash: []byte("h")}, true},
		{"duplicate e-mail in another case", app.User{Email: "Taken@Example.com", Role: app.RoleViewer, PasswordHash: []byte("h")}, true},
		{"duplicate e-mail padded", app.User{Email: " taken@example.com\t", Role: app.RoleViewer, PasswordHash: []byte("h")}, true},
		{"blank e-mail", app.User{Email: " \t", Role: app.RoleStaff, PasswordHash: []byte("h")}, false},
		{"unknown role", app.User{Email: "a@example.com", Role: "admin", PasswordHash: []byte("h")}, false},
		{"no role", app.User{Email: "b@example.com", PasswordHash: []byte("h")}, false},
		{"no password hash", app.User{Email: "c@example.com", Role: app.RoleStaff}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.CreateUser(ctx, &tt.user)
			switch {
			case err == nil:
				t.Errorf("got nil, want an error")
			case errors.Is(err, app.ErrConflict) != tt.conflict:
				t.Errorf("got %v, want ErrConflict %t", err, tt.conflict)
			}
		})
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("count: got %d, %v, want 1", n, err)
	}
}

func testUserNotFound(t *testing.T, db *store.DB) {
	ctx := context.Background()
	missing := newUser("nobody@example.com", app.RoleStaff)
	missing.ID = unknownID
	tests := []struct {
		name string
		err  error
	}{
		{"UserByID", second(db.UserByID(ctx, unknownID))},
		{"UserByEmail", second(db.UserByEmail(ctx, "nobody@example.com"))},
		{"UpdateUser", db.UpdateUser(ctx, missing)},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, app.ErrNotFound) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, app.ErrNotFound)
		}
	}
}

func testListAndCountUsers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if users, err := db.ListUsers(ctx); err != nil || len(users) != 0 {
		t.Errorf("empty list: got %v, %v, want none", users, err)
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 0 {
		t.Errorf("empty count: got %d, %v, want 0", n, err)
	}
	for _, email := range []string{"c@example.com", "a@example.com", "b@example.com"} {
		MustCreateUser(t, db, email, app.RoleStaff)
	}
	disabled := MustCreateUser(t, db, "d@example.com", app.RoleViewer)
	disabled.Disabled = true
	if err := db.UpdateUser(ctx, disabled); err != nil {
		t.Fatal(err)
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users {
		got = append(got, u.Email)
	}
	if want := "[a@example.com b@example.com c@example.com d@example.com]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 4 {
		t.Errorf("count: got %d, %v, want 4 (disabled ones included)", n, err)
	}
}

// testUpdateUser: name, role, disabled flag and password hash are stored
// and UpdatedAt is stamped; the e-mail and CreatedAt are not changed.
func testUpdateUser(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	u := MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
	other := MustCreateUser(t, db, "other@example.com", app.RoleStaff)
	created := clk.Now()
	clk.Advance(time.Minute)

	change := *u
	change.Name, change.Role, change.Disabled, change.PasswordHash = "Renamed", app.RoleViewer, true, []byte("new-hash")
	change.Email = "changed@example.com"
	if err := db.UpdateUser(ctx, &change); err != nil {
		t.Fatal(err)
	}
	if !change.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("returned UpdatedAt: got %v, want %v", change.UpdatedAt, clk.Now())
	}
	want := app.User{ID: u.ID, Email: "staff@example.com", Name: "Renamed", Role: app.RoleViewer, PasswordHash: []byte("new-hash"),
		Disabled: true, CreatedAt: created, UpdatedAt: clk.Now()}
	got, err := db.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v, want %+v", *got, want)
	}
	if got, err := db.UserByID(ctx, other.ID); err != nil || !reflect.DeepEqual(*got, *other) {
		t.Errorf("another user: got %+v, %v, want it unchanged: %+v", got, err, *other)
	}
}

func testUpdateUserRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u := MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
	tests := []struct {
		name   string
		modify func(u *app.User)
	}{
		{"un-normalised e-mail", func(u *app.User) { u.Email = "Staff@Example.com" }},
		{"unknown role", func(u *app.User) { u.Role = "admin" }},
		{"no password hash", func(u *app.User) { u.PasswordHash = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			change := *u
			change.Name = "Changed"
			tt.modify(&change)
			if err := db.UpdateUser(ctx, &change); err == nil {
				t.Error("got nil, want an error")
			}
		})
	}
	if got, err := db.UserByID(ctx, u.ID); err != nil || !reflect.DeepEqual(*got, *u) {
		t.Errorf("after refused updates: got %+v, %v, want %+v", got, err, *u)
	}
}

func testCountEnabledOwners(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var owners []*app.User
	steps := []struct {
		name string
		do   func() error
		want int
	}{
		{"none", func() error { return nil }, 0},
		{"staff and viewer", func() error {
			MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
			MustCreateUser(t, db, "viewer@example.com", app.RoleViewer)
			return nil
		}, 0},
		{"an owner", func() error {
			owners = append(owners, MustCreateUser(t, db, "o1@example.com", app.RoleOwner))
			return nil
		}, 1},
		{"a second owner", func() error {
			owners = append(owners, MustCreateUser(t, db, "o2@example.com", app.RoleOwner))
			return nil
		}, 2},
		{"the first disabled", func() error { owners[0].Disabled = true; return db.UpdateUser(ctx, owners[0]) }, 1},
		{"a disabled owner created", func() error {
			u := newUser("o3@example.com", app.RoleOwner)
			u.Disabled = true
			return db.CreateUser(ctx, u)
		}, 1},
		{"the second demoted", func() error { owners[1].Role = app.RoleStaff; return db.UpdateUser(ctx, owners[1]) }, 0},
		{"the first enabled again", func() error { owners[0].Disabled = false; return db.UpdateUser(ctx, owners[0]) }, 1},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if n, err := db.CountEnabledOwners(ctx); err != nil || n != s.want {
			t.Errorf("%s: got %d, %v, want %d", s.name, n, err, s.want)
		}
	}
}

// t0 is a fixed instant for the session and throttle cases.
var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

func MustCreateSession(tb testing.TB, db *store.DB, id string, userID int64, created, seen time.Time) *app.Session {
	tb.Helper()
	s := &app.Session{ID: id, UserID: userID, CreatedAt: created, SeenAt: seen, IP: "10.0.0.1"}
	if err := db.CreateSession(context.Background(), s); err != nil {
		tb.Fatalf("create session %s: %v", id, err)
	}
	return s
}

func testSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u := MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
	// Given in another zone: what comes back is the same instant in UTC.
	istanbul := time.FixedZone("TRT", 3*60*60)
	s := MustCreateSession(t, db, "sess-1", u.ID, t0.In(istanbul), t0.Add(time.Minute))
	want := app.Session{ID: "sess-1", UserID: u.ID, CreatedAt: t0, SeenAt: t0.Add(time.Minute), IP: "10.0.0.1"}
	if got, err := db.SessionByID(ctx, s.ID); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("created: got %+v, %v, want %+v", got, err, want)
	}

	if err := db.TouchSession(ctx, s.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want.SeenAt = t0.Add(time.Hour)
	if got, err := db.SessionByID(ctx, s.ID); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("touched: got %+v, %v, want %+v", got, err, want)
	}

	if err := db.CreateSession(ctx, &app.Session{ID: "sess-1", UserID: u.ID, CreatedAt: t0, SeenAt: t0}); !errors.Is(err, app.ErrConflict) {
		t.Errorf("duplicate ID: got %v, want %v", err, app.ErrConflict)
	}
	if err := db.CreateSession(ctx, &app.Session{ID: "sess-x", UserID: unknownID, CreatedAt: t0, SeenAt: t0}); err == nil {
		t.Error("unknown user: got nil, want an error")
	}

	if err := db.DeleteSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
	}{
		{"SessionByID", second(db.SessionByID(ctx, s.ID))},
		{"TouchSession", db.TouchSession(ctx, s.ID, t0)},
		{"DeleteSession", db.DeleteSession(ctx, s.ID)},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, app.ErrNotFound) {
			t.Errorf("%s after delete: got %v, want %v", tt.name, tt.err, app.ErrNotFound)
		}
	}
}

// sessionsLeft returns which of ids still exist, in order.
func sessionsLeft(tb testing.TB, db *store.DB, ids ...string) []string {
	tb.Helper()
	left := []string{}
	for _, id := range ids {
		_, err := db.SessionByID(context.Background(), id)
		switch {
		case err == nil:
			left = append(left, id)
		case !errors.Is(err, app.ErrNotFound):
			tb.Fatalf("session %s: %v", id, err)
		}
	}
	return left
}

func testDeleteUserSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := MustCreateUser(t, db, "a@example.com", app.RoleStaff)
	b := MustCreateUser(t, db, "b@example.com", app.RoleStaff)
	all := []string{"a1", "a2", "a3", "b1"}
	for _, id := range all {
		user := a.ID
		if id[0] == 'b' {
			user = b.ID
		}
		MustCreateSession(t, db, id, user, t0, t0)
	}
	steps := []struct {
		name   string
		userID int64
		keep   string
		want   []string
	}{
		{"all but the current one", a.ID, "a2", []string{"a2", "b1"}},
		{"keep names another user's session", a.ID, "b1", []string{"b1"}},
		{"everything", b.ID, "", []string{}},
		{"none left", b.ID, "", []string{}},
	}
	for _, s := range steps {
		if err := db.DeleteUserSessions(ctx, s.userID, s.keep); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := sessionsLeft(t, db, all...); !slices.Equal(got, s.want) {
			t.Errorf("%s: got %v, want %v", s.name, got, s.want)
		}
	}
}

// testDeleteStaleSessions: a session goes when idle since seenBefore or
// begun before createdBefore; both bounds are exclusive.
func testDeleteStaleSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u := MustCreateUser(t, db, "staff@example.com", app.RoleStaff)
	seenBefore, createdBefore := t0.Add(-30*time.Minute), t0.Add(-12*time.Hour)
	tests := []struct {
		id            string
		created, seen time.Time
		kept          bool
	}{
		{"fresh", t0.Add(-time.Hour), t0.Add(-time.Minute), true},
		{"idle", t0.Add(-time.Hour), seenBefore.Add(-time.Second), false},
		{"seen at the bound", t0.Add(-time.Hour), seenBefore, true},
		{"too old", createdBefore.Add(-time.Second), t0, false},
		{"created at the bound", createdBefore, t0, true},
		{"idle and too old", createdBefore.Add(-time.Hour), seenBefore.Add(-time.Hour), false},
	}
	var ids, want []string
	for _, tt := range tests {
		MustCreateSession(t, db, tt.id, u.ID, tt.created, tt.seen)
		ids = append(ids, tt.id)
		if tt.kept {
			want = append(want, tt.id)
		}
	}
	n, err := db.DeleteStaleSessions(ctx, seenBefore, createdBefore)
	if err != nil {
		t.Fatal(err)
	}
	if wantN := int64(len(ids) - len(want)); n != wantN {
		t.Errorf("deleted: got %d, want %d", n, wantN)
	}
	if got := sessionsLeft(t, db, ids...); !slices.Equal(got, want) {
		t.Errorf("left: got %v, want %v", got, want)
	}
	if n, err := db.DeleteStaleSessions(ctx, seenBefore, createdBefore); err != nil || n != 0 {
		t.Errorf("again: got %d, %v, want 0", n, err)
	}
}

// testCountLoginAttempt: attempts count per normalised e-mail and IP, and
// a window that began before windowStart starts again with this attempt.
func testCountLoginAttempt(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	const window = 15 * time.Minute
	steps := []struct {
		name      string
		at        time.Duration // since start
		email, ip string
		window    time.Duration // windowStart is the attempt's time less this
		want      int
		wantFirst time.Duration // since start
	}{
		{"first", 0, "ayse@example.com", "10.0.0.1", window, 1, 0},
		{"second", time.Minute, "ayse@example.com", "10.0.0.1", window, 2, 0},
		{"e-mail as typed", 2 * time.Minute, " Ayse@Example.COM", "10.0.0.1", window, 3, 0},
		{"another IP", 2 * time.Minute, "ayse@example.com", "10.0.0.2", window, 1, 2 * time.Minute},
		{"another e-mail", 2 * time.Minute, "bora@example.com", "10.0.0.1", window, 1, 2 * time.Minute},
		{"window began at windowStart", window, "ayse@example.com", "10.0.0.1", window, 4, 0},
		{"window began before windowStart", window + time.Second, "ayse@example.com", "10.0.0.1", window, 1, window + time.Second},
		{"the new window counts on", window + time.Minute, "ayse@example.com", "10.0.0.1", window, 2, window + time.Second},
		{"the other IP is untouched", window + time.Minute, "ayse@example.com", "10.0.0.2", time.Hour, 2, 2 * time.Minute},
	}
	for _, s := range steps {
		clk.Advance(start.Add(s.at).Sub(clk.Now()))
		got, err := db.CountLoginAttempt(ctx, s.email, s.ip, clk.Now().Add(-s.window))
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if want := (app.LoginAttempts{Count: s.want, FirstAt: start.Add(s.wantFirst)}); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", s.name, got, want)
		}
	}
}

// testCountLoginAttemptConcurrent: parallel attempts for one e-mail and IP
// each get their own count, 1 to N, so the throttle holds under parallel
// requests.
func testCountLoginAttemptConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const n = 16
	counts := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var a app.LoginAttempts
			a, errs[i] = db.CountLoginAttempt(ctx, "ayse@example.com", "10.0.0.1", t0.Add(-time.Hour))
			counts[i] = a.Count
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	slices.Sort(counts)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(counts, want) {
		t.Errorf("got %v, want %v", counts, want)
	}
}

func testClearLoginAttempts(t *testing.T, db *store.DB) {
	ctx := context.Background()
	windowStart := t0.Add(-time.Hour)
	count := func(email, ip string) int {
		t.Helper()
		a, err := db.CountLoginAttempt(ctx, email, ip, windowStart)
		if err != nil {
			t.Fatal(err)
		}
		return a.Count
	}
	count("ayse@example.com", "10.0.0.1")
	count("ayse@example.com", "10.0.0.1")
	count("ayse@example.com", "10.0.0.2")
	count("bora@example.com", "10.0.0.1")
	if err := db.ClearLoginAttempts(ctx, " Ayse@Example.com", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := db.ClearLoginAttempts(ctx, "nobody@example.com", "10.0.0.1"); err != nil {
		t.Errorf("clear with no attempts: got %v, want nil", err)
	}
	tests := []struct {
		email, ip string
		want      int
	}{
		{"ayse@example.com", "10.0.0.1", 1}, // cleared: a new window
		{"ayse@example.com", "10.0.0.2", 2},
		{"bora@example.com", "10.0.0.1", 2},
	}
	for _, tt := range tests {
		if got := count(tt.email, tt.ip); got != tt.want {
			t.Errorf("%s from %s: got %d, want %d", tt.email, tt.ip, got, tt.want)
		}
	}
}

func testPruneLoginAttempts(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	windowStart := start.Add(-time.Hour)
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if _, err := db.CountLoginAttempt(ctx, email, "10.0.0.1", windowStart); err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * time.Minute)
	}
	// Windows began at start, +10m and +20m; the bound is exclusive.
	n, err := db.PruneLoginAttempts(ctx, start.Add(10*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("pruned: got %d, %v, want 1", n, err)
	}
	tests := []struct {
		email string
		want  int
	}{
		{"a@example.com", 1}, // pruned
		{"b@example.com", 2},
		{"c@example.com", 2},
	}
	for _, tt := range tests {
		a, err := db.CountLoginAttempt(ctx, tt.email, "10.0.0.1", windowStart)
		if err != nil || a.Count != tt.want {
			t.Errorf("%s: got %d, %v, want %d", tt.email, a.Count, err, tt.want)
		}
	}
}
