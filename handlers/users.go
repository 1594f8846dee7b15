package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/store"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// UserStore is the part of the store user management uses.
type UserStore interface {
	AuditLog
	FailureStore
	ListUsers(ctx context.Context) ([]store.User, error)
	UserByID(ctx context.Context, id int64) (*store.User, error)
	CreateUser(ctx context.Context, u *store.User) error
	UpdateUserRole(ctx context.Context, id int64, role store.Role) error
	SetUserDisabled(ctx context.Context, id int64, disabled bool) error
	SetPassword(ctx context.Context, id int64, hash []byte) error
}

// Users lets owners manage accounts (never deleting them: the audit log
// keeps pointing at them) and everyone change their own password.
type Users struct {
	site     Site
	store    UserStore
	sessions *Sessions
	now      func() time.Time
}

// NewUsers returns the user management handlers; now is the clock of the
// wrong-password throttle (nil: time.Now).
func NewUsers(site Site, st UserStore, sessions *Sessions, now func() time.Time) *Users {
	if now == nil {
		now = time.Now
	}
	return &Users{site: site, store: st, sessions: sessions, now: now}
}

// Index lists every account.
func (h *Users) Index(c echo.Context) error {
	users, err := h.store.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.UsersPage(h.site.Meta(c, "users", "users.title"), users), nil)
}

// New shows the form to add a person; staff is the usual choice.
func (h *Users) New(c echo.Context) error {
	return h.renderNew(c, http.StatusOK, views.UserForm{Role: string(store.RoleStaff)})
}

// Create adds a person with an initial password.
func (h *Users) Create(c echo.Context) error {
	var f views.UserForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	if !f.Validate(PasswordProblem) {
		return h.renderNew(c, http.StatusUnprocessableEntity, f)
	}
	u := f.Input()
	hash, err := HashPassword(f.Password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	err = h.store.CreateUser(c.Request().Context(), u)
	if errors.Is(err, store.ErrConflict) {
		f.SetError("email", "account.email_taken")
		return h.renderNew(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	if err := audit(c, h.store, Change{Action: "user.create", TargetType: "user", TargetID: u.Email, After: auditUser(u)}); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).Tf("users.created", u.Email))
	return redirect(c, "/users")
}

func (h *Users) renderNew(c echo.Context, status int, f views.UserForm) error {
	f.Password = ""
	return render(c, status, views.UserNewPage(h.site.Meta(c, "users", "users.add"), f), nil)
}

// Show is one person's management page.
func (h *Users) Show(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	return h.renderUser(c, http.StatusOK, h.userProps(c, u))
}

// UpdateRole changes a person's role; the last enabled owner keeps theirs.
func (h *Users) UpdateRole(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	p := h.userProps(c, u)
	p.Role = views.RoleForm{}
	if err := c.Bind(&p.Role); err != nil {
		return errBadForm
	}
	if !p.Role.Validate() {
		return h.renderUser(c, http.StatusUnprocessableEntity, p)
	}
	role := p.Role.Input()
	if role == u.Role {
		return redirect(c, string(views.UserURL(u.ID)))
	}
	if err := h.store.UpdateUserRole(c.Request().Context(), u.ID, role); err != nil {
		return h.refuseChange(c, p, err)
	}
	err = audit(c, h.store, Change{Action: "user.role", TargetType: "user", TargetID: u.Email,
		Before: map[string]store.Role{"role": u.Role}, After: map[string]store.Role{"role": role}})
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	flash.Success(c, l.Tf("users.role_changed", u.Email, l.T("role."+string(role))))
	if p.Self && role != store.RoleOwner {
		return redirect(c, "/") // the owner pages are no longer theirs
	}
	return redirect(c, string(views.UserURL(u.ID)))
}

// ResetPassword sets a new password for someone else, ending their
// sessions. Owners change their own on /account, which asks for the current
// one: a browser left signed in must not be a way to take the account.
func (h *Users) ResetPassword(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	p := h.userProps(c, u)
	if p.Self {
		p.Problem = "users.self_password"
		return h.renderUser(c, http.StatusConflict, p)
	}
	if err := c.Bind(&p.Password); err != nil {
		return errBadForm
	}
	if !p.Password.Validate(PasswordProblem, false) {
		return h.renderUser(c, http.StatusUnprocessableEntity, p)
	}
	if err := h.setPassword(c, u, p.Password.Password); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).Tf("users.password_changed", u.Email))
	return redirect(c, string(views.UserURL(u.ID)))
}

// Disable stops a person from signing in and ends their sessions.
func (h *Users) Disable(c echo.Context) error { return h.setDisabled(c, true) }

// Enable lets a disabled person sign in again.
func (h *Users) Enable(c echo.Context) error { return h.setDisabled(c, false) }

func (h *Users) setDisabled(c echo.Context, disabled bool) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	p := h.userProps(c, u)
	if disabled && p.Self {
		p.Problem = "users.self_disable"
		return h.renderUser(c, http.StatusConflict, p)
	}
	if u.Disabled == disabled {
		return redirect(c, string(views.UserURL(u.ID)))
	}
	if err := h.store.SetUserDisabled(c.Request().Context(), u.ID, disabled); err != nil {
		return h.refuseChange(c, p, err)
	}
	action, done := "user.enable", "users.enabled_done"
	if disabled {
		action, done = "user.disable", "users.disabled_done"
	}
	err = audit(c, h.store, Change{Action: action, TargetType: "user", TargetID: u.Email,
		Before: map[string]bool{"disabled": u.Disabled}, After: map[string]bool{"disabled": disabled}})
	if err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).Tf(done, u.Email))
	return redirect(c, string(views.UserURL(u.ID)))
}

// Account is the signed-in person's own page.
func (h *Users) Account(c echo.Context) error {
	return h.renderAccount(c, http.StatusOK, views.AccountPageProps{User: UserFrom(c)})
}

// ChangeOwnPassword needs the current password, so a browser left signed
// in cannot be used to lock its owner out.
func (h *Users) ChangeOwnPassword(c echo.Context) error {
	p := views.AccountPageProps{User: UserFrom(c)}
	if err := c.Bind(&p.Password); err != nil {
		return errBadForm
	}
	if !p.Password.Validate(PasswordProblem, true) {
		return h.renderAccount(c, http.StatusUnprocessableEntity, p)
	}
	problem, status, err := h.checkCurrentPassword(c, p.User, p.Password.Current)
	if err != nil {
		return err
	}
	if problem != "" {
		p.Password.SetError("current_password", problem)
		return h.renderAccount(c, status, p)
	}
	if err := h.setPassword(c, p.User, p.Password.Password); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("account.password_changed"))
	return redirect(c, "/account")
}

// checkCurrentPassword returns the catalog key and status of what is wrong
// with the current password typed, or "" when it is right. Wrong ones count
// with failed sign-ins, so a browser left signed in is no faster a way to
// guess than the login form.
func (h *Users) checkCurrentPassword(c echo.Context, u *store.User, current string) (problem string, status int, err error) {
	ctx, ip := c.Request().Context(), c.RealIP()
	wait, err := passwordWait(c, h.store, u.Email, h.now())
	switch {
	case err != nil:
		return "", 0, err
	case wait > 0:
		return "account.current_throttled", http.StatusTooManyRequests, nil
	case !CheckPassword(u.PasswordHash, current):
		return "account.current_wrong", http.StatusUnprocessableEntity, h.store.RecordLoginFailure(ctx, u.Email, ip)
	}
	return "", 0, h.store.ClearLoginFailures(ctx, u.Email, ip)
}

func (h *Users) renderAccount(c echo.Context, status int, p views.AccountPageProps) error {
	p.Password = views.PasswordForm{Errors: p.Password.Errors}
	return render(c, status, views.AccountPage(h.site.Meta(c, "", "account.title"), p), nil)
}

// setPassword stores a new password, which bumps u's session epoch and so
// ends their sessions. When u is the person asking, this browser's session
// starts again with the new epoch so they stay signed in here.
func (h *Users) setPassword(c echo.Context, u *store.User, pw string) error {
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.store.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	err = audit(c, h.store, Change{Action: "user.password", TargetType: "user", TargetID: u.Email,
		Before: map[string]int64{"session_epoch": u.SessionEpoch}, After: map[string]int64{"session_epoch": u.SessionEpoch + 1}})
	if err != nil {
		return err
	}
	if me := UserFrom(c); me == nil || me.ID != u.ID {
		return nil
	}
	fresh, err := h.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	return h.sessions.Start(c, fresh)
}

// user loads the person named by the :id path parameter.
func (h *Users) user(c echo.Context) (*store.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, NewError(CodeNotFound, "error.404")
	}
	u, err := h.store.UserByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, NewError(CodeNotFound, "error.404")
	}
	return u, err
}

func (h *Users) userProps(c echo.Context, u *store.User) views.UserPageProps {
	me := UserFrom(c)
	return views.UserPageProps{User: u, Self: me != nil && me.ID == u.ID, Role: views.RoleForm{Role: string(u.Role)}}
}

// refuseChange shows the last-owner rule as a message on the page; other
// errors go to the central handler.
func (h *Users) refuseChange(c echo.Context, p views.UserPageProps, err error) error {
	if !errors.Is(err, store.ErrLastOwner) {
		return err
	}
	p.Problem = "account.last_owner"
	return h.renderUser(c, http.StatusConflict, p)
}

func (h *Users) renderUser(c echo.Context, status int, p views.UserPageProps) error {
	p.Password = views.PasswordForm{Errors: p.Password.Errors}
	return render(c, status, views.UserPage(h.site.Meta(c, "users", "users.title"), p), nil)
}
