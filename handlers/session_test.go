package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
	"linkdesk/store"
)

// fakeUsers is a store whose users change behind the sessions' back, as a
// CLI run in another process changes them.
type fakeUsers struct {
	user    store.User
	version uint64
	reads   int
}

func (f *fakeUsers) UserByID(_ context.Context, id int64) (*store.User, error) {
	f.reads++
	if id != f.user.ID {
		return nil, store.ErrNotFound
	}
	u := f.user
	return &u, nil
}
func (f *fakeUsers) CountUsers(context.Context) (int, error) { return 1, nil }
func (f *fakeUsers) UsersVersion() uint64                    { return f.version }

func TestSessionsUserCache(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cookies := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
	users := &fakeUsers{user: store.User{ID: 7, Email: "kasa@example.com", Role: store.RoleStaff, SessionEpoch: 1}}
	sess := handlers.NewSessions(cookies, users, func() time.Time { return now })
	e := echo.New()

	// Sign in once to get the cookie.
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/login", nil), rec)
	if err := sess.Start(c, &users.user); err != nil {
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

	signedIn := func() bool {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		c := e.NewContext(req, httptest.NewRecorder())
		var got *store.User
		err := sess.Load(func(c echo.Context) error { got = handlers.UserFrom(c); return nil })(c)
		if err != nil {
			t.Fatal(err)
		}
		return got != nil
	}

	if !signedIn() || !signedIn() {
		t.Fatal("a fresh session must sign in")
	}
	if users.reads != 1 {
		t.Errorf("two requests read the user %d times, want once", users.reads)
	}

	// Disabled in this process: the store's version moves, so it applies at once.
	users.user.Disabled = true
	users.version++
	if signedIn() {
		t.Error("disabled user still signed in after the version changed")
	}

	// Changed by another process (version unchanged): applies within the TTL.
	users.user.Disabled = false
	users.version++
	if !signedIn() {
		t.Fatal("re-enabled user must sign in")
	}
	users.user.SessionEpoch = 2 // a password change elsewhere
	if !signedIn() {
		t.Error("within the cache TTL the old record may still be used")
	}
	now = now.Add(time.Second)
	if signedIn() {
		t.Error("after the cache TTL a password change elsewhere must end the session")
	}
}
