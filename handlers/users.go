package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// UserService is what account management needs of the core.
type UserService interface {
	List(ctx context.Context) ([]app.User, error)
	Get(ctx context.Context, id int64) (*app.User, error)
	Create(ctx context.Context, by app.Actor, in app.NewUser) (*app.User, error)
	SetRole(ctx context.Context, by app.Actor, id int64, role app.Role) (bool, error)
	SetDisabled(ctx context.Context, by app.Actor, id int64, disabled bool) (bool, error)
	ResetPassword(ctx context.Context, by app.Actor, id int64, password string) error
	ChangePassword(ctx context.Context, by app.Actor, current, password, keepSession string) error
}

// Users lets owners manage accounts (never deleting them: the audit log
// keeps pointing at them) and everyone change their own password.
type Users struct {
	site Site
	core UserService
}

// NewUsers returns the account handlers.
func NewUsers(site Site, core UserService) *Users { return &Users{site: site, core: core} }

// Index lists every account.
func (h *Users) Index(c echo.Context) error {
	users, err := h.core.List(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.UsersPage(h.site.Meta(c, "users", "users.title"), users), nil)
}

// New shows the form to add a person; staff is the usual choice.
func (h *Users) New(c echo.Context) error {
	return h.renderNew(c, http.StatusOK, views.UserForm{Role: string(app.RoleStaff)})
}

// Create adds a person with an initial password.
func (h *Users) Create(c echo.Context) error {
	var f views.UserForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	u, err := h.core.Create(c.Request().Context(), actorOf(c), f.Input())
	if f.SetErrors(err) {
		return h.renderNew(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).Tf("users.created", u.Email))
	return redirect(c, routes.Path(routes.Users))
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
	if err := c.Bind(&p.Role); err != nil {
		return errBadForm
	}
	role, _ := app.ParseRole(p.Role.Role)
	changed, err := h.core.SetRole(c.Request().Context(), actorOf(c), u.ID, role)
	if p.Role.SetErrors(err) {
		return h.renderUser(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return h.refuseChange(c, p, err)
	}
	if changed {
		l := LocaleFrom(c)
		flash.Success(c, l.Tf("users.role_changed", u.Email, l.T("role."+string(role))))
	}
	if p.Self && role != app.RoleOwner {
		return redirect(c, routes.Path(routes.Home)) // the owner pages are no longer theirs
	}
	return redirect(c, routes.Path(routes.UserShow, u.ID))
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
	if err := c.Bind(&p.Password); err != nil {
		return errBadForm
	}
	if !p.Password.Validate(false) {
		return h.renderUser(c, http.StatusUnprocessableEntity, p)
	}
	err = h.core.ResetPassword(c.Request().Context(), actorOf(c), u.ID, p.Password.Password)
	if p.Password.SetErrors(err) {
		return h.renderUser(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return h.refuseChange(c, p, err)
	}
	flash.Success(c, LocaleFrom(c).Tf("users.password_changed", u.Email))
	return redirect(c, routes.Path(routes.UserShow, u.ID))
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
	changed, err := h.core.SetDisabled(c.Request().Context(), actorOf(c), u.ID, disabled)
	if err != nil {
		return h.refuseChange(c, h.userProps(c, u), err)
	}
	if changed {
		done := "users.enabled_done"
		if disabled {
			done = "users.disabled_done"
		}
		flash.Success(c, LocaleFrom(c).Tf(done, u.Email))
	}
	return redirect(c, routes.Path(routes.UserShow, u.ID))
}

// Account is the signed-in person's own page.
func (h *Users) Account(c echo.Context) error {
	return h.renderAccount(c, http.StatusOK, views.AccountPageProps{User: UserFrom(c)})
}

// ChangeOwnPassword needs the current password, so a browser left signed
// in cannot be used to lock its owner out. Every other session of theirs
// ends; this one stays.
func (h *Users) ChangeOwnPassword(c echo.Context) error {
	p := views.AccountPageProps{User: UserFrom(c)}
	if err := c.Bind(&p.Password); err != nil {
		return errBadForm
	}
	if !p.Password.Validate(true) {
		return h.renderAccount(c, http.StatusUnprocessableEntity, p)
	}
	err := h.core.ChangePassword(c.Request().Context(), actorOf(c), p.Password.Current, p.Password.Password, sessionToken(c))
	var e *app.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		p.Password.Errors = e.Fields
		status := http.StatusUnprocessableEntity
		if e.Code == app.CodeTooMany {
			status = http.StatusTooManyRequests
		}
		return h.renderAccount(c, status, p)
	}
	if err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("account.password_changed"))
	return redirect(c, routes.Path(routes.Account))
}

func (h *Users) renderAccount(c echo.Context, status int, p views.AccountPageProps) error {
	p.Password = views.PasswordForm{Errors: p.Password.Errors}
	return render(c, status, views.AccountPage(h.site.Meta(c, "", "account.title"), p), nil)
}

// user loads the person named by the :id path parameter.
func (h *Users) user(c echo.Context) (*app.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNotFound
	}
	return h.core.Get(c.Request().Context(), id)
}

func (h *Users) userProps(c echo.Context, u *app.User) views.UserPageProps {
	me := UserFrom(c)
	return views.UserPageProps{User: u, Self: me != nil && me.ID == u.ID, Role: views.RoleForm{Role: string(u.Role)}}
}

// refuseChange shows a refused change (the last-owner rule, disabling or
// resetting oneself) as a message on the page; other errors go to the
// central handler.
func (h *Users) refuseChange(c echo.Context, p views.UserPageProps, err error) error {
	var e *app.Error
	if !errors.As(err, &e) || e.Code != app.CodeConflict {
		return err
	}
	p.Problem = e.Message
	return h.renderUser(c, http.StatusConflict, p)
}

func (h *Users) renderUser(c echo.Context, status int, p views.UserPageProps) error {
	p.Password = views.PasswordForm{Errors: p.Password.Errors}
	return render(c, status, views.UserPage(h.site.Meta(c, "users", "users.title"), p), nil)
}
