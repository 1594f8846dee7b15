package web_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linkdesk/app"

	"golang.org/x/crypto/bcrypt"

	"linkdesk/handlers"
	"linkdesk/web/webtest"
)

func userPath(u *app.User, action string) string {
	p := fmt.Sprintf("/users/%d", u.ID)
	if action != "" {
		p += "/" + action
	}
	return p
}

func TestUsersAddAndChange(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	c := acctAs(t, ta, owner)
	ctx := context.Background()

	doc := acctDoc(t, c.Get(t, "/users"))
	if n := doc.Find(`[data-testid="user-row"]`).Length(); n != 1 {
		t.Fatalf("users listed: %d, want 1", n)
	}

	// Adding: a duplicate e-mail is a form error that keeps the input.
	form := url.Values{"email": {"OWNER@shop.example"}, "name": {"Twin"}, "role": {"staff"}, "password": {acctPassword}}
	resp := c.PostForm(t, "/users", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate e-mail: status %d, want 422", resp.StatusCode)
	}
	doc = acctDoc(t, resp)
	if acctText(doc, "error-email") == "" || doc.Find(`[data-testid="field-name"]`).AttrOr("value", "") != "Twin" {
		t.Error("duplicate e-mail: no field error or the name was lost")
	}
	if doc.Find(`[data-testid="field-password"]`).AttrOr("value", "") != "" {
		t.Error("the password was sent back to the browser")
	}
	form.Set("email", "sam@shop.example")
	form.Set("name", "Sam")
	acctExpectRedirect(t, c.PostForm(t, "/users", form), "/users")
	sam, err := ta.Store.UserByEmail(ctx, "sam@shop.example")
	if err != nil || sam.Role != app.RoleStaff {
		t.Fatalf("added user: %+v, %v", sam, err)
	}
	if cost, err := bcrypt.Cost(sam.PasswordHash); err != nil || cost < app.BcryptCost {
		t.Errorf("password hashed at cost %d (%v), want at least %d", cost, err, app.BcryptCost)
	}
	checkAuditChange(t, ta, "user.create", sam.Email, "", `"role":"staff"`)

	// Role change, audited before → after.
	acctExpectRedirect(t, c.PostForm(t, userPath(sam, "role"), url.Values{"role": {"viewer"}}), userPath(sam, ""))
	if got := acctReload(t, ta, sam).Role; got != app.RoleViewer {
		t.Errorf("role after change: %s, want viewer", got)
	}
	checkAuditChange(t, ta, "user.role", sam.Email, `{"role":"staff"}`, `{"role":"viewer"}`)
	if resp := c.PostForm(t, userPath(sam, "role"), url.Values{"role": {"admin"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown role: status %d, want 422", resp.StatusCode)
	}

	// Disable and enable, never delete.
	acctExpectRedirect(t, c.PostForm(t, userPath(sam, "disable"), nil), userPath(sam, ""))
	if !acctReload(t, ta, sam).Disabled {
		t.Error("user not disabled")
	}
	if got := acctText(acctDoc(t, c.Get(t, userPath(sam, ""), "Accept-Language", "en")), "user-status"); got != "Disabled" {
		t.Errorf("user page status %q, want Disabled", got)
	}
	checkAuditChange(t, ta, "user.disable", sam.Email, `{"disabled":false}`, `{"disabled":true}`)
	acctExpectRedirect(t, c.PostForm(t, userPath(sam, "enable"), nil), userPath(sam, ""))
	if acctReload(t, ta, sam).Disabled {
		t.Error("user not enabled again")
	}
	checkAuditChange(t, ta, "user.enable", sam.Email, `{"disabled":true}`, `{"disabled":false}`)

	if resp := c.Get(t, "/users/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: status %d, want 404", resp.StatusCode)
	}
}

func TestUsersLastOwnerIsKept(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	c := acctAs(t, ta, owner)

	resp := c.PostForm(t, userPath(owner, "role"), url.Values{"role": {"staff"}}, "Accept-Language", "en")
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("demoting the last owner: status %d, want 409", resp.StatusCode)
	}
	if msg := acctText(acctDoc(t, resp), "user-problem"); !strings.Contains(msg, "without an enabled owner") {
		t.Errorf("last-owner message %q", msg)
	}
	// Even with another owner to keep the shop running, nobody disables
	// their own account (the last-owner rule alone would allow it).
	acctUser(t, ta, "second@shop.example", app.RoleOwner)
	resp = c.PostForm(t, userPath(owner, "disable"), nil, "Accept-Language", "en")
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("disabling yourself: status %d, want 409", resp.StatusCode)
	}
	if msg := acctText(acctDoc(t, resp), "user-problem"); !strings.Contains(msg, "your own account") {
		t.Errorf("self-disable message %q", msg)
	}
	if u := acctReload(t, ta, owner); u.Role != app.RoleOwner || u.Disabled {
		t.Errorf("owner changed anyway: %+v", u)
	}
	if n := len(acctAudit(t, ta, "user.role")) + len(acctAudit(t, ta, "user.disable")); n != 0 {
		t.Errorf("%d audit rows for refused changes, want 0", n)
	}
}

// TestPasswordChangeEndsOtherSessions: a new password or a disable ends the
// person's other sessions, but people changing their own password stay
// signed in where they did it.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	staff := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	here, elsewhere := acctAs(t, ta, owner), acctAs(t, ta, owner)
	staffHere, staffElsewhere := acctAs(t, ta, staff), acctAs(t, ta, staff)
	const newPassword = "a brand new password"

	// Owners cannot reset their own password on their user page: that
	// would skip the current-password check of /account.
	form := url.Values{"password": {newPassword}, "password_confirm": {newPassword}}
	resp := here.PostForm(t, userPath(owner, "password"), form, "Accept-Language", "en")
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("owner resetting their own password: status %d, want 409", resp.StatusCode)
	}
	if msg := acctText(acctDoc(t, resp), "user-problem"); !strings.Contains(msg, "account page") {
		t.Errorf("own-reset message %q", msg)
	}
	if !app.CheckPassword(acctReload(t, ta, owner).PasswordHash, acctPassword) {
		t.Error("the owner's password changed through the user page")
	}

	// An owner resets staff's password: every staff session ends.
	acctExpectRedirect(t, here.PostForm(t, userPath(staff, "password"), form), userPath(staff, ""))
	checkAuditChange(t, ta, "user.password", staff.Email, "", `{"sessions_ended":true}`)
	acctExpectRedirect(t, staffHere.Get(t, "/account"), "/login")
	acctExpectRedirect(t, staffElsewhere.Get(t, "/account"), "/login")
	if !app.CheckPassword(acctReload(t, ta, staff).PasswordHash, newPassword) {
		t.Error("staff's new password not stored")
	}

	// The owner changes their own on /account: the current password is
	// needed; this browser stays signed in, the other one is signed out.
	bad := url.Values{"current_password": {"not it"}, "password": {newPassword}, "password_confirm": {newPassword}}
	if resp := here.PostForm(t, "/account/password", bad); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: status %d, want 422", resp.StatusCode)
	}
	good := url.Values{"current_password": {acctPassword}, "password": {newPassword}, "password_confirm": {newPassword}}
	acctExpectRedirect(t, here.PostForm(t, "/account/password", good), "/account")
	if resp := here.Get(t, "/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("owner's session after own change: status %d, want 200", resp.StatusCode)
	}
	acctExpectRedirect(t, elsewhere.Get(t, "/users"), "/login")
	checkAuditChange(t, ta, "user.password", owner.Email, "", `{"sessions_ended":true}`)

	// Staff signed in again with the new password; an owner disabling
	// them ends that session too.
	staffHere = acctAs(t, ta, acctReload(t, ta, staff))
	if resp := staffHere.Get(t, "/account"); resp.StatusCode != http.StatusOK {
		t.Fatalf("staff signed in again: status %d", resp.StatusCode)
	}
	// An owner disabling staff ends the staff's remaining session.
	acctExpectRedirect(t, here.PostForm(t, userPath(staff, "disable"), nil), userPath(staff, ""))
	acctExpectRedirect(t, staffHere.Get(t, "/"), "/login")
}

// TestWrongCurrentPasswordsAreThrottled: on /account, wrong current
// passwords count with failed sign-ins, so a browser left signed in is no
// faster a way to guess than the login form.
func TestWrongCurrentPasswordsAreThrottled(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	staff := acctUser(t, ta, "guessed@shop.example", app.RoleStaff)
	c := acctAs(t, ta, staff)
	const newPassword = "a brand new password"
	bad := url.Values{"current_password": {"not it"}, "password": {newPassword}, "password_confirm": {newPassword}}
	for i := range app.LoginMaxFailures {
		if resp := c.PostForm(t, "/account/password", bad); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password %d: status %d, want 422", i+1, resp.StatusCode)
		}
	}
	// Now even the right one waits, and the form says so in Turkish.
	good := url.Values{"current_password": {acctPassword}, "password": {newPassword}, "password_confirm": {newPassword}}
	resp := c.PostForm(t, "/account/password", good)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d wrong passwords: status %d, want 429", app.LoginMaxFailures, resp.StatusCode)
	}
	if got := acctText(acctDoc(t, resp), "error-current_password"); !strings.Contains(got, "15 dakika") {
		t.Errorf("field error %q, want the wait explained", got)
	}
	if !app.CheckPassword(acctReload(t, ta, staff).PasswordHash, acctPassword) {
		t.Error("the password changed while throttled")
	}
	// The same guesses count at the login form, from the same address.
	login := acctAnon(t, ta).PostForm(t, "/login", url.Values{"email": {staff.Email}, "password": {acctPassword}})
	if login.StatusCode != http.StatusTooManyRequests {
		t.Errorf("signing in after the guesses: status %d, want 429", login.StatusCode)
	}
}

// checkAuditChange finds the newest row for action on target and checks its
// before and after JSON contain the given fragments ("" skips a check).
func checkAuditChange(t *testing.T, ta *webtest.App, action, target, before, after string) {
	t.Helper()
	evs, _, err := ta.Store.ListAudit(context.Background(), app.AuditFilter{Action: action, TargetID: target})
	if err != nil || len(evs) == 0 {
		t.Errorf("no %s audit row for %s (%v)", action, target, err)
		return
	}
	e := evs[0]
	if e.ActorID == nil || e.ActorEmail == "" || e.TargetType != "user" {
		t.Errorf("%s row: actor %v %q, target type %q; want a signed-in actor and type user", action, e.ActorID, e.ActorEmail, e.TargetType)
	}
	for _, part := range []struct{ name, got, want string }{{"before", string(e.Before), before}, {"after", string(e.After), after}} {
		if part.want != "" && !strings.Contains(part.got, part.want) {
			t.Errorf("%s %s = %s, want it to contain %s", action, part.name, part.got, part.want)
		}
		if part.got != "" && !json.Valid([]byte(part.got)) {
			t.Errorf("%s %s is not JSON: %s", action, part.name, part.got)
		}
		if strings.Contains(part.got, "$2a$") || strings.Contains(strings.ToLower(part.got), "password_hash") {
			t.Errorf("%s %s holds a password hash: %s", action, part.name, part.got)
		}
	}
}

func TestForbiddenPageInUsersLanguage(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	viewer := acctUser(t, ta, "viewer@shop.example", app.RoleViewer)
	c := acctAs(t, ta, viewer)
	tests := []struct{ lang, want string }{
		{"tr", "Bu işlem için yetkiniz yok."},
		{"en", "You are not allowed to do this."},
	}
	for _, tt := range tests {
		resp := c.Get(t, "/users", "Accept-Language", tt.lang)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: status %d, want 403", tt.lang, resp.StatusCode)
		}
		doc := acctDoc(t, resp)
		if got := acctText(doc, "error-message"); got != tt.want {
			t.Errorf("%s: message %q, want %q", tt.lang, got, tt.want)
		}
		if doc.Find("html").AttrOr("lang", "") != tt.lang {
			t.Errorf("%s: page lang %q", tt.lang, doc.Find("html").AttrOr("lang", ""))
		}
	}
	// htmx requests get the alert fragment, not a page.
	resp := c.Do(t, http.MethodGet, "/users", nil, "HX-Request", "true")
	if body := acctBody(t, resp); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "<html") || !strings.Contains(body, "error-alert") {
		t.Errorf("htmx 403: status %d body %q", resp.StatusCode, body)
	}
}

// TestCSRFRefusals: a form post with a wrong _csrf, an htmx request with a
// missing or wrong X-CSRF-Token and a cross-site post are refused with 403
// and change nothing.
func TestCSRFRefusals(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	staff := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	c := acctAs(t, ta, owner)

	tests := []struct {
		name string
		send func() *http.Response
	}{
		{"form with wrong _csrf", func() *http.Response {
			return c.PostForm(t, "/users", url.Values{"_csrf": {"wrong"}, "email": {"new@shop.example"}, "name": {"N"}, "role": {"staff"}, "password": {acctPassword}})
		}},
		{"htmx with wrong header", func() *http.Response {
			return c.Do(t, http.MethodPost, userPath(staff, "disable"), nil, "HX-Request", "true", "X-CSRF-Token", "wrong")
		}},
		{"htmx without token", func() *http.Response {
			return c.Do(t, http.MethodPost, userPath(staff, "disable"), strings.NewReader(""), "HX-Request", "true")
		}},
		{"cross-site form", func() *http.Response {
			return c.PostForm(t, userPath(staff, "disable"), nil, "Sec-Fetch-Site", "cross-site")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := tt.send(); resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
		})
	}
	if _, err := ta.Store.UserByEmail(context.Background(), "new@shop.example"); err == nil {
		t.Error("a refused form created a user")
	}
	if acctReload(t, ta, staff).Disabled {
		t.Error("a refused request disabled a user")
	}
	// The same form with the right token works, so the refusals were CSRF's.
	acctExpectRedirect(t, c.PostForm(t, userPath(staff, "disable"), nil), userPath(staff, ""))
}

// TestNoSecretsInLogs runs the account flows and checks the server log
// holds no password, hash or session cookie.
func TestNoSecretsInLogs(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	const (
		wrong   = "wrong-secret-attempt"
		initial = "initial-secret-pw"
		reset   = "reset-secret-pw-1"
	)
	c := acctAnon(t, ta)
	c.PostForm(t, "/login", url.Values{"email": {owner.Email}, "password": {wrong}})
	c.PostForm(t, "/login", url.Values{"email": {"nobody@shop.example"}, "password": {wrong}})
	c = acctSignIn(t, ta, owner.Email, acctPassword)
	sessionValue := acctCookie(t, ta, c, handlers.SessionCookie)
	c.PostForm(t, "/users", url.Values{"email": {"sam@shop.example"}, "name": {"Sam"}, "role": {"staff"}, "password": {initial}})
	sam, err := ta.Store.UserByEmail(context.Background(), "sam@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	c.PostForm(t, userPath(sam, "password"), url.Values{"password": {reset}, "password_confirm": {"typo" + reset}})
	c.PostForm(t, userPath(sam, "password"), url.Values{"password": {reset}, "password_confirm": {reset}})
	c.PostForm(t, "/logout", nil)

	logs := ta.Logs.String()
	if logs == "" {
		t.Fatal("no logs captured")
	}
	secrets := []string{acctPassword, wrong, initial, reset, "$2a$", string(acctReload(t, ta, sam).PasswordHash)}
	secrets = append(secrets, sessionValue)
	secrets = append(secrets, hex.EncodeToString(ta.SessionSecret), base64.StdEncoding.EncodeToString(ta.SessionSecret))
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("server log contains a secret %q", s)
		}
	}
	if strings.Contains(logs, handlers.SessionCookie+"=") {
		t.Error("server log contains a session cookie")
	}
}
