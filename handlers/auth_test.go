package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"linkdesk/store"
)

// fakeAuthStore is an AuthStore whose audit log can be made to fail.
type fakeAuthStore struct {
	AuthStore // unset methods panic: the test calls only what it sets up
	appendErr error
	appended  []*store.AuditEvent
}

var _ AuthStore = (*fakeAuthStore)(nil)

func (f *fakeAuthStore) AppendAudit(_ context.Context, ev *store.AuditEvent) error {
	if f.appendErr != nil {
		return f.appendErr
	}
	f.appended = append(f.appended, ev)
	return nil
}

// TestLogoutEndsSessionWhenAuditFails: the audit failure is reported, but
// the browser is signed out all the same.
func TestLogoutEndsSessionWhenAuditFails(t *testing.T) {
	tests := []struct {
		name      string
		appendErr error
	}{
		{"audit ok", nil},
		{"audit fails", errors.New("disk full")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookies := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
			st := &fakeAuthStore{appendErr: tt.appendErr}
			auth := NewAuth(Site{}, st, NewSessions(cookies, nil, nil), nil)
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/logout", nil), rec)
			SetUser(c, &store.User{ID: 7, Email: "sam@shop.example", Role: store.RoleStaff})

			err := auth.Logout(c)
			if !errors.Is(err, tt.appendErr) {
				t.Errorf("Logout() = %v, want %v", err, tt.appendErr)
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
			if tt.appendErr == nil && (len(st.appended) != 1 || st.appended[0].Action != "auth.logout" || *st.appended[0].ActorID != 7) {
				t.Errorf("audit rows %+v, want one auth.logout by user 7", st.appended)
			}
		})
	}
}

func TestThrottleWait(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		failures int
		oldest   time.Time
		want     time.Duration
	}{
		{"below the limit", LoginMaxFailures - 1, now.Add(-time.Minute), 0},
		{"at the limit", LoginMaxFailures, now.Add(-5 * time.Minute), 10 * time.Minute},
		{"window just ending", LoginMaxFailures, now.Add(-LoginWindow), time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &throttleStore{n: tt.failures, oldest: tt.oldest}
			c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/login", nil), httptest.NewRecorder())
			got, err := passwordWait(c, st, "sam@shop.example", now)
			if err != nil || got != tt.want {
				t.Errorf("passwordWait() = %v, %v; want %v", got, err, tt.want)
			}
			if !st.since.Equal(now.Add(-LoginWindow)) {
				t.Errorf("counted failures since %v, want %v", st.since, now.Add(-LoginWindow))
			}
		})
	}
}

type throttleStore struct {
	fakeAuthStore
	n      int
	oldest time.Time
	since  time.Time
}

func (s *throttleStore) LoginFailures(_ context.Context, _, _ string, since time.Time) (int, time.Time, error) {
	s.since = since
	return s.n, s.oldest, nil
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
