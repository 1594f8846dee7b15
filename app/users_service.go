package app

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

const (
	// LoginMaxFailures wrong passwords per e-mail and IP within LoginWindow
	// make further tries wait until the window ends.
	LoginMaxFailures = 5
	// LoginWindow is how long wrong passwords count against further tries.
	LoginWindow = 15 * time.Minute
)

// Lock names (Tx.Lock).
const (
	lockUsers  = "users"  // the first-run setup: one first owner
	lockOwners = "owners" // the last-owner rule
)

// Users runs accounts, sign-in and sessions: first-run setup, adding
// people, roles, passwords, disabling, the sign-in throttle and the
// last-owner rule. Every change is audited in its own transaction.
type Users struct {
	store    Store
	now      func() time.Time
	observer Observer
	auth     *expirable.LRU[string, authEntry]
	// setupDone is remembered once true: users are never deleted.
	setupDone atomic.Bool
	// decoyHash is checked against for unknown e-mails, so they take as
	// long to refuse as a wrong password and reveal nobody's account.
	decoyHash func() []byte
	changes   *broadcaster
}

func newUsers(st Store, now func() time.Time, observer Observer, changes *broadcaster) *Users {
	return &Users{
		store: st, now: now, observer: observer, changes: changes,
		auth: expirable.NewLRU[string, authEntry](authCacheSize, nil, authCacheTTL),
		decoyHash: sync.OnceValue(func() []byte {
			h, _ := HashPassword("linkdesk decoy password")
			return h
		}),
	}
}

// SetupDone reports whether the first owner exists.
func (s *Users) SetupDone(ctx context.Context) (bool, error) {
	if s.setupDone.Load() {
		return true, nil
	}
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		s.setupDone.Store(true)
	}
	return n > 0, nil
}

// ErrSetupDone refuses a second first-run setup.
var ErrSetupDone = &Error{Code: CodeConflict, Message: "setup.already_done"}

// Setup creates the first owner and signs them in, returning the session
// token. Two browsers posting at once get one owner: the other gets
// ErrSetupDone.
func (s *Users) Setup(ctx context.Context, in NewUser, ip string) (*User, string, error) {
	in.Role = RoleOwner
	if err := in.Validate().err(); err != nil {
		return nil, "", err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, "", err
	}
	u := &User{Email: in.Email, Name: in.Name, Role: RoleOwner, PasswordHash: hash}
	var token string
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, lockUsers); err != nil {
			return err
		}
		if n, err := tx.CountUsers(ctx); err != nil || n > 0 {
			return errors.Join(err, ErrSetupDone)
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if token, err = startSession(ctx, tx, u, ip, s.now()); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Actor{User: u, IP: ip}, change{Action: "user.create", TargetType: "user", TargetID: u.Email, After: userState(u)})
	})
	if err != nil {
		return nil, "", err
	}
	s.setupDone.Store(true)
	return u, token, nil
}

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Email    string
	Password string
	IP       string
}

// ErrLoginRefused is the one answer to a wrong password, an unknown e-mail
// and a disabled account alike, so the form reveals nothing about who has
// an account or in what state.
var ErrLoginRefused = &Error{Code: CodeForbidden, Message: "auth.login_failed"}

// Login checks the credentials and starts a session, returning its token.
// The attempt is counted before the password is checked, in one atomic
// step, so parallel guesses cannot slip past the throttle; a refused
// attempt writes an audit row only the first time in a window (the
// throttle keeps the count), so a flood of them cannot grow the log.
func (s *Users) Login(ctx context.Context, in LoginInput) (*User, string, error) {
	email := NormalizeEmail(in.Email)
	var fe FieldErrors
	switch {
	case email == "":
		fe.Add("email", "auth.email_required")
	case len(email) > MaxEmailLen:
		fe.Add("email", "account.email_invalid")
	}
	if in.Password == "" {
		fe.Add("password", "auth.password_required")
	}
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	attempts, err := s.reserveAttempt(ctx, email, in.IP)
	if err != nil {
		return nil, "", err
	}
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		CheckPassword(s.decoyHash(), in.Password)
		return nil, "", s.refuse(ctx, email, in.IP, attempts, "unknown_email")
	case err != nil:
		return nil, "", err
	case !CheckPassword(u.PasswordHash, in.Password):
		return nil, "", s.refuse(ctx, email, in.IP, attempts, "wrong_password")
	case u.Disabled:
		return nil, "", s.refuse(ctx, email, in.IP, attempts, "disabled")
	}
	var token string
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.ClearLoginAttempts(ctx, email, in.IP); err != nil {
			return err
		}
		if token, err = startSession(ctx, tx, u, in.IP, s.now()); err != nil {
			return err
		}
		var after any
		if attempts.Count > 1 {
			after = map[string]int{"failed_attempts": attempts.Count - 1}
		}
		return appendAudit(ctx, tx, Actor{User: u, IP: in.IP}, change{Action: "auth.login", TargetType: "user", TargetID: u.Email, After: after})
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// reserveAttempt counts an attempt for email and ip before any password is
// checked; past the limit it returns the throttled error (audited once, as
// the window fills).
func (s *Users) reserveAttempt(ctx context.Context, email, ip string) (LoginAttempts, error) {
	now := s.now()
	att, err := s.store.CountLoginAttempt(ctx, email, ip, now.Add(-LoginWindow))
	if err != nil || att.Count <= LoginMaxFailures {
		return att, err
	}
	s.observer.LoginRefused("throttled")
	wait := max(att.FirstAt.Add(LoginWindow).Sub(now), time.Second)
	if att.Count == LoginMaxFailures+1 {
		err := s.store.InTx(ctx, func(tx Tx) error {
			return appendAudit(ctx, tx, Actor{IP: ip}, change{Action: "auth.login_throttled", TargetType: "user", TargetID: email,
				After: map[string]int{"failed_attempts": LoginMaxFailures}})
		})
		if err != nil {
			return att, err
		}
	}
	return att, &Error{Code: CodeTooMany, Message: "auth.login_throttled", Wait: wait}
}

// refuse answers a failed sign-in. Only the first refusal of a window is
// audited; the throttle's count stands for the rest. Old windows are pruned
// so guesses against many e-mails do not grow the table for ever.
func (s *Users) refuse(ctx context.Context, email, ip string, att LoginAttempts, reason string) error {
	s.observer.LoginRefused(reason)
	if att.Count == 1 {
		err := s.store.InTx(ctx, func(tx Tx) error {
			return appendAudit(ctx, tx, Actor{IP: ip}, change{Action: "auth.login_failed", TargetType: "user", TargetID: email,
				After: map[string]string{"reason": reason}})
		})
		if err != nil {
			return err
		}
		if _, err := s.store.PruneLoginAttempts(ctx, s.now().Add(-LoginWindow)); err != nil {
			return err
		}
	}
	return ErrLoginRefused
}

// List returns every account, ordered by e-mail.
func (s *Users) List(ctx context.Context) ([]User, error) { return s.store.ListUsers(ctx) }

// Get returns one account.
func (s *Users) Get(ctx context.Context, id int64) (*User, error) { return s.store.UserByID(ctx, id) }

// ByEmail returns the account of an e-mail address.
func (s *Users) ByEmail(ctx context.Context, email string) (*User, error) {
	return s.store.UserByEmail(ctx, email)
}

// Create adds a person with an initial password. A taken e-mail is a
// field error.
func (s *Users) Create(ctx context.Context, by Actor, in NewUser) (*User, error) {
	if err := in.Validate().err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: hash}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return appendAudit(ctx, tx, by, change{Action: "user.create", TargetType: "user", TargetID: u.Email, After: userState(u)})
	})
	if errors.Is(err, ErrConflict) {
		return nil, invalidFields(FieldErrors{"email": "account.email_taken"})
	}
	if err != nil {
		return nil, err
	}
	s.setupDone.Store(true)
	return u, nil
}

// ErrLastOwner refuses a change that would leave no enabled owner, which
// would lock everyone out of managing accounts.
var ErrLastOwner = &Error{Code: CodeConflict, Message: "account.last_owner"}

// SetRole changes a person's role; the last enabled owner keeps theirs.
// It reports whether anything changed.
func (s *Users) SetRole(ctx context.Context, by Actor, id int64, role Role) (bool, error) {
	if !role.Valid() {
		return false, invalidFields(FieldErrors{"role": "account.role_invalid"})
	}
	return s.changeUser(ctx, by, id, func(u *User) (change, bool) {
		if u.Role == role {
			return change{}, false
		}
		ch := change{Action: "user.role", Before: map[string]Role{"role": u.Role}, After: map[string]Role{"role": role}}
		u.Role = role
		return ch, true
	})
}

// SetDisabled disables a person (ending their sessions) or lets them sign
// in again. Nobody disables themselves, and the last enabled owner stays.
// It reports whether anything changed.
func (s *Users) SetDisabled(ctx context.Context, by Actor, id int64, disabled bool) (bool, error) {
	if disabled && by.User != nil && by.User.ID == id {
		return false, Errorf(CodeConflict, "users.self_disable")
	}
	return s.changeUser(ctx, by, id, func(u *User) (change, bool) {
		if u.Disabled == disabled {
			return change{}, false
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		ch := change{Action: action, Before: map[string]bool{"disabled": u.Disabled}, After: map[string]bool{"disabled": disabled}}
		u.Disabled = disabled
		return ch, true
	})
}

// changeUser applies edit to user id in one transaction that also checks
// the last-owner rule, ends the user's sessions when they lose access, and
// audits the change. The owners lock makes two owners demoting each other
// at once on any engine take turns, so one of them is refused.
func (s *Users) changeUser(ctx context.Context, by Actor, id int64, edit func(u *User) (change, bool)) (bool, error) {
	changed := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, lockOwners); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		wasOwner := u.Role == RoleOwner && !u.Disabled
		ch, ok := edit(u)
		if !ok {
			return nil
		}
		if wasOwner && (u.Role != RoleOwner || u.Disabled) {
			n, err := tx.CountEnabledOwners(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return ErrLastOwner
			}
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if u.Disabled {
			if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		ch.TargetType, ch.TargetID = "user", u.Email
		changed = true
		return appendAudit(ctx, tx, by, ch)
	})
	s.forgetEverywhere(ctx, id)
	return changed, err
}

// ResetPassword sets a new password for someone else and ends their
// sessions. People change their own with ChangePassword, which asks for
// the current one: a browser left signed in must not be a way to take an
// account.
func (s *Users) ResetPassword(ctx context.Context, by Actor, id int64, password string) error {
	if by.User != nil && by.User.ID == id {
		return Errorf(CodeConflict, "users.self_password")
	}
	return s.setPassword(ctx, by, id, password, "")
}

// SetPasswordCLI sets a person's password from the shell, ending their
// sessions.
func (s *Users) SetPasswordCLI(ctx context.Context, id int64, password string) error {
	return s.setPassword(ctx, Actor{Name: ActorCLI, IP: "local"}, id, password, "")
}

// ChangePassword changes the acting person's own password. The current one
// is checked against the same throttle as sign-ins, so a browser left
// signed in is no faster a way to guess. Every other session of theirs
// ends; the one in keep (this browser's) stays.
func (s *Users) ChangePassword(ctx context.Context, by Actor, current, password, keepSession string) error {
	if by.User == nil {
		return ErrNotFound
	}
	u := by.User
	if key := PasswordProblem(password); key != "" {
		return invalidFields(FieldErrors{"password": key})
	}
	if _, err := s.reserveAttempt(ctx, u.Email, by.IP); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == CodeTooMany {
			return &Error{Code: CodeTooMany, Message: "account.current_throttled", Wait: e.Wait,
				Fields: FieldErrors{"current_password": "account.current_throttled"}}
		}
		return err
	}
	if !CheckPassword(u.PasswordHash, current) {
		return invalidFields(FieldErrors{"current_password": "account.current_wrong"})
	}
	if err := s.store.ClearLoginAttempts(ctx, u.Email, by.IP); err != nil {
		return err
	}
	return s.setPassword(ctx, by, u.ID, password, sessionIDOrEmpty(keepSession))
}

func sessionIDOrEmpty(token string) string {
	if token == "" {
		return ""
	}
	return sessionID(token)
}

// setPassword hashes and stores a new password and ends the user's
// sessions but keep, with its audit row, in one transaction.
func (s *Users) setPassword(ctx context.Context, by Actor, id int64, password, keep string) error {
	if key := PasswordProblem(password); key != "" {
		return invalidFields(FieldErrors{"password": key})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	defer s.forgetEverywhere(ctx, id)
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, id, keep); err != nil {
			return err
		}
		return appendAudit(ctx, tx, by, change{Action: "user.password", TargetType: "user", TargetID: u.Email,
			After: map[string]bool{"sessions_ended": true}})
	})
}
