package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"linkdesk/store"
)

// roleRank orders roles: each role may do what the ones below it may.
var roleRank = map[store.Role]int{store.RoleViewer: 1, store.RoleStaff: 2, store.RoleOwner: 3}

// Allowed reports whether u's role is at least min.
func Allowed(u *store.User, min store.Role) bool {
	return u != nil && !u.Disabled && roleRank[u.Role] >= roleRank[min]
}

// RequireRole guards a route group: signed-out people go to the login page,
// signed-in people below min get a 403 page in their language.
func RequireRole(min store.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := UserFrom(c)
			if u == nil {
				return redirectToLogin(c)
			}
			if !Allowed(u, min) {
				return NewError(CodeForbidden, "error.403")
			}
			return next(c)
		}
	}
}

// redirectToLogin sends a signed-out person to /login, remembering the page
// they asked for (GET only: a POST cannot be replayed after login).
func redirectToLogin(c echo.Context) error {
	target := "/login"
	if c.Request().Method == "GET" {
		target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	return redirect(c, target)
}
