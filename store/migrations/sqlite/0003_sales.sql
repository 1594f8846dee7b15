-- Issue #12: sales. A local record of Craftgate's links (written on every
-- read from Craftgate and by the catch-up), the link payments payment
-- reporting shows with their refunds, refund intents for them, per-quarter-
-- hour totals of both sources' sales kept as they change, the catch-up's
-- progress, and Craftgate's webhooks. Amounts are decimal text, with an
-- integer copy in millionths (_e6) where SQL sums or compares them.

CREATE TABLE links (
	id                INTEGER PRIMARY KEY, -- Craftgate's product id
	name              TEXT    NOT NULL,
	name_key          TEXT    NOT NULL,    -- the name folded for search (app.FoldName)
	description       TEXT    NOT NULL DEFAULT '',
	price             TEXT    NOT NULL,
	price_e6          INTEGER NOT NULL,
	currency          TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	stock             INTEGER,             -- NULL: unlimited
	sold_count        INTEGER NOT NULL DEFAULT 0,
	token             TEXT    NOT NULL DEFAULT '',
	url               TEXT    NOT NULL DEFAULT '',
	channel           TEXT    NOT NULL DEFAULT '',
	order_id          TEXT    NOT NULL DEFAULT '',
	conversation_id   TEXT    NOT NULL DEFAULT '',
	external_id       TEXT    NOT NULL DEFAULT '',
	basket_identifier TEXT    NOT NULL DEFAULT '',
	installments      TEXT    NOT NULL DEFAULT '', -- "1,3,6"
	multi_payment     INTEGER NOT NULL DEFAULT 0,
	expires_at        TEXT,                -- Craftgate's wall time, held as UTC
	seen_at           TEXT    NOT NULL,    -- when Craftgate last showed it
	deleted_at        TEXT                 -- when Craftgate said it was gone
);
CREATE INDEX links_seen ON links (seen_at);
CREATE INDEX links_name ON links (name_key);
CREATE INDEX links_price ON links (price_e6);
CREATE INDEX links_order_id ON links (order_id);
CREATE INDEX links_conversation_id ON links (conversation_id);
CREATE INDEX links_external_id ON links (external_id);

-- No foreign keys to links: a payment may name a link the record has not
-- read yet, and a deleted link keeps its payments.
CREATE TABLE link_payments (
	id               INTEGER PRIMARY KEY, -- Craftgate's payment id
	link_id          INTEGER,             -- NULL: no link matched
	created_at       TEXT    NOT NULL,
	price            TEXT    NOT NULL,
	paid_price       TEXT    NOT NULL,
	paid_e6          INTEGER NOT NULL,
	refunded         TEXT    NOT NULL DEFAULT '0',
	refunded_e6      INTEGER NOT NULL DEFAULT 0,
	currency         TEXT    NOT NULL,
	installment      INTEGER NOT NULL DEFAULT 1,
	status           TEXT    NOT NULL CHECK (status IN
		('pending', 'paid', 'failed', 'refunded', 'partially_refunded')),
	payer            TEXT    NOT NULL DEFAULT '',
	card_bin         TEXT    NOT NULL DEFAULT '',
	card_last_four   TEXT    NOT NULL DEFAULT '',
	card_association TEXT    NOT NULL DEFAULT '',
	error_code       TEXT    NOT NULL DEFAULT '',
	error_group      TEXT    NOT NULL DEFAULT '',
	order_id         TEXT    NOT NULL DEFAULT '',
	conversation_id  TEXT    NOT NULL DEFAULT '',
	external_id      TEXT    NOT NULL DEFAULT '',
	product_id       INTEGER NOT NULL DEFAULT 0,
	synced_at        TEXT    NOT NULL
);
CREATE INDEX link_payments_created ON link_payments (created_at, id);
CREATE INDEX link_payments_link ON link_payments (link_id, created_at, id);
CREATE INDEX link_payments_status ON link_payments (status, created_at, id);

CREATE TABLE link_payment_refunds (
	id         INTEGER PRIMARY KEY, -- Craftgate's refund id
	payment_id INTEGER NOT NULL REFERENCES link_payments (id),
	created_at TEXT    NOT NULL,
	amount     TEXT    NOT NULL,
	succeeded  INTEGER NOT NULL
);
CREATE INDEX link_payment_refunds_payment ON link_payment_refunds (payment_id, id);

-- A link's sales, rebuilt from its payments whenever one changes.
CREATE TABLE link_sales (
	link_id      INTEGER NOT NULL,
	currency     TEXT    NOT NULL,
	revenue_e6   INTEGER NOT NULL,
	sales        INTEGER NOT NULL,
	last_sale_at TEXT    NOT NULL,
	PRIMARY KEY (link_id, currency)
);
CREATE INDEX link_sales_top ON link_sales (currency, revenue_e6);

-- Refund intents of link payments, written before Craftgate is asked.
CREATE TABLE link_refunds (
	id          INTEGER PRIMARY KEY,
	payment_id  INTEGER NOT NULL REFERENCES link_payments (id),
	amount      TEXT    NOT NULL,
	whole       INTEGER NOT NULL,
	status      TEXT    NOT NULL CHECK (status IN ('open', 'done', 'failed', 'unresolved')),
	refund_id   INTEGER,            -- Craftgate's refund, once done
	problem     TEXT    NOT NULL DEFAULT '',
	actor_id    INTEGER REFERENCES users (id),
	actor_email TEXT    NOT NULL DEFAULT '',
	ip          TEXT    NOT NULL DEFAULT '',
	created_at  TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX link_refunds_refund ON link_refunds (refund_id);
CREATE INDEX link_refunds_payment ON link_refunds (payment_id, id);
CREATE INDEX link_refunds_status_created ON link_refunds (status, created_at);

-- Sales, failed attempts and refunds of both sources per UTC quarter hour
-- (bucket: its start, in the store's time format), so a day can begin at
-- any time zone's midnight and the overview never sums every payment.
CREATE TABLE sales_totals (
	bucket     TEXT    NOT NULL,
	source     TEXT    NOT NULL CHECK (source IN ('link', 'qr')),
	currency   TEXT    NOT NULL,
	sales      INTEGER NOT NULL DEFAULT 0,
	sales_e6   INTEGER NOT NULL DEFAULT 0,
	failed     INTEGER NOT NULL DEFAULT 0,
	refunds    INTEGER NOT NULL DEFAULT 0,
	refunds_e6 INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (bucket, source, currency)
);

-- The same totals per day of the shop's time zone (sales_days_zone names
-- it), which the overview reads; rebuilt from sales_totals when the zone
-- changes.
CREATE TABLE sales_days (
	day        TEXT    NOT NULL, -- YYYY-MM-DD in the zone
	source     TEXT    NOT NULL CHECK (source IN ('link', 'qr')),
	currency   TEXT    NOT NULL,
	sales      INTEGER NOT NULL DEFAULT 0,
	sales_e6   INTEGER NOT NULL DEFAULT 0,
	failed     INTEGER NOT NULL DEFAULT 0,
	refunds    INTEGER NOT NULL DEFAULT 0,
	refunds_e6 INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, source, currency)
);
CREATE TABLE sales_days_zone (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	zone TEXT    NOT NULL
);

-- Counters every instance shares ('sales': moved by every change to sales).
CREATE TABLE counters (
	name TEXT    PRIMARY KEY,
	n    INTEGER NOT NULL
);

-- How far each catch-up has read; it only moves forwards.
CREATE TABLE sync_cursors (
	name TEXT PRIMARY KEY,
	at   TEXT NOT NULL
);

-- Verified Craftgate webhooks, once each under their key.
CREATE TABLE webhook_events (
	id         INTEGER PRIMARY KEY,
	event_key  TEXT    NOT NULL UNIQUE,
	at         TEXT    NOT NULL,
	event_type TEXT    NOT NULL,
	payload_id TEXT    NOT NULL,
	reason     TEXT    NOT NULL,
	remote_ip  TEXT    NOT NULL DEFAULT ''
);

-- Webhooks that did not verify: anyone can post them, so only the newest
-- are kept.
CREATE TABLE stray_webhooks (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	reason    TEXT NOT NULL,
	remote_ip TEXT NOT NULL DEFAULT '',
	payload   TEXT NOT NULL DEFAULT ''
);

-- QR payments taken before this version, into the totals: each sale and
-- failed attempt in the quarter hour it was created; what was refunded of
-- it in the quarter hour it last changed (single refunds were not kept
-- with their times), exact for whole refunds.
INSERT INTO sales_totals (bucket, source, currency, sales, sales_e6, failed, refunds, refunds_e6)
SELECT bucket, 'qr', currency, SUM(sales), SUM(sales_e6), SUM(failed), SUM(refunds), SUM(refunds_e6) FROM (
	SELECT substr(created_at, 1, 14) || CASE
			WHEN CAST(substr(created_at, 15, 2) AS INTEGER) < 15 THEN '00'
			WHEN CAST(substr(created_at, 15, 2) AS INTEGER) < 30 THEN '15'
			WHEN CAST(substr(created_at, 15, 2) AS INTEGER) < 45 THEN '30'
			ELSE '45' END || ':00.000000000Z' AS bucket,
		currency,
		CASE WHEN status = 'failed' THEN 0 ELSE 1 END AS sales,
		CASE WHEN status = 'failed' THEN 0 ELSE amount_e6 END AS sales_e6,
		CASE WHEN status = 'failed' THEN 1 ELSE 0 END AS failed,
		0 AS refunds, 0 AS refunds_e6
	FROM payments WHERE status IN ('paid', 'refunded', 'partially_refunded', 'failed')
	UNION ALL
	SELECT substr(updated_at, 1, 14) || CASE
			WHEN CAST(substr(updated_at, 15, 2) AS INTEGER) < 15 THEN '00'
			WHEN CAST(substr(updated_at, 15, 2) AS INTEGER) < 30 THEN '15'
			WHEN CAST(substr(updated_at, 15, 2) AS INTEGER) < 45 THEN '30'
			ELSE '45' END || ':00.000000000Z',
		currency, 0, 0, 0, 1,
		CASE WHEN status = 'refunded' THEN amount_e6
			ELSE CAST(ROUND(CAST(refunded_amount AS DOUBLE PRECISION) * 1000000) AS INTEGER) END
	FROM payments WHERE status IN ('refunded', 'partially_refunded')
) t
GROUP BY bucket, currency;
