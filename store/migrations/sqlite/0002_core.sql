-- Wave 2: the application core. Sessions live in the database (so logging
-- out ends a session on the server, and several instances share them); the
-- sign-in throttle counts attempts atomically; refunds are written as
-- intents before the provider is asked; callbacks carry a unique key so a
-- repeat is recorded once, and those naming no payment are kept apart.

CREATE TABLE sessions (
	id         TEXT    PRIMARY KEY, -- hex SHA-256 of the browser's token
	user_id    INTEGER NOT NULL REFERENCES users (id),
	created_at TEXT    NOT NULL,
	seen_at    TEXT    NOT NULL,
	ip         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_seen ON sessions (seen_at);
CREATE INDEX sessions_created ON sessions (created_at);

-- Sessions used to end by bumping this epoch; they are rows now.
ALTER TABLE users DROP COLUMN session_epoch;

DROP TABLE login_failures;
CREATE TABLE login_throttle (
	email    TEXT    NOT NULL,
	ip       TEXT    NOT NULL,
	attempts INTEGER NOT NULL,
	first_at TEXT    NOT NULL,
	PRIMARY KEY (email, ip)
);
CREATE INDEX login_throttle_first ON login_throttle (first_at);

-- Named lock rows (Tx.Lock): rules that span rows take one, on any engine.
CREATE TABLE locks (
	name TEXT    PRIMARY KEY,
	n    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE refunds (
	id           INTEGER PRIMARY KEY,
	payment_code TEXT    NOT NULL REFERENCES payments (merchant_unique_code),
	amount       TEXT    NOT NULL,
	whole        INTEGER NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('open', 'done', 'failed', 'unresolved')),
	refunded     TEXT    NOT NULL DEFAULT '0',
	problem      TEXT    NOT NULL DEFAULT '',
	actor_id     INTEGER REFERENCES users (id),
	actor_email  TEXT    NOT NULL DEFAULT '',
	ip           TEXT    NOT NULL DEFAULT '',
	created_at   TEXT    NOT NULL,
	updated_at   TEXT    NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_code, id);
CREATE INDEX refunds_status_created ON refunds (status, created_at);

-- Callbacks recorded before this version have no key.
ALTER TABLE callbacks ADD COLUMN event_key TEXT;
CREATE UNIQUE INDEX callbacks_event_key ON callbacks (event_key);

CREATE TABLE stray_callbacks (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	kind      TEXT NOT NULL,
	reason    TEXT NOT NULL DEFAULT '',
	remote_ip TEXT NOT NULL DEFAULT '',
	payload   TEXT NOT NULL DEFAULT ''
);
INSERT INTO stray_callbacks (at, kind, reason, remote_ip, payload)
	SELECT at, kind, reason, remote_ip, substr(payload, 1, 1024) FROM callbacks
	WHERE merchant_unique_code NOT IN (SELECT merchant_unique_code FROM payments);
DELETE FROM callbacks WHERE merchant_unique_code NOT IN (SELECT merchant_unique_code FROM payments);
