package handlers

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/store"
	"linkdesk/views"
	"linkdesk/web/flash"
)

const (
	// LoginMaxFailures failed logins per e-mail and IP within LoginWindow
	// make further tries wait until the oldest of them leaves the window.
	LoginMaxFailures = 5
	// LoginWindow is how long a failed login counts against further tries.
	LoginWindow = 15 * time.Minute
)

// AuthStore is the part of the store first-run setup and sign-in use.
type AuthStore interface {
	AuditLog
	FailureStore
	UserByEmail(ctx context.Context, email string) (*store.User, error)
	CreateFirstOwner(ctx context.Context, u *store.User) error
	PruneLoginFailures(ctx context.Context, before time.Time) (int64, error)
}

// FailureStore counts wrong passwords per e-mail and IP: at sign-in and
// when someone signed in changes their password.
type FailureStore interface {
	RecordLoginFailure(ctx context.Context, email, ip string) error
	LoginFailures(ctx context.Context, email, ip string, since time.Time) (int, time.Time, error)
	ClearLoginFailures(ctx context.Context, email, ip string) error
}

// passwordWait returns how long email must wait at this request's IP
// before another password is checked, or 0.
func passwordWait(c echo.Context, st FailureStore, email string, now time.Time) (time.Duration, error) {
	n, oldest, err := st.LoginFailures(c.Request().Context(), email, c.RealIP(), now.Add(-LoginWindow))
	if err != nil || n < LoginMaxFailures {
		return 0, err
	}
	return max(oldest.Add(LoginWindow).Sub(now), time.Second), nil
}

// waitMinutes rounds a wait up to whole minutes, as the forms show it.
func waitMinutes(wait time.Duration) int { return int((wait + time.Minute - 1) / time.Minute) }

// Auth serves first-run setup, sign-in and sign-out.
type Auth struct {
	site     Site
	store    AuthStore
	sessions *Sessions
	now      func() time.Time
	// decoyHash is compared against for unknown e-mails, so they take as
	// long to refuse as a wrong password and do not reveal who has an account.
	decoyHash func() []byte
}

// NewAuth returns the sign-in handlers; now is the clock (nil: time.Now).
func NewAuth(site Site, st AuthStore, sessions *Sessions, now func() time.Time) *Auth {
	if now == nil {
		now = time.Now
	}
	return &Auth{site: site, store: st, sessions: sessions, now: now, decoyHash: sync.OnceValue(func() []byte {
		h, _ := HashPassword("linkdesk decoy password")
		return h
	})}
}

// errBadForm is returned when a form body cannot be parsed at all.
var errBadForm = NewError(CodeInvalid, "error.400")

// SetupForm shows the first-run form, only while there are no users.
func (h *Auth) SetupForm(c echo.Context) error {
	if err := h.requireFirstRun(c); err != nil {
		return err
	}
	return h.renderSetup(c, http.StatusOK, views.SetupForm{})
}

// Setup creates the first owner and signs them in. Two browsers posting at
// once get one owner: the store creates it only while no user exists.
func (h *Auth) Setup(c echo.Context) error {
	if err := h.requireFirstRun(c); err != nil {
		return err
	}
	var f views.SetupForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	if !f.Validate(PasswordProblem) {
		return h.renderSetup(c, http.StatusUnprocessableEntity, f)
	}
	u := f.Input()
	hash, err := HashPassword(f.Password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	err = h.store.CreateFirstOwner(c.Request().Context(), u)
	if errors.Is(err, store.ErrConflict) {
		return NewError(CodeNotFound, "error.404") // another browser finished setup first
	}
	if err != nil {
		return err
	}
	if err := h.sessions.Start(c, u); err != nil {
		return err
	}
	if err := audit(c, h.store, Change{Action: "user.create", TargetType: "user", TargetID: u.Email, After: auditUser(u)}); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("setup.done"))
	return redirect(c, "/")
}

func (h *Auth) requireFirstRun(c echo.Context) error {
	done, err := h.sessions.SetupDone(c.Request().Context())
	if err != nil {
		return err
	}
	if done {
		return NewError(CodeNotFound, "error.404")
	}
	return nil
}

func (h *Auth) renderSetup(c echo.Context, status int, f views.SetupForm) error {
	return render(c, status, views.SetupPage(h.site.Meta(c, "", "setup.title"), f), nil)
}

// LoginForm shows the sign-in form; a signed-in person goes straight on.
func (h *Auth) LoginForm(c echo.Context) error {
	next := SafeNext(c.QueryParam("next"), "/")
	if UserFrom(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return h.renderLogin(c, http.StatusOK, views.LoginForm{Next: next})
}

// Login checks the credentials and starts a fresh session. Unknown e-mails
// and wrong passwords get the same answer; repeated failures from one IP
// for one e-mail make further tries wait.
func (h *Auth) Login(c echo.Context) error {
	var f views.LoginForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	f.Next = SafeNext(f.Next, "/")
	if !f.Validate() {
		return h.renderLogin(c, http.StatusUnprocessableEntity, f)
	}
	wait, err := passwordWait(c, h.store, f.Email, h.now())
	if err != nil {
		return err
	}
	if wait > 0 {
		f.WaitMinutes = waitMinutes(wait)
		return h.refuse(c, http.StatusTooManyRequests, f, "throttled")
	}
	u, err := h.store.UserByEmail(c.Request().Context(), f.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		CheckPassword(h.decoyHash(), f.Password)
		return h.refuse(c, http.StatusUnauthorized, f, "unknown_email")
	case err != nil:
		return err
	case !CheckPassword(u.PasswordHash, f.Password):
		return h.refuse(c, http.StatusUnauthorized, f, "wrong_password")
	case u.Disabled:
		return h.refuse(c, http.StatusForbidden, f, "disabled")
	}
	return h.signIn(c, u, f.Next)
}

// refuse records a failed login (a refused, throttled try does not count
// again, so waiting is enough) and shows the form with the reason.
func (h *Auth) refuse(c echo.Context, status int, f views.LoginForm, reason string) error {
	ctx, ip := c.Request().Context(), c.RealIP()
	if reason != "throttled" {
		if err := h.store.RecordLoginFailure(ctx, f.Email, ip); err != nil {
			return err
		}
		if _, err := h.store.PruneLoginFailures(ctx, h.now().Add(-LoginWindow)); err != nil {
			LoggerFrom(c).Warn("pruning old login failures failed", "err", err)
		}
	}
	err := audit(c, h.store, Change{Action: "auth.login_failed", TargetType: "user", TargetID: store.NormalizeEmail(f.Email),
		After: map[string]string{"reason": reason}})
	if err != nil {
		return err
	}
	f.Problem = "auth.login_failed"
	if reason == "disabled" {
		f.Problem = "auth.login_disabled"
	}
	f.Password = ""
	return h.renderLogin(c, status, f)
}

func (h *Auth) signIn(c echo.Context, u *store.User, next string) error {
	if err := h.store.ClearLoginFailures(c.Request().Context(), u.Email, c.RealIP()); err != nil {
		return err
	}
	if err := h.sessions.Start(c, u); err != nil {
		return err
	}
	if err := audit(c, h.store, Change{Action: "auth.login", TargetType: "user", TargetID: u.Email}); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).Tf("auth.signed_in", u.Name))
	return redirect(c, next)
}

func (h *Auth) renderLogin(c echo.Context, status int, f views.LoginForm) error {
	return render(c, status, views.LoginPage(h.site.Meta(c, "", "auth.login_title"), f), nil)
}

// Logout ends the session. The audit row is written first, while it still
// knows who is signing out; the browser is signed out even if it fails.
func (h *Auth) Logout(c echo.Context) error {
	var err error
	if u := UserFrom(c); u != nil {
		err = audit(c, h.store, Change{Action: "auth.logout", TargetType: "user", TargetID: u.Email})
	}
	h.sessions.End(c)
	if err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("auth.logged_out"))
	return redirect(c, "/login")
}

// auditUserState is how a user appears in audit rows: never the password hash
// or the session epoch.
type auditUserState struct {
	Email    string     `json:"email"`
	Name     string     `json:"name"`
	Role     store.Role `json:"role"`
	Disabled bool       `json:"disabled"`
}

func auditUser(u *store.User) auditUserState {
	return auditUserState{Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled}
}

// AuditUser is auditUser for audit writers outside this package (the user
// command), so a user appears in every audit row in one shape.
func AuditUser(u *store.User) any { return auditUser(u) }
