package app_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
)

// TestLogin: a right password signs in; a wrong one, an unknown e-mail and
// a disabled account get one and the same refusal.
func TestLogin(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	gone := MustCreateUser(t, e, "gone@shop.example", app.RoleStaff, "gone password")
	if _, err := e.App.Users.SetDisabled(ctx, app.System, gone.ID, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		email    string
		password string
		want     error // nil: signed in
	}{
		{"right", " Staff@Shop.Example ", "staff password", nil},
		{"wrong password", "staff@shop.example", "staff passwort", app.ErrLoginRefused},
		{"unknown e-mail", "nobody@shop.example", "staff password", app.ErrLoginRefused},
		{"disabled, right password", "gone@shop.example", "gone password", app.ErrLoginRefused},
		{"disabled, wrong password", "gone@shop.example", "gone passwort", app.ErrLoginRefused},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := fmt.Sprintf("198.51.100.%d", i+1)
			u, token, err := e.App.Users.Login(ctx, app.LoginInput{Email: tt.email, Password: tt.password, IP: ip})
			if tt.want != nil {
				if err != tt.want || u != nil || token != "" {
					t.Fatalf("got %v, %q, %v, want exactly %v", u, token, err, tt.want)
				}
				evs := auditEvents(t, e, app.AuditFilter{Action: "auth.login_failed", TargetID: app.NormalizeEmail(tt.email)})
				if len(evs) == 0 || evs[0].IP != ip || evs[0].ActorID != nil {
					t.Fatalf("got failure audit %+v, want one from %s by nobody", evs, ip)
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if u.ID != staff.ID {
				t.Fatalf("signed in as %d, want %d", u.ID, staff.ID)
			}
			got, sess, err := e.App.Users.Authenticate(ctx, token)
			if err != nil || got.ID != staff.ID || sess.IP != ip {
				t.Fatalf("the new session: got %v, %v, %v, want staff from %s", got, sess, err, ip)
			}
			if n := auditCount(t, e, "auth.login", staff.Email); n != 1 {
				t.Fatalf("auth.login rows: got %d, want 1", n)
			}
		})
	}
	// The refusals tell nothing apart, down to the message.
	if n := auditCount(t, e, "auth.login_failed", ""); n != 4 {
		t.Errorf("auth.login_failed rows: got %d, want 4", n)
	}
}

func TestLogin_FieldErrors(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	long := strings.Repeat("a", 10_000) + "@shop.example"
	tests := []struct {
		name            string
		email, password string
		want            app.FieldErrors
	}{
		{"10 000-character e-mail", long, "whatever password", app.FieldErrors{"email": "account.email_invalid"}},
		{"no e-mail", "  ", "whatever password", app.FieldErrors{"email": "auth.email_required"}},
		{"no password", "staff@shop.example", "", app.FieldErrors{"password": "auth.password_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.App.Users.Login(ctx, app.LoginInput{Email: tt.email, Password: tt.password, IP: "203.0.113.5"})
			wantCode(t, err, app.CodeInvalid, "")
			if got := app.ErrorFields(err); !maps.Equal(got, tt.want) {
				t.Errorf("got fields %v, want %v", got, tt.want)
			}
		})
	}
	// Nothing was written: no audit row and no attempt counted (counting
	// one now finds it the first).
	if n := auditCount(t, e, "", ""); n != 0 {
		t.Errorf("audit rows: got %d, want 0", n)
	}
	for _, email := range []string{long, "staff@shop.example"} {
		att, err := e.DB.CountLoginAttempt(ctx, email, "203.0.113.5", t0.Add(-time.Hour))
		if err != nil || att.Count != 1 {
			t.Errorf("attempts stored for %.20s…: got %d before this one (%v), want 0", email, att.Count-1, err)
		}
	}
}

func TestLogin_Throttle(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	login := func(password, ip string) error {
		_, _, err := e.App.Users.Login(ctx, app.LoginInput{Email: staff.Email, Password: password, IP: ip})
		return err
	}
	const ip = "198.51.100.20"
	for i := range app.LoginMaxFailures {
		if err := login("guess "+fmt.Sprint(i), ip); err != app.ErrLoginRefused {
			t.Fatalf("wrong password #%d: got %v, want ErrLoginRefused", i+1, err)
		}
	}
	err := login("staff password", ip)
	wantCode(t, err, app.CodeTooMany, "auth.login_throttled")
	var ae *app.Error
	errors.As(err, &ae)
	if ae.Wait != app.LoginWindow {
		t.Errorf("wait: got %v, want %v (the window began now)", ae.Wait, app.LoginWindow)
	}
	e.Clock.Advance(5 * time.Minute)
	err = login("staff password", ip)
	if errors.As(err, &ae); ae == nil || ae.Code != app.CodeTooMany || ae.Wait != app.LoginWindow-5*time.Minute {
		t.Errorf("five minutes on: got %v, want CodeTooMany with %v to wait", err, app.LoginWindow-5*time.Minute)
	}
	// The throttle is per e-mail and IP: the person at another counter
	// still signs in.
	if err := login("staff password", "198.51.100.21"); err != nil {
		t.Errorf("from another IP: %v", err)
	}
	// Once the window is over, the right password works again.
	e.Clock.Advance(app.LoginWindow)
	if err := login("staff password", ip); err != nil {
		t.Errorf("after the window: %v", err)
	}
	evs := auditEvents(t, e, app.AuditFilter{TargetID: staff.Email})
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	want := []string{"auth.login", "auth.login", "auth.login_throttled", "auth.login_failed"}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Errorf("audit, newest first: got %v, want %v", actions, want)
	}
}

// TestLogin_ConcurrentBurst sends 60 wrong passwords for one e-mail and IP
// at once, and the right one while they are still coming: only
// LoginMaxFailures passwords are checked, the right one is throttled like
// the rest, and the refusals write two audit rows, not sixty.
func TestLogin_ConcurrentBurst(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	const (
		n  = 60
		ip = "198.51.100.30"
	)
	errs := make(chan error, n)
	throttled := make(chan struct{}) // closed at the first throttled answer
	var once sync.Once
	start := make(chan struct{})
	var wg, guesses sync.WaitGroup
	guessed := make(chan struct{})
	for i := range n {
		guesses.Add(1)
		wg.Go(func() {
			defer guesses.Done()
			<-start
			_, _, err := e.App.Users.Login(ctx, app.LoginInput{Email: staff.Email, Password: fmt.Sprintf("guess %d", i), IP: ip})
			if app.ErrorCode(err) == app.CodeTooMany {
				once.Do(func() { close(throttled) })
			}
			errs <- err
		})
	}
	// The right password goes once the limit is passed, while guesses
	// are still in flight. (Sent before the limit, it would sign in and
	// clear the count, as a right password should.)
	var rightErr error
	var rightToken string
	go func() { guesses.Wait(); close(guessed) }()
	wg.Go(func() {
		select {
		case <-throttled:
		case <-guessed: // none throttled: the checks below fail
		}
		_, rightToken, rightErr = e.App.Users.Login(ctx, app.LoginInput{Email: staff.Email, Password: "staff password", IP: ip})
	})
	close(start)
	wg.Wait()
	close(errs)

	checked := 0
	for err := range errs {
		switch {
		case err == app.ErrLoginRefused:
			checked++
		case app.ErrorCode(err) == app.CodeTooMany:
		default:
			t.Fatalf("a guess got %v, want ErrLoginRefused or CodeTooMany", err)
		}
	}
	if checked != app.LoginMaxFailures {
		t.Errorf("passwords checked: got %d, want %d", checked, app.LoginMaxFailures)
	}
	if app.ErrorCode(rightErr) != app.CodeTooMany || rightToken != "" {
		t.Errorf("right password past the limit: got %q, %v, want CodeTooMany", rightToken, rightErr)
	}
	for action, want := range map[string]int{"auth.login_failed": 1, "auth.login_throttled": 1, "auth.login": 0} {
		if got := auditCount(t, e, action, staff.Email); got != want {
			t.Errorf("%s rows: got %d, want %d", action, got, want)
		}
	}
}

func TestSessions_Logout(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	other := MustCreateUser(t, e, "other@shop.example", app.RoleStaff, "other password")
	phone, desk, laptop := MustStartSession(t, e, staff), MustStartSession(t, e, staff), MustStartSession(t, e, staff)
	otherToken := MustStartSession(t, e, other)
	u, sess, err := e.App.Users.Authenticate(ctx, phone) // cached now
	if err != nil {
		t.Fatal(err)
	}

	if err := e.App.Users.Logout(ctx, actor(u), phone); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.App.Users.Authenticate(ctx, phone); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("after logout: got %v, want ErrNotFound", err)
	}
	if _, err := e.DB.SessionByID(ctx, sess.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("session row after logout: got %v, want it deleted", err)
	}
	if _, _, err := e.App.Users.Authenticate(ctx, desk); err != nil {
		t.Errorf("another session after logout: %v", err)
	}
	if err := e.App.Users.Logout(ctx, actor(u), phone); err != nil {
		t.Errorf("logging out twice: %v", err)
	}

	if err := e.App.Users.LogoutEverywhere(ctx, actor(u)); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"desk": desk, "laptop": laptop} {
		if _, _, err := e.App.Users.Authenticate(ctx, token); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("%s after logout everywhere: got %v, want ErrNotFound", name, err)
		}
	}
	if _, _, err := e.App.Users.Authenticate(ctx, otherToken); err != nil {
		t.Errorf("someone else's session after logout everywhere: %v", err)
	}
	for _, action := range []string{"auth.logout", "auth.logout_everywhere"} {
		if n := auditCount(t, e, action, staff.Email); n < 1 {
			t.Errorf("%s rows: got %d, want at least 1", action, n)
		}
	}
	if _, _, err := e.App.Users.Authenticate(ctx, ""); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("no token: got %v, want ErrNotFound", err)
	}
}

func TestSessions_Expiry(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	authenticate := func(token string) error {
		_, _, err := e.App.Users.Authenticate(ctx, token)
		return err
	}

	t.Run("idle", func(t *testing.T) {
		token := MustStartSession(t, e, staff)
		e.Clock.Advance(app.IdleTimeout) // just at the limit: still in
		if err := authenticate(token); err != nil {
			t.Fatalf("at the idle limit: %v", err)
		}
		e.Clock.Advance(app.IdleTimeout) // used just now: counts from then
		if err := authenticate(token); err != nil {
			t.Fatalf("idle limit after the last use: %v", err)
		}
		e.Clock.Advance(app.IdleTimeout + time.Second)
		if err := authenticate(token); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("idle past the limit: got %v, want ErrNotFound", err)
		}
	})

	t.Run("absolute", func(t *testing.T) {
		token := MustStartSession(t, e, staff)
		for used := time.Duration(0); used < app.AbsoluteTimeout; {
			step := min(7*time.Hour, app.AbsoluteTimeout-used)
			e.Clock.Advance(step)
			used += step
			if err := authenticate(token); err != nil {
				t.Fatalf("used every 7h, %v after sign-in: %v", used, err)
			}
		}
		e.Clock.Advance(time.Second)
		if err := authenticate(token); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("past the absolute limit, used a second ago: got %v, want ErrNotFound", err)
		}
	})
}

func TestSessions_Prune(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	staff := MustCreateUser(t, e, "staff@shop.example", app.RoleStaff, "staff password")
	idle := MustStartSession(t, e, staff)
	busy := MustStartSession(t, e, staff)
	_, busySession, err := e.App.Users.Authenticate(ctx, busy)
	if err != nil {
		t.Fatal(err)
	}
	_, idleSession, err := e.App.Users.Authenticate(ctx, idle)
	if err != nil {
		t.Fatal(err)
	}
	for range 24 { // used every 7 hours for a week
		e.Clock.Advance(7 * time.Hour)
		if _, _, err := e.App.Users.Authenticate(ctx, busy); err != nil {
			t.Fatal(err)
		}
	}
	fresh := MustStartSession(t, e, staff)
	e.Clock.Advance(time.Hour)

	n, err := e.App.Users.PruneSessions(ctx)
	if err != nil || n != 2 {
		t.Fatalf("prune: got %d, %v, want 2 (one idle, one past a week)", n, err)
	}
	for _, id := range []string{idleSession.ID, busySession.ID} {
		if _, err := e.DB.SessionByID(ctx, id); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("pruned session: got %v, want deleted", err)
		}
	}
	if _, _, err := e.App.Users.Authenticate(ctx, fresh); err != nil {
		t.Errorf("the fresh session after pruning: %v", err)
	}
	if n, err := e.App.Users.PruneSessions(ctx); err != nil || n != 0 {
		t.Errorf("prune again: got %d, %v, want 0", n, err)
	}
}
