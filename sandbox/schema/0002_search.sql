-- Product search (issue #16): every filter is answered from an index, and only the
-- page's rows are read from the table. craftgate_search.go picks the index per query
-- with INDEXED BY, so the plans do not depend on ANALYZE statistics.

-- price_key orders positive decimals exactly, as text: a 10-digit exponent (the
-- number of integer digits, offset by 10^9) followed by the significant digits
-- without leading or trailing zeros. 149.9 → '1000000003' || '1499', 0.05 →
-- '0999999999' || '5'. Integer minor units would be wrong for prices with more than
-- 6 decimals or above 9.2e12, which the sandbox accepts. priceKey in Go computes it
-- on insert and update, for search bounds, and for existing rows (backfillSearch,
-- right after this file). It is a stored column, not a generated one: SQLite never
-- reads an index on a virtual column as covering, so every match would cost a row.
ALTER TABLE sandbox_products ADD COLUMN price_key TEXT NOT NULL DEFAULT '';

-- Each index leads with what a search drives by, then id (the result order), then
-- the other filter columns, so combined filters are checked inside the index and a
-- count never reads the table. by_id serves walks in id order that check filters,
-- and lookups by id that do; sandbox_products_id, the narrowest index in id order,
-- serves unfiltered pages, whose OFFSET it skips reading 5 times fewer pages.
CREATE INDEX sandbox_products_id ON sandbox_products (id);
CREATE INDEX sandbox_products_by_id ON sandbox_products (id, currency, channel, price_key, expires_at);
CREATE INDEX sandbox_products_currency ON sandbox_products (currency, id, channel, price_key, expires_at);
CREATE INDEX sandbox_products_channel ON sandbox_products (channel, id, currency, price_key, expires_at);
CREATE INDEX sandbox_products_price ON sandbox_products (price_key, currency, channel, expires_at);
CREATE INDEX sandbox_products_expires ON sandbox_products (expires_at, currency, channel, price_key)
	WHERE expires_at IS NOT NULL;
-- Most links have none of these ids, so the indexes hold only the links that do.
CREATE INDEX sandbox_products_order_id ON sandbox_products (order_id, id, currency, channel, price_key, expires_at)
	WHERE order_id <> '';
CREATE INDEX sandbox_products_conversation_id ON sandbox_products (conversation_id, id, currency, channel, price_key, expires_at)
	WHERE conversation_id <> '';
CREATE INDEX sandbox_products_external_id ON sandbox_products (external_id, id, currency, channel, price_key, expires_at)
	WHERE external_id <> '';

-- Name search: name_folded with U+0000 written as 'A' (nameSearchText), filled by Go
-- on insert and update in the product's transaction, and for existing rows by
-- backfillSearch. A trigram phrase over name matches exactly the names that contain
-- a query of 3 or more characters. Shorter queries have no trigram, so grams holds
-- the same text with 'Z' before, between and after its characters: its trigrams are
-- 'ZcZ' for each character c and 'cZd' for each pair cd, one token each (nameGrams).
-- A folded text never holds an upper-case 'A' or 'Z', so neither can make a match.
-- case_sensitive 1 because the text is already folded with Turkish rules, which
-- FTS5's own folding does not know.
CREATE VIRTUAL TABLE sandbox_products_name USING fts5 (
	name, grams, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1'
);

-- sandbox_products_stats holds the number of links, so that an unfiltered search need
-- not count 100 000 index entries, and a generation that moves on with every change a
-- search could see, so that a search may reuse the count of the same search made
-- since (countCache). Triggers keep both in the transaction of the change, whoever
-- makes it. Paying a link changes only sold_count and stock, which no search reads.
CREATE TABLE sandbox_products_stats (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	total      INTEGER NOT NULL,
	generation INTEGER NOT NULL
);
INSERT INTO sandbox_products_stats (id, total, generation) SELECT 1, count(*), 0 FROM sandbox_products;
CREATE TRIGGER sandbox_products_stats_insert AFTER INSERT ON sandbox_products BEGIN
	UPDATE sandbox_products_stats SET total = total + 1, generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER sandbox_products_stats_delete AFTER DELETE ON sandbox_products BEGIN
	UPDATE sandbox_products_stats SET total = total - 1, generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER sandbox_products_stats_update AFTER UPDATE OF name_folded, price_key, currency, channel,
		order_id, conversation_id, external_id, expires_at ON sandbox_products BEGIN
	UPDATE sandbox_products_stats SET generation = generation + 1 WHERE id = 1;
END;
