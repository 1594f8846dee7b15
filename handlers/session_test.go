package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/handlers"
)

// fakeSessions answers for one token, until it is ended.
type fakeSessions struct {
	token string
	user  app.User
	calls int
}

func (f *fakeSessions) Authenticate(_ context.Context, token string) (*app.User, *app.Session, error) {
	f.calls++
	if token == "" || token != f.token {
		return nil, nil, app.ErrNotFound
	}
	u := f.user
	return &u, &app.Session{UserID: u.ID}, nil
}

func (f *fakeSessions) SetupDone(context.Context) (bool, error) { return true, nil }

// TestSessionsLoad: the cookie carries the token the core issued; the
// core decides who it signs in, and an ended session clears the cookie.
func TestSessionsLoad(t *testing.T) {
	cookies := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
	core := &fakeSessions{token: "tok-1", user: app.User{ID: 7, Email: "kasa@example.com", Role: app.RoleStaff}}
	sess := handlers.NewSessions(cookies, core, handlers.CookiesFor(false))
	e := echo.New()

	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/login", nil), rec)
	if err := sess.Start(c, &core.user, "tok-1"); err != nil {
		t.Fatal(err)
	}
	var cookie *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == handlers.SessionCookie {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("sign-in set no session cookie")
	}

	load := func() (*app.User, *httptest.ResponseRecorder) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		c := e.NewContext(req, rec)
		var got *app.User
		if err := sess.Load(func(c echo.Context) error { got = handlers.UserFrom(c); return nil })(c); err != nil {
			t.Fatal(err)
		}
		return got, rec
	}
	if u, _ := load(); u == nil || u.ID != 7 {
		t.Fatalf("a fresh session: got user %+v, want user 7", u)
	}
	if core.calls != 1 {
		t.Errorf("the core was asked %d times, want once", core.calls)
	}

	core.token = "" // the session ended on the server (logout, elsewhere)
	u, rec := load()
	if u != nil {
		t.Errorf("an ended session still signs in user %d", u.ID)
	}
	cleared := false
	for _, ck := range rec.Result().Cookies() {
		cleared = cleared || ck.Name == handlers.SessionCookie && ck.MaxAge < 0
	}
	if !cleared {
		t.Errorf("Set-Cookie %q, want the ended session's cookie cleared", rec.Header().Values("Set-Cookie"))
	}

	// A tampered cookie never reaches the core.
	cookie.Value = "x" + cookie.Value
	before := core.calls
	if u, _ := load(); u != nil || core.calls != before {
		t.Errorf("a tampered cookie: user %+v, core calls %d, want nobody and no call", u, core.calls-before)
	}
}
