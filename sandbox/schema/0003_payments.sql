-- Craftgate payments taken on hosted link pages, their refunds, and the webhooks they
-- fire. Times are UTC text in the fixed-width layout of 0001; money is decimal text.
-- It only creates tables of its own, so it applies whether or not a 0002 has.

-- One row per payment attempt, successful or not. id is the payment id (and the id of
-- its single payment transaction).
CREATE TABLE sandbox_payments (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	product_id        INTEGER NOT NULL,                 -- the link; no FK: a deleted link keeps its payments
	price             TEXT NOT NULL,
	paid_price        TEXT NOT NULL,
	paid_price_key    TEXT NOT NULL,                    -- paid_price, fixed-width so text order is numeric order
	currency          TEXT NOT NULL,
	installment       INTEGER NOT NULL,
	payment_status    TEXT NOT NULL CHECK (payment_status IN ('SUCCESS', 'FAILURE')),
	payment_type      TEXT NOT NULL,
	payment_provider  TEXT NOT NULL,
	payment_source    TEXT NOT NULL,
	payment_channel   TEXT NOT NULL DEFAULT '',
	is_three_ds       INTEGER NOT NULL,
	buyer_member_id   INTEGER,                          -- NULL: link payers are no members
	sub_merchant_id   INTEGER,                          -- NULL: links sell for the merchant itself
	conversation_id   TEXT NOT NULL DEFAULT '',
	external_id       TEXT NOT NULL DEFAULT '',
	order_id          TEXT NOT NULL DEFAULT '',
	bin_number        TEXT NOT NULL,
	last_four_digits  TEXT NOT NULL,
	card_type         TEXT NOT NULL,
	card_association  TEXT NOT NULL,
	card_holder_name  TEXT NOT NULL,
	error_code        TEXT NOT NULL DEFAULT '',         -- '' on success
	refunded_price    TEXT NOT NULL DEFAULT '0',
	created_at        TEXT NOT NULL,                    -- whole seconds, as createdDate shows it
	updated_at        TEXT NOT NULL
);

-- Reporting answers newest first; each index ends in (created_at, id) so the common
-- filters read one index range in order instead of scanning and sorting the table.
CREATE INDEX sandbox_payments_created ON sandbox_payments (created_at, id);
CREATE INDEX sandbox_payments_source ON sandbox_payments (payment_source, created_at, id);
CREATE INDEX sandbox_payments_product ON sandbox_payments (product_id, created_at, id);
CREATE INDEX sandbox_payments_conversation ON sandbox_payments (conversation_id, created_at, id);
CREATE INDEX sandbox_payments_external ON sandbox_payments (external_id, created_at, id);
CREATE INDEX sandbox_payments_order ON sandbox_payments (order_id, created_at, id);

CREATE TABLE sandbox_payment_refunds (
	id                      INTEGER PRIMARY KEY AUTOINCREMENT,
	payment_id              INTEGER NOT NULL REFERENCES sandbox_payments (id),
	refund_price            TEXT NOT NULL,
	currency                TEXT NOT NULL,
	conversation_id         TEXT NOT NULL DEFAULT '',
	refund_destination_type TEXT NOT NULL,
	refund_type             TEXT NOT NULL CHECK (refund_type IN ('CANCEL', 'REFUND')),
	created_at              TEXT NOT NULL
);

CREATE INDEX sandbox_payment_refunds_payment ON sandbox_payment_refunds (payment_id);

-- Webhook events waiting for or done with delivery to the merchant (an outbox: each is
-- written in the transaction of the payment or refund that fires it).
CREATE TABLE sandbox_webhook_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	url             TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	status          TEXT NOT NULL,
	payload_id      TEXT NOT NULL,
	event_time      TEXT NOT NULL,                      -- as sent: 2006-01-02T15:04:05, UTC
	event_timestamp INTEGER NOT NULL,                   -- epoch seconds
	body            TEXT NOT NULL,                      -- the JSON that is sent
	state           TEXT NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
	created_at      TEXT NOT NULL
);

CREATE INDEX sandbox_webhook_events_pending ON sandbox_webhook_events (state, id);

-- One row per POST attempt of a webhook event.
CREATE TABLE sandbox_webhook_deliveries (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id    INTEGER NOT NULL REFERENCES sandbox_webhook_events (id),
	attempt     INTEGER NOT NULL,
	status_code INTEGER,                                -- NULL when the request failed
	error       TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL
);

CREATE INDEX sandbox_webhook_deliveries_event ON sandbox_webhook_deliveries (event_id);
