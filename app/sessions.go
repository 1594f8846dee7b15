package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

const (
	// IdleTimeout signs a person out after this long without a request.
	IdleTimeout = 8 * time.Hour
	// AbsoluteTimeout signs a person out this long after sign-in, however busy.
	AbsoluteTimeout = 7 * 24 * time.Hour
	// seenStep limits writes: a session's last-seen time is stored at most
	// once a minute, not on every request.
	seenStep = time.Minute
	// authCacheTTL bounds how long a session or user change made by another
	// process (the user command, another instance) can go unnoticed here;
	// changes made through this process apply on the next request.
	authCacheTTL  = time.Second
	authCacheSize = 4096
)

// Session is one signed-in browser. The browser holds a random token; the
// database keeps only its hash (ID), so a copy of the database signs no one
// in, and ending a session here ends it for whoever holds the cookie.
type Session struct {
	ID        string // hex SHA-256 of the token
	UserID    int64
	CreatedAt time.Time
	SeenAt    time.Time
	IP        string
}

func (s *Session) expired(now time.Time) bool {
	return now.Sub(s.CreatedAt) > AbsoluteTimeout || now.Sub(s.SeenAt) > IdleTimeout
}

// newSessionToken returns a fresh token and the ID it is stored under.
func newSessionToken() (token, id string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("session token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, sessionID(token), nil
}

func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// startSession writes a new session for u inside tx and returns its token.
func startSession(ctx context.Context, tx Tx, u *User, ip string, now time.Time) (string, error) {
	token, id, err := newSessionToken()
	if err != nil {
		return "", err
	}
	s := &Session{ID: id, UserID: u.ID, CreatedAt: now, SeenAt: now, IP: ip}
	if err := tx.CreateSession(ctx, s); err != nil {
		return "", err
	}
	return token, nil
}

// authEntry is what a session token resolved to, kept for authCacheTTL.
type authEntry struct {
	user    User
	session Session
}

// Authenticate returns the person signed in with token and their session.
// An unknown, ended or expired session, or a disabled person, is
// ErrNotFound: the browser is simply signed out. Each caller gets its own
// copy of the user.
func (s *Users) Authenticate(ctx context.Context, token string) (*User, *Session, error) {
	if token == "" {
		return nil, nil, ErrNotFound
	}
	id := sessionID(token)
	now := s.now()
	e, ok := s.auth.Get(id)
	if !ok {
		sess, err := s.store.SessionByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		u, err := s.store.UserByID(ctx, sess.UserID)
		if err != nil {
			return nil, nil, err
		}
		e = authEntry{user: *u, session: *sess}
		s.auth.Add(id, e)
	}
	if e.user.Disabled || e.session.expired(now) {
		s.auth.Remove(id)
		return nil, nil, ErrNotFound
	}
	if now.Sub(e.session.SeenAt) >= seenStep {
		if err := s.store.TouchSession(ctx, id, now); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		e.session.SeenAt = now
		s.auth.Add(id, e)
	}
	u, sess := e.user, e.session
	return &u, &sess, nil
}

// forgetEverywhere drops a user's cached sessions here and on the other
// instances after a change to them (role, password, disabled), so it
// applies on their next request wherever it lands.
func (s *Users) forgetEverywhere(ctx context.Context, userID int64) {
	s.forgetUser(userID)
	s.changes.publish(ctx, TopicUser, strconv.FormatInt(userID, 10))
}

// forgetUser drops every cached session of a user here.
func (s *Users) forgetUser(userID int64) {
	for _, k := range s.auth.Keys() {
		if e, ok := s.auth.Peek(k); ok && e.user.ID == userID {
			s.auth.Remove(k)
		}
	}
}

// Logout ends the session of token, on the server: a copy of the cookie
// taken before is of no use after.
func (s *Users) Logout(ctx context.Context, by Actor, token string) error {
	id := sessionID(token)
	s.auth.Remove(id)
	defer s.changes.publish(ctx, TopicSession, id)
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if by.User == nil {
			return nil
		}
		return appendAudit(ctx, tx, by, change{Action: "auth.logout", TargetType: "user", TargetID: by.User.Email})
	})
}

// LogoutEverywhere ends every session of the person acting, this one
// included ("sign out everywhere": a phone left somewhere, a shared
// counter computer).
func (s *Users) LogoutEverywhere(ctx context.Context, by Actor) error {
	if by.User == nil {
		return ErrNotFound
	}
	defer s.forgetEverywhere(ctx, by.User.ID)
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.DeleteUserSessions(ctx, by.User.ID, ""); err != nil {
			return err
		}
		return appendAudit(ctx, tx, by, change{Action: "auth.logout_everywhere", TargetType: "user", TargetID: by.User.Email})
	})
}

// PruneSessions deletes sessions past their idle or absolute limit, so the
// table does not grow with every browser that never signed out.
func (s *Users) PruneSessions(ctx context.Context) (int64, error) {
	now := s.now()
	return s.store.DeleteStaleSessions(ctx, now.Add(-IdleTimeout), now.Add(-AbsoluteTimeout))
}

// StartSession opens a session for a person who proved who they are some
// other way than the sign-in form (the test harness, the benchmarks) and
// returns its token.
func (s *Users) StartSession(ctx context.Context, u *User, ip string) (string, error) {
	var token string
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		token, err = startSession(ctx, tx, u, ip, s.now())
		return err
	})
	return token, err
}
