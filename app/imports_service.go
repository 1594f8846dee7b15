package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// ImportsConfig tunes the import worker; zero fields take the defaults.
type ImportsConfig struct {
	// Workers is how many rows are sent to the provider at once.
	Workers int
	// Lease is how long a worker holds a row: another instance takes it
	// over only after that, so it bounds how long a crashed instance's
	// rows wait. One row's provider calls get half of it.
	Lease time.Duration
	// Poll is how often an idle worker looks for work started elsewhere.
	Poll time.Duration
	// Backoff is the first wait after a busy or failed answer; it doubles
	// with each attempt up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts is how often a row is tried before it is given up.
	MaxAttempts int
}

// Defaults of the import worker.
const (
	DefaultImportWorkers = 4
	DefaultImportLease   = time.Minute
)

func (c *ImportsConfig) defaults() {
	if c.Workers <= 0 {
		c.Workers = DefaultImportWorkers
	}
	if c.Lease <= 0 {
		c.Lease = DefaultImportLease
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
}

// Imports creates payment links from spreadsheets: a file is checked row
// by row with the link form's rules and kept as a job to preview; once
// started, workers (on any instance) create its good rows through Links,
// each change audited, and the job survives restarts: rows are claimed
// with a lease and remembered by a key, so none is created twice.
type Imports struct {
	store Store
	links *Links
	now   func() time.Time
	log   *slog.Logger
	cfg   ImportsConfig
	owner string // this instance's name on the rows it leases

	wake chan struct{} // a job was started here

	mu          sync.Mutex
	pausedUntil time.Time // the provider asked to slow down
}

func newImports(st Store, links *Links, cfg ImportsConfig, now func() time.Time, log *slog.Logger) *Imports {
	cfg.defaults()
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Imports{store: st, links: links, now: now, log: log, cfg: cfg,
		owner: hex.EncodeToString(b[:]), wake: make(chan struct{}, cfg.Workers)}
}

// Workers is how many rows are sent at once.
func (s *Imports) Workers() int { return s.cfg.Workers }

// Preview checks a file and keeps it as a job waiting to be started: its
// good rows, and its bad rows with their problems. The person's earlier
// previews that were never started are dropped, so each person keeps at
// most one. Nothing is sent to the provider.
func (s *Imports) Preview(ctx context.Context, by Actor, f ImportFile) (*ImportJob, error) {
	if by.User == nil {
		return nil, Errorf(CodeForbidden, "error.403")
	}
	rows, err := checkRecords(f, s.now())
	if err != nil {
		return nil, err
	}
	job := &ImportJob{UserID: by.User.ID, UserEmail: by.User.Email, IP: by.IP, FileName: cleanFileName(f.Name),
		State: ImportPreview, TotalRows: len(rows)}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.DeleteImportPreviews(ctx, by.User.ID); err != nil {
			return err
		}
		return tx.CreateImportJob(ctx, job, rows)
	})
	if err != nil {
		return nil, err
	}
	return s.Job(ctx, job.ID)
}

// cleanFileName keeps a file's base name, bounded, for pages and the audit.
func cleanFileName(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' || name[i] == '\\' {
			name = name[i+1:]
			break
		}
	}
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	return name
}

// Job returns a job with its counts.
func (s *Imports) Job(ctx context.Context, id int64) (*ImportJob, error) {
	if id <= 0 {
		return nil, ErrNotFound
	}
	return s.store.ImportJob(ctx, id, true)
}

// Jobs returns the latest jobs, newest first, with their counts.
func (s *Imports) Jobs(ctx context.Context, limit int) ([]ImportJob, error) {
	return s.store.ListImportJobs(ctx, limit)
}

// Rows returns a page of a job's rows in file order, only those in states
// when any are given.
func (s *Imports) Rows(ctx context.Context, jobID int64, states []ImportRowState, limit, offset int) ([]ImportRow, error) {
	return s.store.ImportRows(ctx, ImportRowFilter{JobID: jobID, States: states, Limit: limit, Offset: offset})
}

// EachRow calls fn with every row of a job in file order (the report).
func (s *Imports) EachRow(ctx context.Context, jobID int64, fn func(ImportRow) error) error {
	return s.store.ForEachImportRow(ctx, jobID, fn)
}

// ErrNothingToImport says a job has no good row to create.
var ErrNothingToImport = Errorf(CodeInvalid, "import.err.nothing_to_import")

// Start hands a previewed job's good rows to the workers. Starting a job
// that runs already changes nothing (a second click, a second tab).
func (s *Imports) Start(ctx context.Context, id int64) (*ImportJob, error) {
	job, err := s.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	if job.State != ImportPreview {
		return job, nil
	}
	if job.Counts.Ready == 0 {
		return nil, ErrNothingToImport
	}
	if _, err := s.store.StartImportJob(ctx, id); err != nil {
		return nil, err
	}
	for range s.cfg.Workers {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return s.Job(ctx, id)
}

// Run works on started jobs until ctx is done, with Workers rows in flight
// at most; what a previous run (or a crashed instance) left is picked up.
func (s *Imports) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Wait()
}

func (s *Imports) work(ctx context.Context) {
	for ctx.Err() == nil {
		if !s.waitPause(ctx) {
			return
		}
		did, err := s.Step(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("import step failed", "err", err)
		}
		if did && err == nil {
			continue
		}
		t := time.NewTimer(s.cfg.Poll)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// waitPause waits while the provider asked to slow down; false when ctx
// ended meanwhile.
func (s *Imports) waitPause(ctx context.Context) bool {
	s.mu.Lock()
	wait := s.pausedUntil.Sub(s.now())
	s.mu.Unlock()
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Imports) pause(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := s.now().Add(d); until.After(s.pausedUntil) {
		s.pausedUntil = until
	}
}

// Step takes one row that is due and creates its link. When no row is
// due it closes the jobs that have nothing left and returns false.
func (s *Imports) Step(ctx context.Context) (bool, error) {
	row, err := s.claim(ctx)
	switch {
	case err != nil:
		return false, err
	case row == nil:
		return false, s.finishJobs(ctx)
	}
	return true, s.process(ctx, row)
}

// claim leases the next due row. A waiting row whose key another row
// holds is settled here: skipped when that row created its link, later
// when that row is still at work.
func (s *Imports) claim(ctx context.Context) (*ImportRow, error) {
	for {
		var (
			row  *ImportRow
			done bool
		)
		err := s.store.InTx(ctx, func(tx Tx) error {
			now := s.now()
			r, err := tx.NextImportRow(ctx, now)
			if errors.Is(err, ErrNotFound) {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			if r.State == ImportRowReady {
				holder, err := tx.ImportRowHolding(ctx, r.Key, r.ID)
				switch {
				case errors.Is(err, ErrNotFound):
				case err != nil:
					return err
				case holder.State == ImportRowCreated:
					r.State, r.LinkID, r.LinkURL = ImportRowExists, holder.LinkID, holder.LinkURL
					r.Problems = []ImportProblem{{Key: "import.row.imported_before"}}
					return tx.SaveImportRow(ctx, r, r.LeaseOwner)
				default: // another job's row is creating it: ask again later
					r.LeaseUntil = timePtr(now.Add(s.cfg.Backoff))
					return tx.SaveImportRow(ctx, r, r.LeaseOwner)
				}
			}
			ok, err := tx.LeaseImportRow(ctx, r, s.owner, now.Add(s.cfg.Lease))
			if ok {
				row = r
			}
			return err
		})
		if err != nil || done || row != nil {
			return row, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

func timePtr(t time.Time) *time.Time { return &t }

// process creates one leased row's link and records the outcome. A row
// that may have been sent before (a crash, a timeout), or whose external
// id came from the file, is first looked for at the provider.
func (s *Imports) process(ctx context.Context, r *ImportRow) error {
	actor, err := s.actorOf(ctx, r.JobID)
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Lease/2)
	defer cancel()
	link, err := s.find(callCtx, r)
	switch {
	case err == nil && link != nil:
		r.State = ImportRowCreated
		if r.Attempts <= 1 { // not ours: it was there before this import
			r.State = ImportRowExists
			r.Problems = []ImportProblem{{Key: "import.row.exists"}}
		}
	case err == nil:
		link, err = s.links.Create(callCtx, actor, *r.Input)
		r.State = ImportRowCreated
	}
	if err == nil && r.State == ImportRowCreated && r.Input.Status == LinkStatusPassive && link.Status != LinkStatusPassive {
		if after, err := s.links.SetStatus(callCtx, actor, link.ID, LinkStatusPassive); err == nil {
			link = after
		} else {
			r.Problems = []ImportProblem{{Field: FieldStatus, Key: "import.row.status_not_set"}}
		}
	}
	if err != nil {
		s.failed(ctx, r, err)
	} else {
		r.LinkID, r.LinkURL = link.ID, link.URL
	}
	r.LeaseUntil = nil
	if r.State == ImportRowCreating {
		r.LeaseUntil = timePtr(s.now().Add(s.backoff(r.Attempts)))
	}
	// Recorded even when ctx ends: the provider has acted.
	return s.store.SaveImportRow(context.WithoutCancel(ctx), r, s.owner)
}

// find looks the row's link up by its key when it may exist already.
func (s *Imports) find(ctx context.Context, r *ImportRow) (*Link, error) {
	if r.Attempts <= 1 && !ownKey(r.Key) {
		return nil, nil
	}
	page, err := s.links.provider.Search(ctx, LinkSearch{ExternalID: r.Key, Size: 1})
	if err != nil || len(page.Links) == 0 {
		return nil, err
	}
	return &page.Links[0], nil
}

// failed records why a row's call failed: a refusal is final; a busy,
// unreachable or silent provider is tried again later, and the whole
// worker waits when it was told to slow down.
func (s *Imports) failed(ctx context.Context, r *ImportRow, err error) {
	pe, isProvider := AsProviderError(err)
	switch {
	case ctx.Err() != nil: // stopping: the next run takes it up again
		r.State = ImportRowCreating
	case ErrorCode(err) == CodeInvalid && !isProvider: // the core's own checks: never sent
		r.State = ImportRowRefused
		for field, key := range ErrorFields(err) {
			r.Problems = append(r.Problems, ImportProblem{Field: field, Key: key})
		}
	case isProvider && !pe.Busy() && (pe.Kind == ProviderRefused || pe.Kind == ProviderFailedCall || pe.Kind == ProviderNotFound):
		r.State = ImportRowRefused
		p := ImportProblem{Field: pe.Field, Key: "import.row.refused", Code: pe.Code, Detail: pe.Description}
		r.Problems = []ImportProblem{p}
	case r.Attempts >= s.cfg.MaxAttempts:
		r.State = ImportRowFailed
		p := ImportProblem{Key: "import.row.failed"}
		if isProvider {
			p.Code, p.Detail = pe.Code, pe.Description
		}
		r.Problems = []ImportProblem{p}
		s.log.Warn("import row given up", "job", r.JobID, "line", r.Line, "err", err)
	default:
		r.State = ImportRowCreating
		if isProvider && pe.Status == 429 {
			s.pause(s.backoff(r.Attempts))
		}
		s.log.Info("import row to be retried", "job", r.JobID, "line", r.Line, "attempt", r.Attempts, "err", err)
	}
}

// backoff is the wait before attempt n+1.
func (s *Imports) backoff(n int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// actorOf is the person who uploaded a job, its links' creator.
func (s *Imports) actorOf(ctx context.Context, jobID int64) (Actor, error) {
	job, err := s.store.ImportJob(ctx, jobID, false)
	if err != nil {
		return Actor{}, fmt.Errorf("import job %d: %w", jobID, err)
	}
	return Actor{User: &User{ID: job.UserID, Email: job.UserEmail}, IP: job.IP}, nil
}

// finishJobs closes the running jobs whose rows all have an outcome, each
// with its audit row, once whichever instance gets there first.
func (s *Imports) finishJobs(ctx context.Context) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		jobs, err := tx.FinishedImportJobs(ctx)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			now := s.now()
			ok, err := tx.FinishImportJob(ctx, j.ID, now)
			if err != nil || !ok {
				return err
			}
			by := Actor{User: &User{ID: j.UserID, Email: j.UserEmail}, IP: j.IP}
			ch := change{Action: "link.import", TargetType: "import", TargetID: strconv.FormatInt(j.ID, 10), After: summaryOf(j, now)}
			if err := appendAudit(ctx, tx, by, ch); err != nil {
				return err
			}
			s.log.Info("import finished", "job", j.ID, "created", j.Counts.Created, "skipped", j.Counts.Exists,
				"refused", j.Counts.Refused, "failed", j.Counts.Failed)
		}
		return nil
	})
}

// ImportRowFilter selects rows of one job; no States means all.
type ImportRowFilter struct {
	JobID         int64
	States        []ImportRowState
	Limit, Offset int
}
