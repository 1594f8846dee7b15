package handlers

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"linkdesk/store"
)

const (
	// IdleTimeout signs a person out after this long without a request.
	IdleTimeout = 8 * time.Hour
	// AbsoluteTimeout signs a person out this long after login, however busy.
	AbsoluteTimeout = 7 * 24 * time.Hour

	// SessionCookie is the name of the sign-in cookie.
	SessionCookie = "linkdesk_session"
	// CSRFCookie is the name of the cookie web's CSRF middleware keeps
	// its token in.
	CSRFCookie = "linkdesk_csrf"
	// lastSeenStep limits cookie rewrites: last-seen is refreshed at most
	// once a minute, not on every request.
	lastSeenStep = time.Minute
)

// SessionUsers is the part of the store sessions read.
type SessionUsers interface {
	UserByID(ctx context.Context, id int64) (*store.User, error)
	CountUsers(ctx context.Context) (int, error)
	// UsersVersion changes whenever an existing user changes.
	UsersVersion() uint64
}

// Sessions signs people in and out with a signed, encrypted cookie. The
// cookie holds the user id, the user's session epoch (bumped by a password
// change or disable, which ends every older session) and two timestamps.
type Sessions struct {
	cookies  sessions.Store
	users    SessionUsers
	now      func() time.Time
	hasUsers atomic.Bool // users are never deleted, so once true it stays true

	// verified caches what each cookie value decodes to. Decoding (HMAC,
	// AES, gob) was most of a cached page's cost, and a browser sends the
	// same value on every request until last-seen moves it on. Only values
	// that passed verification are cached, keyed by the exact cookie text.
	mu       sync.Mutex
	verified map[string]sessionValues
	// userCache keeps each signed-in person's record for up to userCacheTTL
	// and only while the store's UsersVersion is unchanged: a change made
	// here (disable, role, password) applies on the next request, one made
	// by another process (the CLI) within userCacheTTL.
	userCache map[int64]cachedUser
}

type cachedUser struct {
	user    store.User
	version uint64
	at      time.Time
}

// userCacheTTL bounds how long a change made outside this process (the
// user CLI, another instance) can go unnoticed.
const userCacheTTL = time.Second

// sessionValues is what a session cookie carries.
type sessionValues struct {
	uid, epoch    int64
	created, seen time.Time
}

// maxVerified bounds the cache; when full it starts over, which costs
// nothing but one decode per active browser.
const maxVerified = 4096

// NewSessions returns the session manager.
func NewSessions(cookies sessions.Store, users SessionUsers, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{cookies: cookies, users: users, now: now,
		verified: make(map[string]sessionValues), userCache: make(map[int64]cachedUser)}
}

// user returns the current record of user id, from memory when it is fresh.
// Each caller gets its own copy.
func (s *Sessions) user(ctx context.Context, id int64, now time.Time) (*store.User, error) {
	version := s.users.UsersVersion()
	s.mu.Lock()
	c, ok := s.userCache[id]
	s.mu.Unlock()
	if ok && c.version == version && now.Sub(c.at) < userCacheTTL && now.Sub(c.at) >= 0 {
		u := c.user
		return &u, nil
	}
	u, err := s.users.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.userCache) >= maxVerified {
		clear(s.userCache)
	}
	s.userCache[id] = cachedUser{user: *u, version: version, at: now}
	s.mu.Unlock()
	return u, nil
}

// values returns what the request's session cookie says, decoding it only
// the first time this exact value is seen. ok is false when signed out.
func (s *Sessions) values(r *http.Request) (v sessionValues, ok bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return v, false
	}
	s.mu.Lock()
	v, ok = s.verified[ck.Value]
	s.mu.Unlock()
	if ok {
		return v, true
	}
	sess, _ := s.cookies.Get(r, SessionCookie)
	if sess == nil {
		return v, false
	}
	v = sessionValues{
		uid:     valueInt(sess, "uid"),
		epoch:   valueInt(sess, "epoch"),
		created: time.Unix(valueInt(sess, "created"), 0),
		seen:    time.Unix(valueInt(sess, "seen"), 0),
	}
	if v.uid == 0 {
		return v, false
	}
	s.mu.Lock()
	if len(s.verified) >= maxVerified {
		clear(s.verified)
	}
	s.verified[ck.Value] = v
	s.mu.Unlock()
	return v, true
}

// Load puts the signed-in user, if any, on the request. An expired, stale
// or tampered cookie simply means "signed out".
func (s *Sessions) Load(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, ok := s.values(c.Request())
		if !ok {
			return next(c)
		}
		now := s.now()
		u, err := s.user(c.Request().Context(), v.uid, now)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case u.Disabled, u.SessionEpoch != v.epoch, now.Sub(v.created) > AbsoluteTimeout, now.Sub(v.seen) > IdleTimeout:
			// The session ended; forget the cookie so the next page is clean.
			if sess, _ := s.cookies.Get(c.Request(), SessionCookie); sess != nil {
				s.clear(c, sess)
			}
		default:
			SetUser(c, u)
			if now.Sub(v.seen) >= lastSeenStep {
				if sess, _ := s.cookies.Get(c.Request(), SessionCookie); sess != nil {
					sess.Values["seen"] = now.Unix()
					_ = s.save(c, sess)
				}
			}
		}
		return next(c)
	}
}

// Start begins a fresh session for u (at login, or after u changed their
// own password so this session survives the epoch bump).
func (s *Sessions) Start(c echo.Context, u *store.User) error {
	sess, _ := s.cookies.New(c.Request(), SessionCookie)
	now := s.now().Unix()
	sess.Values = map[any]any{"uid": u.ID, "epoch": u.SessionEpoch, "created": now, "seen": now}
	SetUser(c, u)
	forgetCSRF(c)
	return s.save(c, sess)
}

// End signs the browser out.
func (s *Sessions) End(c echo.Context) {
	sess, _ := s.cookies.Get(c.Request(), SessionCookie)
	if sess != nil {
		s.clear(c, sess)
	}
	SetUser(c, nil)
	forgetCSRF(c)
}

// forgetCSRF expires the CSRF token whenever who is signed in changes, so a
// token seen or planted before (on a shared counter computer, say) is of no
// use after; the next page gets a new one. The cookie is sent after the
// middleware's own, so browsers apply it last. An empty, expired cookie
// carries nothing worth the Secure flag.
func forgetCSRF(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: CSRFCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// RequireSetup sends every dashboard request to /setup until the first
// owner exists.
func (s *Sessions) RequireSetup(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		done, err := s.SetupDone(c.Request().Context())
		if err != nil {
			return err
		}
		if !done && c.Path() != "/setup" && c.Path() != "/lang/:lang" {
			return redirect(c, "/setup")
		}
		return next(c)
	}
}

// SetupDone reports whether the first owner exists (it answers from memory
// once it has seen a user).
func (s *Sessions) SetupDone(ctx context.Context) (bool, error) {
	if s.hasUsers.Load() {
		return true, nil
	}
	n, err := s.users.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		s.hasUsers.Store(true)
	}
	return n > 0, nil
}

func (s *Sessions) save(c echo.Context, sess *sessions.Session) error {
	sess.Options.MaxAge = int(AbsoluteTimeout.Seconds())
	return sess.Save(c.Request(), c.Response())
}

func (s *Sessions) clear(c echo.Context, sess *sessions.Session) {
	sess.Values = map[any]any{}
	sess.Options.MaxAge = -1
	_ = sess.Save(c.Request(), c.Response())
}

func valueInt(sess *sessions.Session, key string) int64 {
	v, _ := sess.Values[key].(int64)
	return v
}
