-- Payment links (Craftgate Craftlink "products").
-- Times are UTC text in the fixed-width layout 2006-01-02T15:04:05.000000, so
-- text comparison orders them. Money is decimal text, never REAL.
CREATE TABLE sandbox_products (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused after a delete
	token                TEXT NOT NULL UNIQUE,
	name                 TEXT NOT NULL,
	name_folded          TEXT NOT NULL,                     -- name lower-cased with Turkish rules, for search
	description          TEXT NOT NULL DEFAULT '',
	channel              TEXT NOT NULL DEFAULT '',
	order_id             TEXT NOT NULL DEFAULT '',
	conversation_id      TEXT NOT NULL DEFAULT '',
	external_id          TEXT NOT NULL DEFAULT '',
	basket_identifier    TEXT NOT NULL DEFAULT '',
	status               TEXT NOT NULL CHECK (status IN ('ACTIVE', 'PASSIVE')),
	price                TEXT NOT NULL,
	currency             TEXT NOT NULL,
	stock                INTEGER,                           -- NULL: unlimited
	sold_count           INTEGER NOT NULL DEFAULT 0,
	enabled_installments TEXT NOT NULL,                     -- JSON array of ints
	multi_payment        INTEGER NOT NULL DEFAULT 0,
	expires_at           TEXT,                              -- NULL: never expires
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);

-- Paywall APM transactions; id is the ApmTransactionId.
CREATE TABLE sandbox_apm_transactions (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	unique_code          TEXT NOT NULL UNIQUE,
	merchant_unique_code TEXT NOT NULL UNIQUE,
	provider_key         TEXT NOT NULL,
	connection_id        INTEGER NOT NULL,
	currency_id          INTEGER NOT NULL,
	amount               TEXT NOT NULL,
	refunded_amount      TEXT NOT NULL DEFAULT '0.00',
	description          TEXT NOT NULL,
	success_url          TEXT NOT NULL,
	fail_url             TEXT NOT NULL,
	user_redirect_url    TEXT NOT NULL DEFAULT '',
	status_id            INTEGER NOT NULL,
	ip                   TEXT NOT NULL DEFAULT '',
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);

CREATE TABLE sandbox_apm_refunds (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	transaction_id INTEGER NOT NULL REFERENCES sandbox_apm_transactions (id),
	amount         TEXT NOT NULL,
	partial        INTEGER NOT NULL,
	created_at     TEXT NOT NULL
);

CREATE INDEX sandbox_apm_refunds_transaction ON sandbox_apm_refunds (transaction_id);

-- One row per callback POST the wallet simulator sent to a merchant URL.
CREATE TABLE sandbox_callback_deliveries (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	transaction_id INTEGER NOT NULL REFERENCES sandbox_apm_transactions (id),
	url            TEXT NOT NULL,
	form           TEXT NOT NULL,   -- the urlencoded body that was sent
	status_code    INTEGER,         -- NULL when the request failed
	error          TEXT NOT NULL DEFAULT '',
	created_at     TEXT NOT NULL
);

CREATE INDEX sandbox_callback_deliveries_transaction ON sandbox_callback_deliveries (transaction_id);
