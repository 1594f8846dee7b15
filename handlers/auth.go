package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// AuthService is what sign-in, sign-out and first-run setup need of the core.
type AuthService interface {
	SetupDone(ctx context.Context) (bool, error)
	Setup(ctx context.Context, in app.NewUser, ip string) (*app.User, string, error)
	Login(ctx context.Context, in app.LoginInput) (*app.User, string, error)
	Logout(ctx context.Context, by app.Actor, token string) error
	LogoutEverywhere(ctx context.Context, by app.Actor) error
}

// Auth serves first-run setup, sign-in and sign-out.
type Auth struct {
	site     Site
	core     AuthService
	sessions *Sessions
}

// NewAuth returns the sign-in handlers.
func NewAuth(site Site, core AuthService, sessions *Sessions) *Auth {
	return &Auth{site: site, core: core, sessions: sessions}
}

// SetupForm shows the first-run form while there are no users; afterwards
// the address leads to sign-in.
func (h *Auth) SetupForm(c echo.Context) error {
	done, err := h.core.SetupDone(c.Request().Context())
	if err != nil {
		return err
	}
	if done {
		return c.Redirect(http.StatusSeeOther, routes.Path(routes.Login))
	}
	return h.renderSetup(c, http.StatusOK, views.SetupForm{})
}

// Setup creates the first owner and signs them in. Two browsers posting at
// once get one owner; the other is sent to sign in.
func (h *Auth) Setup(c echo.Context) error {
	var f views.SetupForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	if !f.Validate() {
		return h.renderSetup(c, http.StatusUnprocessableEntity, f)
	}
	u, token, err := h.core.Setup(c.Request().Context(), f.Input(), c.RealIP())
	switch {
	case errors.Is(err, app.ErrSetupDone):
		return redirect(c, routes.Path(routes.Login))
	case f.SetErrors(err):
		return h.renderSetup(c, http.StatusUnprocessableEntity, f)
	case err != nil:
		return err
	}
	if err := h.sessions.Start(c, u, token); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("setup.done"))
	return redirect(c, routes.Path(routes.Home))
}

func (h *Auth) renderSetup(c echo.Context, status int, f views.SetupForm) error {
	f.Password, f.Confirm = "", ""
	return render(c, status, views.SetupPage(h.site.Meta(c, "", "setup.title"), f), nil)
}

// LoginForm shows the sign-in form; a signed-in person goes straight on.
func (h *Auth) LoginForm(c echo.Context) error {
	next := SafeNext(c.QueryParam("next"), routes.Path(routes.Home))
	if UserFrom(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return h.renderLogin(c, http.StatusOK, views.LoginForm{Next: next})
}

// Login checks the credentials and starts a fresh session. Unknown
// e-mails, wrong passwords and disabled accounts get the same answer;
// repeated failures from one IP for one e-mail make further tries wait.
func (h *Auth) Login(c echo.Context) error {
	var f views.LoginForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	f.Next = SafeNext(f.Next, routes.Path(routes.Home))
	u, token, err := h.core.Login(c.Request().Context(), f.Input(c.RealIP()))
	if err != nil {
		return h.refuse(c, f, err)
	}
	if err := h.sessions.Start(c, u, token); err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).Tf("auth.signed_in", u.Name))
	return redirect(c, f.Next)
}

// refuse shows the sign-in form again with why it was refused.
func (h *Auth) refuse(c echo.Context, f views.LoginForm, err error) error {
	var e *app.Error
	if !errors.As(err, &e) {
		return err
	}
	f.Password = ""
	switch e.Code {
	case app.CodeInvalid:
		f.Errors = e.Fields
		return h.renderLogin(c, http.StatusUnprocessableEntity, f)
	case app.CodeTooMany:
		f.WaitMinutes = waitMinutes(e)
		return h.renderLogin(c, http.StatusTooManyRequests, f)
	case app.CodeForbidden:
		f.Problem = e.Message
		return h.renderLogin(c, http.StatusUnauthorized, f)
	}
	return err
}

// waitMinutes rounds a throttle's wait up to whole minutes, as forms show it.
func waitMinutes(e *app.Error) int { return int((e.Wait + time.Minute - 1) / time.Minute) }

func (h *Auth) renderLogin(c echo.Context, status int, f views.LoginForm) error {
	return render(c, status, views.LoginPage(h.site.Meta(c, "", "auth.login_title"), f), nil)
}

// Logout ends the session on the server, so a copy of the cookie taken
// before is of no use; the browser is signed out even if that fails.
func (h *Auth) Logout(c echo.Context) error {
	var err error
	if token := sessionToken(c); token != "" {
		err = h.core.Logout(c.Request().Context(), actorOf(c), token)
	}
	h.sessions.End(c)
	if err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("auth.logged_out"))
	return redirect(c, routes.Path(routes.Login))
}

// LogoutEverywhere ends every session of the signed-in person, this one
// included: a phone left somewhere, a shared counter computer.
func (h *Auth) LogoutEverywhere(c echo.Context) error {
	err := h.core.LogoutEverywhere(c.Request().Context(), actorOf(c))
	h.sessions.End(c)
	if err != nil {
		return err
	}
	flash.Success(c, LocaleFrom(c).T("auth.logged_out_everywhere"))
	return redirect(c, routes.Path(routes.Login))
}
