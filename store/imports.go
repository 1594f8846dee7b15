package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"linkdesk/app"
)

// importInsertBatch is how many rows one INSERT writes: far below the
// bound parameters SQLite and PostgreSQL allow in one statement.
const importInsertBatch = 200

// CreateImportJob stores a job and its rows and sets their IDs' times;
// the job's ID is set, the rows' are not read back.
func (q queries) CreateImportJob(ctx context.Context, j *app.ImportJob, rows []app.ImportRow) error {
	now := q.now()
	j.CreatedAt = now
	err := q.row(ctx, `INSERT INTO import_jobs (user_id, user_email, ip, file_name, state, total_rows, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.UserID, j.UserEmail, j.IP, j.FileName, j.State, j.TotalRows, formatTime(now)).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("store: create import job: %w", mapErr(err))
	}
	for start := 0; start < len(rows); start += importInsertBatch {
		batch := rows[start:min(start+importInsertBatch, len(rows))]
		var b strings.Builder
		b.WriteString(`INSERT INTO import_rows (job_id, line, row_key, state, input, problems, updated_at) VALUES `)
		args := make([]any, 0, 7*len(batch))
		for i := range batch {
			r := &batch[i]
			input, problems, err := encodeImportRow(r)
			if err != nil {
				return fmt.Errorf("store: create import job %d line %d: %w", j.ID, r.Line, err)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			r.JobID, r.UpdatedAt = j.ID, now
			args = append(args, j.ID, r.Line, r.Key, r.State, input, problems, formatTime(now))
		}
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: create import job %d rows: %w", j.ID, err)
		}
	}
	return nil
}

func encodeImportRow(r *app.ImportRow) (input, problems string, err error) {
	if r.Input != nil {
		b, err := json.Marshal(r.Input)
		if err != nil {
			return "", "", err
		}
		input = string(b)
	}
	if len(r.Problems) > 0 {
		b, err := json.Marshal(r.Problems)
		if err != nil {
			return "", "", err
		}
		problems = string(b)
	}
	return input, problems, nil
}

// DeleteImportPreviews removes a person's jobs never started, rows and all.
func (q queries) DeleteImportPreviews(ctx context.Context, userID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM import_rows WHERE job_id IN
		(SELECT id FROM import_jobs WHERE user_id = ? AND state = 'preview')`, userID); err != nil {
		return fmt.Errorf("store: delete import previews: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM import_jobs WHERE user_id = ? AND state = 'preview'`, userID); err != nil {
		return fmt.Errorf("store: delete import previews: %w", err)
	}
	return nil
}

const importJobColumns = `id, user_id, user_email, ip, file_name, state, total_rows, created_at, started_at, finished_at`

func scanImportJob(s rowScanner) (app.ImportJob, error) {
	var (
		j                 app.ImportJob
		created           string
		started, finished sql.NullString
		err               error
	)
	if err := s.Scan(&j.ID, &j.UserID, &j.UserEmail, &j.IP, &j.FileName, &j.State, &j.TotalRows, &created, &started, &finished); err != nil {
		return app.ImportJob{}, mapErr(err)
	}
	if j.CreatedAt, err = parseTime(created); err != nil {
		return app.ImportJob{}, err
	}
	if j.StartedAt, err = parseNullTime(started); err != nil {
		return app.ImportJob{}, err
	}
	if j.FinishedAt, err = parseNullTime(finished); err != nil {
		return app.ImportJob{}, err
	}
	return j, nil
}

// ImportJob reads one job, with its row counts when counts is set.
func (q queries) ImportJob(ctx context.Context, id int64, counts bool) (*app.ImportJob, error) {
	var j app.ImportJob
	err := q.inReadTx(ctx, func(q queries) error {
		var err error
		if j, err = scanImportJob(q.row(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE id = ?`, id)); err != nil {
			return err
		}
		if counts {
			j.Counts, err = q.importCounts(ctx, &j)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: import job %d: %w", id, err)
	}
	return &j, nil
}

// ListImportJobs returns the newest jobs with their counts.
func (q queries) ListImportJobs(ctx context.Context, limit int) ([]app.ImportJob, error) {
	limit, _ = page(limit, 0)
	var jobs []app.ImportJob
	err := q.inReadTx(ctx, func(q queries) error {
		var err error
		jobs, err = queryAll(ctx, q, scanImportJob, `SELECT `+importJobColumns+` FROM import_jobs ORDER BY id DESC LIMIT ?`, limit)
		for i := range jobs {
			if err != nil {
				break
			}
			jobs[i].Counts, err = q.importCounts(ctx, &jobs[i])
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list import jobs: %w", err)
	}
	return jobs, nil
}

// importCounts counts a job's rows by state; waiting rows of a previewed
// job whose key another row holds are counted as known.
func (q queries) importCounts(ctx context.Context, j *app.ImportJob) (app.ImportCounts, error) {
	var c app.ImportCounts
	by := map[app.ImportRowState]*int{
		app.ImportRowInvalid: &c.Invalid, app.ImportRowReady: &c.Ready, app.ImportRowCreating: &c.Creating,
		app.ImportRowCreated: &c.Created, app.ImportRowExists: &c.Exists, app.ImportRowRefused: &c.Refused, app.ImportRowFailed: &c.Failed,
	}
	rows, err := q.query(ctx, `SELECT state, COUNT(*) FROM import_rows WHERE job_id = ? GROUP BY state`, j.ID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			state app.ImportRowState
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return c, mapErr(err)
		}
		if p, ok := by[state]; ok {
			*p = n
		}
	}
	if err := rows.Err(); err != nil {
		return c, mapErr(err)
	}
	if j.State == app.ImportPreview && c.Ready > 0 {
		err = q.row(ctx, `SELECT COUNT(*) FROM import_rows r WHERE r.job_id = ? AND r.state = 'ready'
			AND EXISTS (SELECT 1 FROM import_rows o WHERE o.row_key = r.row_key AND o.state IN ('creating', 'created'))`,
			j.ID).Scan(&c.Known)
	}
	return c, mapErr(err)
}

// StartImportJob moves a previewed job to running.
func (q queries) StartImportJob(ctx context.Context, id int64) (bool, error) {
	return q.moveImportJob(ctx, `UPDATE import_jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'preview'`, q.now(), id)
}

// FinishImportJob moves a running job to done.
func (q queries) FinishImportJob(ctx context.Context, id int64, at time.Time) (bool, error) {
	return q.moveImportJob(ctx, `UPDATE import_jobs SET state = 'done', finished_at = ? WHERE id = ? AND state = 'running'`, at, id)
}

func (q queries) moveImportJob(ctx context.Context, query string, at time.Time, id int64) (bool, error) {
	res, err := q.exec(ctx, query, formatTime(at), id)
	if err != nil {
		return false, fmt.Errorf("store: import job %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishedImportJobs returns the running jobs with no row left to work on.
func (q queries) FinishedImportJobs(ctx context.Context) ([]app.ImportJob, error) {
	jobs, err := queryAll(ctx, q, scanImportJob, `SELECT `+importJobColumns+` FROM import_jobs j WHERE j.state = 'running'
		AND NOT EXISTS (SELECT 1 FROM import_rows r WHERE r.job_id = j.id AND r.state IN ('ready', 'creating'))`)
	for i := range jobs {
		if err != nil {
			break
		}
		jobs[i].Counts, err = q.importCounts(ctx, &jobs[i])
	}
	if err != nil {
		return nil, fmt.Errorf("store: finished import jobs: %w", err)
	}
	return jobs, nil
}

const importRowColumns = `id, job_id, line, row_key, state, input, problems, link_id, link_url, attempts,
	lease_owner, lease_until, updated_at`

func scanImportRow(s rowScanner) (app.ImportRow, error) {
	var (
		r               app.ImportRow
		input, problems string
		linkID          sql.NullInt64
		leaseUntil      sql.NullString
		updated         string
		err             error
	)
	if err := s.Scan(&r.ID, &r.JobID, &r.Line, &r.Key, &r.State, &input, &problems, &linkID, &r.LinkURL, &r.Attempts,
		&r.LeaseOwner, &leaseUntil, &updated); err != nil {
		return app.ImportRow{}, mapErr(err)
	}
	if input != "" {
		r.Input = new(app.LinkInput)
		if err := json.Unmarshal([]byte(input), r.Input); err != nil {
			return app.ImportRow{}, fmt.Errorf("stored import row %d input: %w", r.ID, err)
		}
	}
	if problems != "" {
		if err := json.Unmarshal([]byte(problems), &r.Problems); err != nil {
			return app.ImportRow{}, fmt.Errorf("stored import row %d problems: %w", r.ID, err)
		}
	}
	r.LinkID = linkID.Int64
	if r.LeaseUntil, err = parseNullTime(leaseUntil); err != nil {
		return app.ImportRow{}, err
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return app.ImportRow{}, err
	}
	return r, nil
}

// ImportRows returns a page of a job's rows in file order.
func (q queries) ImportRows(ctx context.Context, f app.ImportRowFilter) ([]app.ImportRow, error) {
	limit, offset := page(f.Limit, f.Offset)
	w := importRowWhere(f.JobID, f.States)
	rows, err := queryAll(ctx, q, scanImportRow, `SELECT `+importRowColumns+` FROM import_rows`+w.String()+
		` ORDER BY line LIMIT ? OFFSET ?`, append(w.args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: import rows of job %d: %w", f.JobID, err)
	}
	return rows, nil
}

func importRowWhere(jobID int64, states []app.ImportRowState) *where {
	w := &where{}
	w.add("job_id = ?", jobID)
	if len(states) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(states)), ", ")
		args := make([]any, len(states))
		for i, s := range states {
			args[i] = s
		}
		w.add("state IN ("+marks+")", args...)
	}
	return w
}

// ForEachImportRow calls fn with every row of a job in file order.
func (q queries) ForEachImportRow(ctx context.Context, jobID int64, fn func(app.ImportRow) error) error {
	err := queryEach(ctx, q, scanImportRow, fn, `SELECT `+importRowColumns+` FROM import_rows WHERE job_id = ? ORDER BY line`, jobID)
	if err != nil {
		return fmt.Errorf("store: import rows of job %d: %w", jobID, err)
	}
	return nil
}

// NextImportRow returns a due row: first one whose lease or retry wait is
// over (a crashed worker's, a retry), then the first waiting row of the
// oldest running job. Each query walks an index to its first match.
func (q queries) NextImportRow(ctx context.Context, now time.Time) (*app.ImportRow, error) {
	r, err := scanImportRow(q.row(ctx, `SELECT `+importRowColumns+` FROM import_rows
		WHERE state = 'creating' AND lease_until <= ? ORDER BY lease_until LIMIT 1`, formatTime(now)))
	if err == nil {
		return &r, nil
	}
	if !errors.Is(err, app.ErrNotFound) {
		return nil, fmt.Errorf("store: next import row: %w", err)
	}
	running, err := queryAll(ctx, q, func(s rowScanner) (int64, error) {
		var id int64
		return id, mapErr(s.Scan(&id))
	}, `SELECT id FROM import_jobs WHERE state = 'running' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: next import row: %w", err)
	}
	for _, job := range running {
		r, err := scanImportRow(q.row(ctx, `SELECT `+importRowColumns+` FROM import_rows
			WHERE job_id = ? AND state = 'ready' ORDER BY line LIMIT 1`, job))
		if err == nil {
			return &r, nil
		}
		if !errors.Is(err, app.ErrNotFound) {
			return nil, fmt.Errorf("store: next import row: %w", err)
		}
	}
	return nil, app.ErrNotFound
}

// ImportRowHolding returns the row that holds key, other than except.
func (q queries) ImportRowHolding(ctx context.Context, key string, except int64) (*app.ImportRow, error) {
	r, err := scanImportRow(q.row(ctx, `SELECT `+importRowColumns+` FROM import_rows
		WHERE row_key = ? AND state IN ('creating', 'created') AND id <> ?`, key, except))
	if err != nil {
		return nil, fmt.Errorf("store: import row holding %q: %w", key, err)
	}
	return &r, nil
}

// LeaseImportRow takes r for owner until until, if it is as it was read.
func (q queries) LeaseImportRow(ctx context.Context, r *app.ImportRow, owner string, until time.Time) (bool, error) {
	now := q.now()
	res, err := q.exec(ctx, `UPDATE import_rows SET state = 'creating', lease_owner = ?, lease_until = ?,
		attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND state = ? AND lease_owner = ? AND COALESCE(lease_until, '') = ?`,
		owner, formatTime(until), formatTime(now), r.ID, r.State, r.LeaseOwner, nullTime(r.LeaseUntil).String)
	if err != nil {
		return false, fmt.Errorf("store: lease import row %d: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	r.State, r.LeaseOwner, r.LeaseUntil, r.UpdatedAt = app.ImportRowCreating, owner, &until, now
	r.Attempts++
	return true, nil
}

// SaveImportRow records r if owner still holds it, and clears the owner.
func (q queries) SaveImportRow(ctx context.Context, r *app.ImportRow, owner string) error {
	_, problems, err := encodeImportRow(&app.ImportRow{Problems: r.Problems})
	if err != nil {
		return fmt.Errorf("store: save import row %d: %w", r.ID, err)
	}
	linkID := sql.NullInt64{Int64: r.LinkID, Valid: r.LinkID != 0}
	now := q.now()
	err = q.execOne(ctx, `UPDATE import_rows SET state = ?, problems = ?, link_id = ?, link_url = ?, attempts = ?,
		lease_owner = '', lease_until = ?, updated_at = ? WHERE id = ? AND lease_owner = ?`,
		r.State, problems, linkID, r.LinkURL, r.Attempts, nullTime(r.LeaseUntil), formatTime(now), r.ID, owner)
	if errors.Is(err, app.ErrNotFound) {
		err = app.ErrConflict // taken over by another worker
	}
	if err != nil {
		return fmt.Errorf("store: save import row %d: %w", r.ID, err)
	}
	r.LeaseOwner, r.UpdatedAt = "", now
	return nil
}
