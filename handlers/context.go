package handlers

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/views"
)

// Keys of the request-scoped values middleware puts on the echo.Context.
// Only these travel implicitly; everything else is a parameter.
const (
	keyLogger  = "linkdesk.logger"
	keyUser    = "linkdesk.user"
	keySession = "linkdesk.session"
	keyLocale  = "linkdesk.locale"
	// KeyCSRF is where Echo's CSRF middleware leaves the token.
	KeyCSRF = "csrf"
)

// requestLog is a request's logger, made on first use: most requests log
// nothing but their request line, and slog's With copies the handler.
type requestLog struct {
	base *slog.Logger
	id   string
	l    *slog.Logger
}

// SetLogger makes base, with requestID attached, the request's logger.
func SetLogger(c echo.Context, base *slog.Logger, requestID string) {
	c.Set(keyLogger, &requestLog{base: base, id: requestID})
}

// LoggerFrom returns the request's logger (with request_id), or the default.
func LoggerFrom(c echo.Context) *slog.Logger {
	rl, ok := c.Get(keyLogger).(*requestLog)
	if !ok {
		return slog.Default()
	}
	if rl.l == nil {
		rl.l = rl.base.With("request_id", rl.id)
	}
	return rl.l
}

// SetUser stores the signed-in user.
func SetUser(c echo.Context, u *app.User) { c.Set(keyUser, u) }

// UserFrom returns the signed-in user, or nil.
func UserFrom(c echo.Context) *app.User {
	u, _ := c.Get(keyUser).(*app.User)
	return u
}

// actorOf is who acts in this request: the signed-in person and address.
func actorOf(c echo.Context) app.Actor { return app.Actor{User: UserFrom(c), IP: c.RealIP()} }

// SetLocale stores the request's locale.
func SetLocale(c echo.Context, l views.Locale) { c.Set(keyLocale, l) }

// LocaleFrom returns the request's locale (Turkish when unset).
func LocaleFrom(c echo.Context) views.Locale {
	if l, ok := c.Get(keyLocale).(views.Locale); ok {
		return l
	}
	return views.NewLocale(views.LangTR)
}

// CSRFToken returns the request's CSRF token for forms and hx-headers.
func CSRFToken(c echo.Context) string {
	s, _ := c.Get(KeyCSRF).(string)
	return s
}
