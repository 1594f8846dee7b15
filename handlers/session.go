package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
)

// maxDecoded bounds the memory of decoded cookies.
const maxDecoded = 4096

// SessionService is what the session middleware needs of the core.
type SessionService interface {
	Authenticate(ctx context.Context, token string) (*app.User, *app.Session, error)
	SetupDone(ctx context.Context) (bool, error)
}

// Sessions keeps the signed-in person on the request. The cookie (signed
// and encrypted) carries only a random session token; the session itself
// lives in the database, so signing out ends it on the server and any
// instance can check it.
type Sessions struct {
	cookies sessions.Store
	core    SessionService
	names   Cookies
	// decoded remembers what each cookie value decodes to: decoding
	// (HMAC, AES, gob) was most of a cached page's cost, and a browser
	// sends the same value on every request. Only values that verified
	// are kept, keyed by the exact cookie text, and only for as long as
	// a session could last.
	decoded *expirable.LRU[string, string]
}

// NewSessions returns the session middleware.
func NewSessions(cookies sessions.Store, core SessionService, names Cookies) *Sessions {
	return &Sessions{cookies: cookies, core: core, names: names,
		decoded: expirable.NewLRU[string, string](maxDecoded, nil, app.IdleTimeout)}
}

// token returns the session token the request's cookie carries, or "".
func (s *Sessions) token(r *http.Request) string {
	ck, err := r.Cookie(s.names.Session)
	if err != nil || ck.Value == "" {
		return ""
	}
	if t, ok := s.decoded.Get(ck.Value); ok {
		return t
	}
	sess, _ := s.cookies.Get(r, s.names.Session)
	if sess == nil {
		return ""
	}
	t, _ := sess.Values["token"].(string)
	if t != "" {
		s.decoded.Add(ck.Value, t)
	}
	return t
}

// Load puts the signed-in person, if any, on the request. An unknown,
// ended or tampered cookie simply means "signed out", and is cleared.
func (s *Sessions) Load(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := s.token(c.Request())
		if token == "" {
			return next(c)
		}
		u, _, err := s.core.Authenticate(c.Request().Context(), token)
		switch {
		case errors.Is(err, app.ErrNotFound):
			s.clearCookie(c)
		case err != nil:
			return err
		default:
			SetUser(c, u)
			c.Set(keySession, token)
		}
		return next(c)
	}
}

// Start signs this browser in with a session token the core issued.
func (s *Sessions) Start(c echo.Context, u *app.User, token string) error {
	sess, _ := s.cookies.New(c.Request(), s.names.Session)
	sess.Values = map[any]any{"token": token}
	sess.Options.MaxAge = int(app.AbsoluteTimeout.Seconds())
	SetUser(c, u)
	c.Set(keySession, token)
	s.forgetCSRF(c)
	return sess.Save(c.Request(), c.Response())
}

// End forgets the session cookie in this browser (the core ends the
// session itself).
func (s *Sessions) End(c echo.Context) {
	s.clearCookie(c)
	SetUser(c, nil)
	c.Set(keySession, "")
	s.forgetCSRF(c)
}

func (s *Sessions) clearCookie(c echo.Context) {
	sess, _ := s.cookies.Get(c.Request(), s.names.Session)
	if sess == nil {
		return
	}
	sess.Values = map[any]any{}
	sess.Options.MaxAge = -1
	_ = sess.Save(c.Request(), c.Response())
}

// sessionToken is the request's session token, for operations that keep
// or end this browser's session.
func sessionToken(c echo.Context) string {
	t, _ := c.Get(keySession).(string)
	return t
}

// forgetCSRF expires the CSRF token whenever who is signed in changes, so a
// token seen or planted before (on a shared counter computer, say) is of no
// use after; the next page gets a new one. The cookie is sent after the
// middleware's own, so browsers apply it last.
func (s *Sessions) forgetCSRF(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: s.names.CSRF, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.names.Secure})
}

// RequireSetup sends every dashboard request to the setup page until the
// first owner exists.
func (s *Sessions) RequireSetup(next echo.HandlerFunc) echo.HandlerFunc {
	setup, lang := routes.Path(routes.Setup), routes.Get(routes.Lang).Path
	return func(c echo.Context) error {
		done, err := s.core.SetupDone(c.Request().Context())
		if err != nil {
			return err
		}
		if !done && c.Path() != setup && c.Path() != lang {
			return redirect(c, setup)
		}
		return next(c)
	}
}
