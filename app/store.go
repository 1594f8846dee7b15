package app

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// Store is the database as the core uses it. Called directly, each method
// stands alone; InTx runs several as one transaction. Package store adapts
// SQLite and PostgreSQL to it, and one contract test suite holds both to it.
type Store interface {
	Tx
	// InTx runs fn in one read-write transaction and commits when fn
	// returns nil; any error rolls everything back. Provider calls never
	// happen inside fn: a transaction holds locks.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}

// Tx is what an operation reads and writes. Adapters wrap ErrNotFound,
// ErrConflict and ErrUnavailable so the core never sees a driver's codes;
// times are stamped with the store's clock.
type Tx interface {
	// Lock serialises the transactions that take the same named lock until
	// they end, on any SQL engine, for rules that span rows (the last
	// owner, the first run) and so cannot rest on a single row's update.
	Lock(ctx context.Context, name string) error

	// Users.
	CreateUser(ctx context.Context, u *User) error // sets ID and times; a taken e-mail is ErrConflict
	UpdateUser(ctx context.Context, u *User) error // name, role, disabled, password hash; sets UpdatedAt
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error) // email normalised
	ListUsers(ctx context.Context) ([]User, error)                // ordered by e-mail
	CountUsers(ctx context.Context) (int, error)
	CountEnabledOwners(ctx context.Context) (int, error)

	// Sessions.
	CreateSession(ctx context.Context, s *Session) error
	SessionByID(ctx context.Context, id string) (*Session, error)
	TouchSession(ctx context.Context, id string, seen time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions ends every session of a user except keep ("" ends all).
	DeleteUserSessions(ctx context.Context, userID int64, keep string) error
	DeleteStaleSessions(ctx context.Context, seenBefore, createdBefore time.Time) (int64, error)

	// The sign-in throttle. CountLoginAttempt counts one attempt for
	// e-mail and IP in one atomic step, starting a new window when the
	// current one began before windowStart, and returns the window's count
	// including this attempt: two parallel attempts never see one count.
	CountLoginAttempt(ctx context.Context, email, ip string, windowStart time.Time) (LoginAttempts, error)
	ClearLoginAttempts(ctx context.Context, email, ip string) error
	PruneLoginAttempts(ctx context.Context, before time.Time) (int64, error)

	// Settings: small values every instance shares (the generated cookie key).
	Setting(ctx context.Context, key string) (string, error)
	// InitSetting stores value under key unless a value is there already.
	InitSetting(ctx context.Context, key, value string) error

	// The audit trail.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error)
	ForEachAudit(ctx context.Context, f AuditFilter, fn func(AuditEvent) error) error

	// QR payments.
	CreatePayment(ctx context.Context, p *Payment) error // as pending, with its lease; sets ID and times
	PaymentByCode(ctx context.Context, code string) (*Payment, error)
	PaymentByToken(ctx context.Context, token string) (*Payment, error)
	// MarkPaymentStarted records the provider's identifiers and QR code,
	// clears the last error and counts the attempt.
	MarkPaymentStarted(ctx context.Context, code string, s PaymentStart) error
	// MarkPaymentStartFailed records why an attempt failed and counts it.
	MarkPaymentStartFailed(ctx context.Context, code, problem string) error
	// SettlePayment moves a pending payment to paid, failed or expired: a
	// compare-and-set on pending, false (no error) when it was not pending.
	SettlePayment(ctx context.Context, code string, to PaymentStatus) (bool, error)
	// SetPaymentRefunded records a refunded total and status, as a
	// compare-and-set on the payment as it was read (was): ErrConflict
	// when it changed meanwhile.
	SetPaymentRefunded(ctx context.Context, was *Payment, refunded decimal.Decimal, status PaymentStatus) error
	TouchPaymentChecked(ctx context.Context, code string) error
	// ClaimPendingPayments leases to owner, until until, up to limit
	// pending payments created before createdBefore that no live lease
	// holds (none, or one ended by the store's clock), never-checked first,
	// then least recently checked, and returns them. Two claims, from any
	// instances, never return the same payment while its lease lives.
	ClaimPendingPayments(ctx context.Context, owner string, createdBefore, until time.Time, limit int) ([]Payment, error)
	// ClaimPayment leases one payment, whatever its status, to owner until
	// until: false when a live lease holds it, even owner's own.
	ClaimPayment(ctx context.Context, code, owner string, until time.Time) (bool, error)
	// ReleasePayment ends owner's lease on a payment; a lease held by
	// another is left alone.
	ReleasePayment(ctx context.Context, code, owner string) error
	// ReleaseLeases ends every lease owner holds: an instance starting
	// again takes back what its previous run was working on.
	ReleaseLeases(ctx context.Context, owner string) (int64, error)
	ListPayments(ctx context.Context, f PaymentFilter) ([]Payment, int, error)
	CountPaymentsByStatus(ctx context.Context) (map[PaymentStatus]int, error)
	ForEachPayment(ctx context.Context, f PaymentFilter, fn func(Payment) error) error

	// Refund intents, written before the provider is asked.
	CreateRefund(ctx context.Context, r *Refund) error
	// FinishRefund moves an open refund to done or failed: a
	// compare-and-set on open, false when it was finished already.
	FinishRefund(ctx context.Context, r *Refund) (bool, error)
	RefundsOf(ctx context.Context, code string) ([]Refund, error)
	OpenRefunds(ctx context.Context, createdBefore time.Time) ([]Refund, error)

	// Inbound provider events.
	// RecordCallback stores c under its Key: false (no error) when a
	// callback with that key was recorded before, which makes a repeat
	// harmless.
	RecordCallback(ctx context.Context, c *Callback) (bool, error)
	CallbacksFor(ctx context.Context, code string) ([]Callback, error)
	// RecordStrayCallback keeps a callback that named no payment, apart
	// from payments, keeping only the newest keep of them.
	RecordStrayCallback(ctx context.Context, c *Callback, keep int) error

	// Sales and the local record of links (sales_store.go).
	SalesTx
	ImportStore
}

// LoginAttempts is the sign-in throttle's window for one e-mail and IP.
type LoginAttempts struct {
	Count   int       // attempts in the window, this one included
	FirstAt time.Time // when the window began
}

// ImportStore keeps bulk import jobs and their rows.
type ImportStore interface {
	// CreateImportJob stores a job and its rows; sets IDs and times.
	CreateImportJob(ctx context.Context, j *ImportJob, rows []ImportRow) error
	// DeleteImportPreviews removes a person's jobs never started.
	DeleteImportPreviews(ctx context.Context, userID int64) error
	// ImportJob reads a job, with its counts when counts is set.
	ImportJob(ctx context.Context, id int64, counts bool) (*ImportJob, error)
	// ListImportJobs returns the newest jobs with their counts.
	ListImportJobs(ctx context.Context, limit int) ([]ImportJob, error)
	// StartImportJob moves a previewed job to running: false when it was
	// not in preview.
	StartImportJob(ctx context.Context, id int64) (bool, error)
	ImportRows(ctx context.Context, f ImportRowFilter) ([]ImportRow, error)
	ForEachImportRow(ctx context.Context, jobID int64, fn func(ImportRow) error) error
	// NextImportRow returns a due row of a running job, oldest job and
	// first line first: waiting, or creating with its lease (or retry
	// wait) over at now. ErrNotFound when none is due.
	NextImportRow(ctx context.Context, now time.Time) (*ImportRow, error)
	// ImportRowHolding returns the row other than except that holds key
	// (creating or created); ErrNotFound when none does.
	ImportRowHolding(ctx context.Context, key string, except int64) (*ImportRow, error)
	// LeaseImportRow makes r creating, held by owner until until, and
	// counts the attempt: a compare-and-set on r's state and lease as
	// read, false when another worker took it meanwhile. A key held by
	// another row is ErrConflict.
	LeaseImportRow(ctx context.Context, r *ImportRow, owner string, until time.Time) (bool, error)
	// SaveImportRow records r's state, outcome, problems and lease (the
	// owner is cleared) if owner still holds it: ErrConflict otherwise.
	SaveImportRow(ctx context.Context, r *ImportRow, owner string) error
	// FinishedImportJobs returns the running jobs whose rows all have an
	// outcome, with their counts.
	FinishedImportJobs(ctx context.Context) ([]ImportJob, error)
	// FinishImportJob moves a running job to done: false when it was not
	// running.
	FinishImportJob(ctx context.Context, id int64, at time.Time) (bool, error)
}
