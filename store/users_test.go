package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"linkdesk/store"
)

// MustCreateUser creates an enabled user with a dummy password hash.
func MustCreateUser(tb testing.TB, db *store.DB, email string, role store.Role) *store.User {
	tb.Helper()
	u := &store.User{Email: email, Name: "Name of " + email, Role: role, PasswordHash: []byte("hash")}
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    store.Role
		wantErr bool
	}{
		{"owner", store.RoleOwner, false},
		{" Staff ", store.RoleStaff, false},
		{"VIEWER", store.RoleViewer, false},
		{"admin", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := store.ParseRole(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseRole(%q): got %q, %v, want %q, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
		if tt.wantErr && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ParseRole(%q): got %v, want ErrInvalid", tt.in, err)
		}
	}
}

func TestCreateUser(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	u := &store.User{Email: "  Ayse@Example.COM ", Name: "Ayşe", Role: store.RoleStaff, PasswordHash: []byte("h")}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "ayse@example.com" || u.SessionEpoch != 1 || !u.CreatedAt.Equal(clk.Now()) {
		t.Errorf("created: got ID %d, email %q, epoch %d, created %v; want an ID, ayse@example.com, 1, %v",
			u.ID, u.Email, u.SessionEpoch, u.CreatedAt, clk.Now())
	}
	for _, lookup := range []func() (*store.User, error){
		func() (*store.User, error) { return db.UserByID(ctx, u.ID) },
		func() (*store.User, error) { return db.UserByEmail(ctx, "AYSE@example.com ") },
	} {
		got, err := lookup()
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(*got) != fmt.Sprint(*u) {
			t.Errorf("got %+v, want %+v", *got, *u)
		}
	}
}

func TestCreateUser_Refused(t *testing.T) {
	db := MustOpenDB(t)
	MustCreateUser(t, db, "taken@example.com", store.RoleStaff)
	tests := []struct {
		name string
		user store.User
		want error
	}{
		{"duplicate email in another case", store.User{Email: "Taken@Example.com", Role: store.RoleViewer, PasswordHash: []byte("h")}, store.ErrConflict},
		{"empty email", store.User{Email: " ", Role: store.RoleStaff, PasswordHash: []byte("h")}, store.ErrInvalid},
		{"email without @", store.User{Email: "nobody", Role: store.RoleStaff, PasswordHash: []byte("h")}, store.ErrInvalid},
		{"unknown role", store.User{Email: "a@example.com", Role: "admin", PasswordHash: []byte("h")}, store.ErrInvalid},
		{"no password hash", store.User{Email: "b@example.com", Role: store.RoleStaff}, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.CreateUser(context.Background(), &tt.user)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if n, err := db.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("count: got %d, %v, want 1", n, err)
	}
}

func TestUserLookups_NotFound(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	if _, err := db.UserByID(ctx, 42); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByID: got %v, want ErrNotFound", err)
	}
	if _, err := db.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByEmail: got %v, want ErrNotFound", err)
	}
	updates := map[string]error{
		"role":     db.UpdateUserRole(ctx, 42, store.RoleStaff),
		"disabled": db.SetUserDisabled(ctx, 42, true),
		"password": db.SetPassword(ctx, 42, []byte("h")),
	}
	for name, err := range updates {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update %s of a missing user: got %v, want ErrNotFound", name, err)
		}
	}
}

func TestListAndCountUsers(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	if users, err := db.ListUsers(ctx); err != nil || len(users) != 0 {
		t.Errorf("empty list: got %v, %v, want none", users, err)
	}
	for _, email := range []string{"c@example.com", "a@example.com", "b@example.com"} {
		MustCreateUser(t, db, email, store.RoleStaff)
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users {
		got = append(got, u.Email)
	}
	if want := "[a@example.com b@example.com c@example.com]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 3 {
		t.Errorf("count: got %d, %v, want 3", n, err)
	}
}

func TestCreateFirstOwner_OnlyOnce(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	first := &store.User{Email: "owner@example.com", Name: "Owner", PasswordHash: []byte("h")}
	if err := db.CreateFirstOwner(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Role != store.RoleOwner {
		t.Errorf("got ID %d, role %q, want an ID and owner", first.ID, first.Role)
	}
	second := &store.User{Email: "other@example.com", PasswordHash: []byte("h")}
	if err := db.CreateFirstOwner(ctx, second); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second owner: got %v, want ErrConflict", err)
	}
	staff := &store.User{Email: "s@example.com", Role: store.RoleStaff, PasswordHash: []byte("h")}
	if err := db.CreateFirstOwner(ctx, staff); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("first owner with role staff: got %v, want ErrInvalid", err)
	}
}

func TestCreateFirstOwner_ConcurrentExactlyOneWins(t *testing.T) {
	db := MustOpenDB(t)
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			u := &store.User{Email: fmt.Sprintf("owner%d@example.com", i), PasswordHash: []byte("h")}
			errs[i] = db.CreateFirstOwner(context.Background(), u)
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racer %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("winners: got %d, want 1", wins)
	}
	if n, err := db.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("count: got %d, %v, want 1", n, err)
	}
}

func TestUserUpdates_SessionEpoch(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		update    func(db *store.DB, id int64) error
		wantEpoch int64
		check     func(u *store.User) bool
	}{
		{"password change bumps", func(db *store.DB, id int64) error { return db.SetPassword(ctx, id, []byte("new")) },
			2, func(u *store.User) bool { return string(u.PasswordHash) == "new" }},
		{"disable bumps", func(db *store.DB, id int64) error { return db.SetUserDisabled(ctx, id, true) },
			2, func(u *store.User) bool { return u.Disabled }},
		{"re-enable keeps", func(db *store.DB, id int64) error { return db.SetUserDisabled(ctx, id, false) },
			1, func(u *store.User) bool { return !u.Disabled }},
		{"role change keeps", func(db *store.DB, id int64) error { return db.UpdateUserRole(ctx, id, store.RoleViewer) },
			1, func(u *store.User) bool { return u.Role == store.RoleViewer }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			clk := useClock(db)
			MustCreateUser(t, db, "owner@example.com", store.RoleOwner)
			u := MustCreateUser(t, db, "staff@example.com", store.RoleStaff)
			clk.Advance(time.Minute)
			if err := tt.update(db, u.ID); err != nil {
				t.Fatal(err)
			}
			got, err := db.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.SessionEpoch != tt.wantEpoch {
				t.Errorf("epoch: got %d, want %d", got.SessionEpoch, tt.wantEpoch)
			}
			if !tt.check(got) {
				t.Errorf("the change is missing: got %+v", *got)
			}
			if !got.UpdatedAt.Equal(clk.Now()) {
				t.Errorf("updated at: got %v, want %v", got.UpdatedAt, clk.Now())
			}
		})
	}
}

func TestUserUpdates_KeepAnEnabledOwner(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	owner := MustCreateUser(t, db, "owner@example.com", store.RoleOwner)
	if err := db.UpdateUserRole(ctx, owner.ID, store.RoleStaff); !errors.Is(err, store.ErrLastOwner) || !errors.Is(err, store.ErrConflict) {
		t.Errorf("demote the only owner: got %v, want ErrLastOwner (an ErrConflict)", err)
	}
	if err := db.SetUserDisabled(ctx, owner.ID, true); !errors.Is(err, store.ErrLastOwner) {
		t.Errorf("disable the only owner: got %v, want ErrLastOwner", err)
	}
	got, err := db.UserByID(ctx, owner.ID)
	if err != nil || got.Role != store.RoleOwner || got.Disabled || got.SessionEpoch != 1 {
		t.Errorf("refused changes must leave the owner as it was: got %+v, %v", got, err)
	}

	second := MustCreateUser(t, db, "second@example.com", store.RoleOwner)
	if err := db.SetUserDisabled(ctx, owner.ID, true); err != nil {
		t.Errorf("disable one of two owners: got %v, want nil", err)
	}
	if err := db.UpdateUserRole(ctx, second.ID, store.RoleViewer); !errors.Is(err, store.ErrLastOwner) {
		t.Errorf("demote the last enabled owner: got %v, want ErrLastOwner", err)
	}
}
