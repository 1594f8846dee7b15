package app_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"linkdesk/app"
)

func TestUsers_SetupOnce(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	if done, err := e.App.Users.SetupDone(ctx); err != nil || done {
		t.Fatalf("SetupDone on a fresh database: got %v, %v, want false", done, err)
	}
	_, _, err := e.App.Users.Setup(ctx, app.NewUser{Email: "ayse@shop", Name: "Ayşe", Password: "correct horse"}, "192.0.2.1")
	if got := app.ErrorFields(err); got["email"] != "account.email_invalid" {
		t.Fatalf("Setup with a bad e-mail: got %v, want an email field error", err)
	}

	// Eight browsers post the first-run form at once: one owner.
	const n = 8
	type result struct {
		u     *app.User
		token string
		err   error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			in := app.NewUser{Email: fmt.Sprintf("owner%d@shop.example", i), Name: "Owner", Role: app.RoleViewer, Password: "correct horse"}
			u, token, err := e.App.Users.Setup(ctx, in, "192.0.2.1")
			results[i] = result{u, token, err}
		})
	}
	close(start)
	wg.Wait()

	var winner *result
	for i := range results {
		switch r := &results[i]; {
		case r.err == nil:
			if winner != nil {
				t.Fatalf("setup succeeded for %s and %s, want one", winner.u.Email, r.u.Email)
			}
			winner = r
		case !errors.Is(r.err, app.ErrSetupDone):
			t.Fatalf("setup #%d: got %v, want ErrSetupDone", i, r.err)
		}
	}
	if winner == nil {
		t.Fatal("no setup succeeded")
	}
	if winner.u.Role != app.RoleOwner {
		t.Errorf("first user's role: got %s, want owner (whatever was asked)", winner.u.Role)
	}
	users, err := e.App.Users.List(ctx)
	if err != nil || len(users) != 1 || users[0].Email != winner.u.Email {
		t.Fatalf("users after setup: got %v, %v, want only %s", users, err, winner.u.Email)
	}
	if got := auditCount(t, e, "user.create", ""); got != 1 {
		t.Errorf("user.create audit rows: got %d, want 1", got)
	}
	if u, _, err := e.App.Users.Authenticate(ctx, winner.token); err != nil || u.ID != winner.u.ID {
		t.Errorf("the setup's session: got %v, %v, want the owner signed in", u, err)
	}
	if done, err := e.App.Users.SetupDone(ctx); err != nil || !done {
		t.Errorf("SetupDone after setup: got %v, %v, want true", done, err)
	}
}

func TestUsers_CreateValidates(t *testing.T) {
	t.Parallel()
	valid := app.NewUser{Email: "ayse@shop.example", Name: "Ayşe Yılmaz", Role: app.RoleStaff, Password: "correct horse"}
	tests := []struct {
		name string
		edit func(*app.NewUser)
		want app.FieldErrors
	}{
		{"no dot in the domain", func(in *app.NewUser) { in.Email = "ayse@shop" }, app.FieldErrors{"email": "account.email_invalid"}},
		{"display name", func(in *app.NewUser) { in.Email = "Ayşe <ayse@shop.example>" }, app.FieldErrors{"email": "account.email_invalid"}},
		{"space in e-mail", func(in *app.NewUser) { in.Email = "ayse yilmaz@shop.example" }, app.FieldErrors{"email": "account.email_invalid"}},
		{"no at", func(in *app.NewUser) { in.Email = "ayse.shop.example" }, app.FieldErrors{"email": "account.email_invalid"}},
		{"e-mail too long", func(in *app.NewUser) { in.Email = strings.Repeat("a", 250) + "@shop.example" }, app.FieldErrors{"email": "account.email_invalid"}},
		{"no name", func(in *app.NewUser) { in.Name = "   " }, app.FieldErrors{"name": "account.name_required"}},
		{"long name", func(in *app.NewUser) { in.Name = strings.Repeat("ş", app.MaxUserNameLen+1) }, app.FieldErrors{"name": "account.name_long"}},
		{"weak password", func(in *app.NewUser) { in.Password = "123456789" }, app.FieldErrors{"password": "auth.password_short"}},
		{"short in characters", func(in *app.NewUser) { in.Password = strings.Repeat("ş", app.MinPasswordLen-1) }, app.FieldErrors{"password": "auth.password_short"}},
		{"long password", func(in *app.NewUser) { in.Password = strings.Repeat("x", app.MaxPasswordBytes+1) }, app.FieldErrors{"password": "auth.password_long"}},
		{"long in bytes", func(in *app.NewUser) { in.Password = strings.Repeat("ş", 37) }, app.FieldErrors{"password": "auth.password_long"}},
		{"unknown role", func(in *app.NewUser) { in.Role = "admin" }, app.FieldErrors{"role": "account.role_invalid"}},
		{"no role", func(in *app.NewUser) { in.Role = "" }, app.FieldErrors{"role": "account.role_invalid"}},
		{"everything wrong", func(in *app.NewUser) { *in = app.NewUser{Email: "x", Role: "root", Password: "x"} },
			app.FieldErrors{"email": "account.email_invalid", "name": "account.name_required", "role": "account.role_invalid", "password": "auth.password_short"}},
	}
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.edit(&in)
			u, err := e.App.Users.Create(ctx, actor(owner), in)
			if u != nil {
				t.Fatalf("got user %v, want none", u)
			}
			wantCode(t, err, app.CodeInvalid, "")
			if got := app.ErrorFields(err); !maps.Equal(got, tt.want) {
				t.Errorf("got fields %v, want %v", got, tt.want)
			}
		})
	}
	if n := auditCount(t, e, "", ""); n != 0 {
		t.Fatalf("refused creates wrote %d audit rows, want 0", n)
	}

	// A taken e-mail, in whatever case and spacing, is a field error too;
	// a free one is created with its audit row.
	MustCreateUser(t, e, "ayse@shop.example", app.RoleViewer, "some password")
	taken := valid
	taken.Email = "  AYSE@Shop.Example "
	_, err := e.App.Users.Create(ctx, actor(owner), taken)
	wantCode(t, err, app.CodeInvalid, "")
	if got := app.ErrorFields(err); !maps.Equal(got, app.FieldErrors{"email": "account.email_taken"}) {
		t.Errorf("taken e-mail: got fields %v, want email taken", got)
	}
	free := valid
	free.Email = " Mehmet@Shop.Example"
	u, err := e.App.Users.Create(ctx, actor(owner), free)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if u.Email != "mehmet@shop.example" || u.Role != app.RoleStaff || u.ID == 0 {
		t.Errorf("created: got %+v, want mehmet@shop.example as staff", u)
	}
	evs := auditEvents(t, e, app.AuditFilter{})
	if len(evs) != 1 || evs[0].Action != "user.create" || evs[0].TargetID != u.Email || *evs[0].ActorID != owner.ID {
		t.Fatalf("audit after creates: got %+v, want one user.create by the owner", evs)
	}
	if strings.Contains(string(evs[0].After), "hash") || strings.Contains(string(evs[0].After), "correct horse") {
		t.Errorf("audit row holds the password: %s", evs[0].After)
	}
}

// TestUsers_LastOwnerConcurrent has two owners demote or disable each other
// at the same moment, many times: one wins, the other is refused, and
// there is always an enabled owner left.
func TestUsers_LastOwnerConcurrent(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	a := MustCreateUser(t, e, "a@shop.example", app.RoleOwner, "password a1")
	b := MustCreateUser(t, e, "b@shop.example", app.RoleOwner, "password b1")
	ops := map[string]func(by, target *app.User) (bool, error){
		"demote": func(by, target *app.User) (bool, error) {
			return e.App.Users.SetRole(ctx, actor(by), target.ID, app.RoleStaff)
		},
		"disable": func(by, target *app.User) (bool, error) {
			return e.App.Users.SetDisabled(ctx, actor(by), target.ID, true)
		},
	}
	pairs := [][2]string{{"demote", "demote"}, {"disable", "disable"}, {"demote", "disable"}, {"disable", "demote"}}
	const rounds = 40
	for round := range rounds {
		// Both are enabled owners again, as the store holds them.
		for _, u := range []*app.User{a, b} {
			fresh, err := e.DB.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			fresh.Role, fresh.Disabled = app.RoleOwner, false
			if err := e.DB.UpdateUser(ctx, fresh); err != nil {
				t.Fatal(err)
			}
		}
		before := auditCount(t, e, "", "")
		pair := pairs[round%len(pairs)]
		var errA, errB error
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { <-start; _, errA = ops[pair[0]](a, b) })
		wg.Go(func() { <-start; _, errB = ops[pair[1]](b, a) })
		close(start)
		wg.Wait()

		n, err := e.DB.CountEnabledOwners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("round %d (%v): %d enabled owners left, want 1 (errors %v, %v)", round, pair, n, errA, errB)
		}
		okA, okB := errA == nil, errB == nil
		if okA == okB || !errors.Is(errors.Join(errA, errB), app.ErrLastOwner) {
			t.Fatalf("round %d (%v): got errors %v and %v, want one ErrLastOwner", round, pair, errA, errB)
		}
		if got := auditCount(t, e, "", ""); got != before+1 {
			t.Fatalf("round %d: %d audit rows written, want 1", round, got-before)
		}
	}
}

func TestUsers_SelfAndLastOwnerRefused(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")

	_, err := e.App.Users.SetDisabled(ctx, actor(staff), staff.ID, true)
	wantCode(t, err, app.CodeConflict, "users.self_disable")
	err = e.App.Users.ResetPassword(ctx, actor(owner), owner.ID, "a new password")
	wantCode(t, err, app.CodeConflict, "users.self_password")
	if _, err := e.App.Users.SetRole(ctx, actor(owner), owner.ID, app.RoleStaff); !errors.Is(err, app.ErrLastOwner) {
		t.Errorf("the only owner demoting themselves: got %v, want ErrLastOwner", err)
	}
	if _, err := e.App.Users.SetDisabled(ctx, actor(staff), owner.ID, true); !errors.Is(err, app.ErrLastOwner) {
		t.Errorf("disabling the only owner: got %v, want ErrLastOwner", err)
	}
	if n := auditCount(t, e, "", ""); n != 0 {
		t.Errorf("refused changes wrote %d audit rows, want 0", n)
	}
	u, err := e.DB.UserByID(ctx, owner.ID)
	if err != nil || u.Disabled || u.Role != app.RoleOwner {
		t.Errorf("owner after refused changes: got %+v, %v, want an enabled owner", u, err)
	}
}

// TestUsers_ChangesAudited: each change writes exactly one audit row, by
// whom and on whom; a change to what is already so writes none.
func TestUsers_ChangesAudited(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	tests := []struct {
		name    string
		change  func() (bool, error)
		changed bool
		action  string // "" when nothing may be written
	}{
		{"demote", func() (bool, error) { return e.App.Users.SetRole(ctx, actor(owner), staff.ID, app.RoleViewer) }, true, "user.role"},
		{"same role", func() (bool, error) { return e.App.Users.SetRole(ctx, actor(owner), staff.ID, app.RoleViewer) }, false, ""},
		{"promote", func() (bool, error) { return e.App.Users.SetRole(ctx, actor(owner), staff.ID, app.RoleOwner) }, true, "user.role"},
		{"disable", func() (bool, error) { return e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, true) }, true, "user.disable"},
		{"disable again", func() (bool, error) { return e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, true) }, false, ""},
		{"enable", func() (bool, error) { return e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, false) }, true, "user.enable"},
		{"enable again", func() (bool, error) { return e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, false) }, false, ""},
	}
	for _, tt := range tests {
		before := auditEvents(t, e, app.AuditFilter{})
		changed, err := tt.change()
		if err != nil || changed != tt.changed {
			t.Fatalf("%s: got %v, %v, want changed %v", tt.name, changed, err, tt.changed)
		}
		after := auditEvents(t, e, app.AuditFilter{})
		switch {
		case tt.action == "" && len(after) != len(before):
			t.Fatalf("%s: wrote %d audit rows, want none", tt.name, len(after)-len(before))
		case tt.action != "" && len(after) != len(before)+1:
			t.Fatalf("%s: wrote %d audit rows, want 1", tt.name, len(after)-len(before))
		case tt.action != "":
			ev := after[0]
			if ev.Action != tt.action || ev.TargetID != staff.Email || ev.ActorID == nil || *ev.ActorID != owner.ID || ev.ActorEmail != owner.Email || ev.IP == "" {
				t.Fatalf("%s: got audit %+v, want %s on %s by %s", tt.name, ev, tt.action, staff.Email, owner.Email)
			}
		}
	}
	_, err := e.App.Users.SetRole(ctx, actor(owner), staff.ID, "admin")
	if got := app.ErrorFields(err); got["role"] != "account.role_invalid" {
		t.Errorf("unknown role: got %v, want a role field error", err)
	}
	if _, err := e.App.Users.SetRole(ctx, actor(owner), 9999, app.RoleStaff); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}
	if n := auditCount(t, e, "", ""); n != 4 {
		t.Errorf("audit rows in all: got %d, want 4", n)
	}
}

// TestUsers_PasswordChangesEndSessions: disabling a person or setting their
// password ends every session of theirs; changing one's own keeps the
// session it was done from.
func TestUsers_PasswordChangesEndSessions(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	signedIn := func(token string) bool {
		t.Helper()
		_, _, err := e.App.Users.Authenticate(ctx, token)
		if err != nil && !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("authenticate: %v", err)
		}
		return err == nil
	}
	sessions := func(n int) []string {
		t.Helper()
		var tokens []string
		for range n {
			token := MustStartSession(t, e, staff)
			if !signedIn(token) {
				t.Fatal("a new session does not authenticate")
			}
			tokens = append(tokens, token)
		}
		return tokens
	}
	ownerToken := MustStartSession(t, e, owner)

	t.Run("disable", func(t *testing.T) {
		tokens := sessions(2)
		if _, err := e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, true); err != nil {
			t.Fatal(err)
		}
		// Enabled again, the sessions stay ended: they were deleted,
		// not merely refused while disabled.
		if _, err := e.App.Users.SetDisabled(ctx, actor(owner), staff.ID, false); err != nil {
			t.Fatal(err)
		}
		for i, token := range tokens {
			if signedIn(token) {
				t.Errorf("session %d still signed in after disable", i)
			}
		}
	})
	passwordChanges := []struct {
		name   string
		set    func() error
		action string
		by     string // ActorEmail of the audit row
	}{
		{"reset by an owner", func() error { return e.App.Users.ResetPassword(ctx, actor(owner), staff.ID, "reset password 1") }, "user.password", owner.Email},
		{"set from the shell", func() error { return e.App.Users.SetPasswordCLI(ctx, staff.ID, "shell password 1") }, "user.password", app.ActorCLI},
	}
	for _, tt := range passwordChanges {
		t.Run(tt.name, func(t *testing.T) {
			tokens := sessions(2)
			was, err := e.DB.UserByID(ctx, staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			before := auditCount(t, e, "", "")
			if err := tt.set(); err != nil {
				t.Fatal(err)
			}
			for i, token := range tokens {
				if signedIn(token) {
					t.Errorf("session %d still signed in", i)
				}
			}
			now, err := e.DB.UserByID(ctx, staff.ID)
			if err != nil || string(now.PasswordHash) == string(was.PasswordHash) {
				t.Errorf("password hash unchanged (%v)", err)
			}
			evs := auditEvents(t, e, app.AuditFilter{})
			if len(evs) != before+1 || evs[0].Action != tt.action || evs[0].ActorEmail != tt.by || evs[0].TargetID != staff.Email {
				t.Errorf("audit: got %d new rows, newest %+v, want one %s by %s", len(evs)-before, evs[0], tt.action, tt.by)
			}
		})
	}
	if !signedIn(ownerToken) {
		t.Error("the owner's own session ended with the staff member's")
	}
	if err := e.App.Users.SetPasswordCLI(ctx, 9999, "shell password 1"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown user from the shell: got %v, want ErrNotFound", err)
	}

	t.Run("change one's own", func(t *testing.T) {
		fresh, err := e.DB.UserByID(ctx, staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		fresh.PasswordHash = cheapHash(t, "staff password")
		if err := e.DB.UpdateUser(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		tokens := sessions(3)
		me, _, err := e.App.Users.Authenticate(ctx, tokens[0])
		if err != nil {
			t.Fatal(err)
		}
		by := app.Actor{User: me, IP: "192.0.2.7"}
		before := auditCount(t, e, "", "")
		err = e.App.Users.ChangePassword(ctx, by, "wrong password", "my new password", tokens[0])
		if got := app.ErrorFields(err); got["current_password"] != "account.current_wrong" {
			t.Fatalf("wrong current password: got %v, want a current_password field error", err)
		}
		err = e.App.Users.ChangePassword(ctx, by, "staff password", "short", tokens[0])
		if got := app.ErrorFields(err); got["password"] != "auth.password_short" {
			t.Fatalf("weak new password: got %v, want a password field error", err)
		}
		for i, token := range tokens {
			if !signedIn(token) {
				t.Fatalf("session %d ended by a refused change", i)
			}
		}
		if err := e.App.Users.ChangePassword(ctx, by, "staff password", "my new password", tokens[0]); err != nil {
			t.Fatal(err)
		}
		if !signedIn(tokens[0]) {
			t.Error("the session the change was made from ended")
		}
		for i, token := range tokens[1:] {
			if signedIn(token) {
				t.Errorf("other session %d still signed in", i+1)
			}
		}
		evs := auditEvents(t, e, app.AuditFilter{})
		if len(evs) != before+1 || evs[0].Action != "user.password" || evs[0].TargetID != staff.Email || *evs[0].ActorID != staff.ID {
			t.Errorf("own change: got %d new rows, newest %+v, want one user.password by themselves", len(evs)-before, evs[0])
		}
	})
}
