-- Bulk link imports (#15). A job is one uploaded file: its rows are parsed
-- and checked at upload and kept here (the file itself is never stored),
-- the person looks at the preview, and starting the job hands its good
-- rows to the import worker. Rows are claimed with a lease (owner and
-- expiry) so several instances never work on the same row, and each row
-- carries a stable key: the link's external id, given in the file or
-- derived from the row. A key is held by at most one row that is being
-- created or was created, so a file imported twice creates nothing the
-- second time.

CREATE TABLE import_jobs (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id),
	user_email  TEXT    NOT NULL,
	ip          TEXT    NOT NULL DEFAULT '',
	file_name   TEXT    NOT NULL,
	state       TEXT    NOT NULL CHECK (state IN ('preview', 'running', 'done')),
	total_rows  INTEGER NOT NULL,
	created_at  TEXT    NOT NULL,
	started_at  TEXT,
	finished_at TEXT
);
CREATE INDEX import_jobs_user_state ON import_jobs (user_id, state);
CREATE INDEX import_jobs_state ON import_jobs (state, id);

CREATE TABLE import_rows (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL REFERENCES import_jobs (id),
	line        INTEGER NOT NULL,
	row_key     TEXT    NOT NULL DEFAULT '',
	state       TEXT    NOT NULL CHECK (state IN ('invalid', 'ready', 'creating', 'created', 'exists', 'refused', 'failed')),
	input       TEXT    NOT NULL DEFAULT '',
	problems    TEXT    NOT NULL DEFAULT '',
	link_id     INTEGER,
	link_url    TEXT    NOT NULL DEFAULT '',
	attempts    INTEGER NOT NULL DEFAULT 0,
	lease_owner TEXT    NOT NULL DEFAULT '',
	lease_until TEXT,
	updated_at  TEXT    NOT NULL,
	UNIQUE (job_id, line)
);
CREATE UNIQUE INDEX import_rows_key ON import_rows (row_key) WHERE state IN ('creating', 'created');
CREATE INDEX import_rows_job_state ON import_rows (job_id, state, line);
-- A creating row's lease end is also when a retry is due.
CREATE INDEX import_rows_due ON import_rows (state, lease_until);
