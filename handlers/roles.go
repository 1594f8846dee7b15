package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
)

// RequireRole guards a route group: signed-out people go to the sign-in
// page, signed-in people below min get a 403 page in their language.
func RequireRole(min app.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := UserFrom(c)
			if u == nil {
				return redirectToLogin(c)
			}
			if !u.Can(min) {
				return app.Errorf(app.CodeForbidden, "error.403")
			}
			return next(c)
		}
	}
}

// redirectToLogin sends a signed-out person to the sign-in page,
// remembering the page they asked for (GET only: a POST cannot be replayed
// after sign-in).
func redirectToLogin(c echo.Context) error {
	target := routes.Path(routes.Login)
	if c.Request().Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	return redirect(c, target)
}
