-- Linkdesk schema, version 1.
-- Times are UTC text in a fixed-width RFC 3339 form (nanoseconds always
-- present), so text order is time order. Money is a decimal string; payments
-- also keep the amount in millionths (amount_e6) so range filters compare
-- integers instead of text.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff', 'viewer')),
	password_hash BLOB    NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	session_epoch INTEGER NOT NULL DEFAULT 1,
	created_at    TEXT    NOT NULL,
	updated_at    TEXT    NOT NULL
);

CREATE TABLE settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE login_failures (
	id    INTEGER PRIMARY KEY,
	email TEXT NOT NULL,
	ip    TEXT NOT NULL,
	at    TEXT NOT NULL
);
CREATE INDEX login_failures_email_ip_at ON login_failures (email, ip, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE audit_events (
	id          INTEGER PRIMARY KEY,
	at          TEXT    NOT NULL,
	actor_id    INTEGER REFERENCES users (id),
	actor_email TEXT    NOT NULL DEFAULT '',
	ip          TEXT    NOT NULL DEFAULT '',
	action      TEXT    NOT NULL,
	target_type TEXT    NOT NULL DEFAULT '',
	target_id   TEXT    NOT NULL DEFAULT '',
	before_json TEXT,
	after_json  TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor_at ON audit_events (actor_id, at);
CREATE INDEX audit_events_action_at ON audit_events (action, at);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id);

-- The audit log is evidence: once written, a row is never changed or removed.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TABLE payments (
	id                   INTEGER PRIMARY KEY,
	merchant_unique_code TEXT    NOT NULL UNIQUE,
	callback_token       TEXT    NOT NULL UNIQUE,
	amount               TEXT    NOT NULL,
	amount_e6            INTEGER NOT NULL,
	currency             TEXT    NOT NULL,
	description          TEXT    NOT NULL DEFAULT '',
	provider             TEXT    NOT NULL DEFAULT '',
	connection_id        INTEGER,
	staff_id             INTEGER REFERENCES users (id),
	staff_email          TEXT    NOT NULL DEFAULT '',
	status               TEXT    NOT NULL CHECK (status IN
		('pending', 'paid', 'failed', 'expired', 'refunded', 'partially_refunded')),
	unique_code          TEXT    NOT NULL DEFAULT '',
	apm_transaction_id   INTEGER NOT NULL DEFAULT 0,
	qr_format_type       INTEGER NOT NULL DEFAULT 0,
	qr_content           TEXT    NOT NULL DEFAULT '',
	last_error           TEXT    NOT NULL DEFAULT '',
	refunded_amount      TEXT    NOT NULL DEFAULT '0',
	attempts             INTEGER NOT NULL DEFAULT 0,
	created_at           TEXT    NOT NULL,
	updated_at           TEXT    NOT NULL,
	started_at           TEXT,
	settled_at           TEXT,
	checked_at           TEXT
);
CREATE INDEX payments_created ON payments (created_at);
CREATE INDEX payments_status_created ON payments (status, created_at);
CREATE INDEX payments_staff_created ON payments (staff_id, created_at);

-- No foreign key to payments: callbacks for unknown codes are recorded too.
CREATE TABLE callbacks (
	id                   INTEGER PRIMARY KEY,
	at                   TEXT    NOT NULL,
	merchant_unique_code TEXT    NOT NULL DEFAULT '',
	kind                 TEXT    NOT NULL,
	accepted             INTEGER NOT NULL,
	reason               TEXT    NOT NULL DEFAULT '',
	remote_ip            TEXT    NOT NULL DEFAULT '',
	payload              TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX callbacks_code ON callbacks (merchant_unique_code, id);
