package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"linkdesk/app"
)

// fakeAuth is an AuthService whose Logout can be made to fail.
type fakeAuth struct {
	AuthService // unset methods panic: the test calls only what it sets up
	logoutErr   error
	loggedOut   []string
}

var _ AuthService = (*fakeAuth)(nil)

func (f *fakeAuth) Logout(_ context.Context, _ app.Actor, token string) error {
	f.loggedOut = append(f.loggedOut, token)
	return f.logoutErr
}

// TestLogoutEndsSessionWhenCoreFails: the failure is reported, but the
// browser is signed out all the same.
func TestLogoutEndsSessionWhenCoreFails(t *testing.T) {
	tests := []struct {
		name      string
		logoutErr error
	}{
		{"core ok", nil},
		{"core fails", errors.New("disk full")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookies := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
			core := &fakeAuth{logoutErr: tt.logoutErr}
			auth := NewAuth(Site{}, core, NewSessions(cookies, nil, CookiesFor(false)))
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/logout", nil), rec)
			SetUser(c, &app.User{ID: 7, Email: "sam@shop.example", Role: app.RoleStaff})
			c.Set(keySession, "the-token")

			err := auth.Logout(c)
			if !errors.Is(err, tt.logoutErr) {
				t.Errorf("Logout() = %v, want %v", err, tt.logoutErr)
			}
			if UserFrom(c) != nil {
				t.Error("the user is still on the request")
			}
			expired := false
			for _, ck := range rec.Result().Cookies() {
				expired = expired || ck.Name == SessionCookie && ck.MaxAge < 0
			}
			if !expired {
				t.Errorf("Set-Cookie %q, want the session cookie expired", rec.Header().Values("Set-Cookie"))
			}
			if len(core.loggedOut) != 1 || core.loggedOut[0] != "the-token" {
				t.Errorf("sessions ended on the server: %q, want the request's token", core.loggedOut)
			}
		})
	}
}

func TestCSVSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"sam@shop.example", "sam@shop.example"},
		{"=1+1", "'=1+1"},
		{"+90 555", "'+90 555"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{`{"role":"staff"}`, `{"role":"staff"}`},
	}
	for _, tt := range tests {
		if got := csvSafe(tt.in); got != tt.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
