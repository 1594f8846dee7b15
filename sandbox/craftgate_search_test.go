package sandbox_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"linkdesk/sandbox"
)

type wirePage struct {
	Items     []wireProduct `json:"items"`
	Page      int           `json:"page"`
	Size      int           `json:"size"`
	TotalSize int64         `json:"totalSize"`
}

func search(tb testing.TB, srv *httptest.Server, q url.Values, wantStatus int) ([]byte, wirePage) {
	tb.Helper()
	body := mustCraft(tb, srv, craftReq{target: "/sandbox/craftgate/craftlink/v1/products?" + q.Encode(), signedURL: decodedURL}, wantStatus)
	var env struct{ Data *wirePage }
	if wantStatus == http.StatusOK {
		mustJSON(tb, body, &env)
		if env.Data == nil || env.Data.Items == nil {
			tb.Fatalf("no data.items in %s", body)
		}
		return body, *env.Data
	}
	return body, wirePage{}
}

func ids(items []wireProduct) []int64 {
	out := make([]int64, len(items))
	for i, p := range items {
		out[i] = p.ID
	}
	return out
}

func TestSearchFilters(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for _, body := range []string{
		`{"name":"İstanbul Turu","price":100,"currency":"TRY","enabledInstallments":[1],"channel":"web","conversationId":"c1","externalId":"e1","expiresAt":"2030-01-01T00:00:00"}`,
		`{"name":"IRMAK Kenarı","price":49.90,"currency":"TRY","enabledInstallments":[1],"channel":"shop"}`,
		`{"name":"ISTANBUL Kart","price":10,"currency":"USD","enabledInstallments":[1],"channel":"web","orderId":"ORD-9","stock":1,"expiresAt":"2031-06-01T12:00:00"}`,
		`{"name":"Kahve","price":149.9,"currency":"EUR","enabledInstallments":[1],"channel":"web","conversationId":"c4","externalId":"e4"}`,
		`{"name":"ırmak balığı","price":20,"currency":"TRY","enabledInstallments":[1]}`,
	} {
		mustCreateProduct(t, srv, body)
	}
	tests := []struct {
		name    string
		q       url.Values
		wantIDs []int64
	}{
		{"no filter, newest first", url.Values{}, []int64{5, 4, 3, 2, 1}},
		{"empty parameters are no filter", url.Values{"name": {""}, "currency": {""}, "channel": {""}, "minPrice": {""}, "id": {""}}, []int64{5, 4, 3, 2, 1}},
		{"unknown parameter ignored", url.Values{"foo": {"bar"}}, []int64{5, 4, 3, 2, 1}},
		// Turkish folding: İ↔i and I↔ı, so "istanbul" does not match "ISTANBUL" (→ "ıstanbul").
		{"istanbul finds İstanbul", url.Values{"name": {"istanbul"}}, []int64{1}},
		{"İSTANBUL finds İstanbul", url.Values{"name": {"İSTANBUL"}}, []int64{1}},
		{"ıstanbul finds ISTANBUL", url.Values{"name": {"ıstanbul"}}, []int64{3}},
		{"ırmak finds IRMAK and ırmak", url.Values{"name": {"ırmak"}}, []int64{5, 2}},
		{"IRMAK finds both", url.Values{"name": {"IRMAK"}}, []int64{5, 2}},
		{"substring", url.Values{"name": {"ahv"}}, []int64{4}},
		{"minPrice decimal compare", url.Values{"minPrice": {"49.9"}}, []int64{4, 2, 1}},
		{"maxPrice Go client format", url.Values{"maxPrice": {"49.900000"}}, []int64{5, 3, 2}},
		{"price range", url.Values{"minPrice": {"20"}, "maxPrice": {"100"}}, []int64{5, 2, 1}},
		{"currency", url.Values{"currency": {"TRY"}}, []int64{5, 2, 1}},
		{"channel", url.Values{"channel": {"web"}}, []int64{4, 3, 1}},
		{"id", url.Values{"id": {"3"}}, []int64{3}},
		{"orderId", url.Values{"orderId": {"ORD-9"}}, []int64{3}},
		{"conversationId", url.Values{"conversationId": {"c4"}}, []int64{4}},
		{"externalId", url.Values{"externalId": {"e1"}}, []int64{1}},
		{"minExpiresAt skips links without expiry", url.Values{"minExpiresAt": {"2030-06-01T00:00:00"}}, []int64{3}},
		{"maxExpiresAt Node format", url.Values{"maxExpiresAt": {"2030-06-01T00:00:00.000Z"}}, []int64{1}},
		{"combined", url.Values{"currency": {"TRY"}, "name": {"ırmak"}, "maxPrice": {"30"}}, []int64{5}},
		{"no match", url.Values{"name": {"yok"}}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, srv, tt.q, http.StatusOK)
			if got := ids(page.Items); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("got ids %v, want %v", got, tt.wantIDs)
			}
			if page.TotalSize != int64(len(tt.wantIDs)) || page.Page != 0 || page.Size != 25 {
				t.Errorf("got page %d size %d totalSize %d, want 0 25 %d", page.Page, page.Size, page.TotalSize, len(tt.wantIDs))
			}
		})
	}
}

func TestSearchInvalidParameters(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		name     string
		q        url.Values
		wantCode string
	}{
		{"minPrice not a number", url.Values{"minPrice": {"abc"}}, "2014"},
		{"maxPrice with comma", url.Values{"maxPrice": {"1,5"}}, "2014"},
		{"id not a number", url.Values{"id": {"x"}}, "2014"},
		{"page negative", url.Values{"page": {"-1"}}, "2014"},
		{"page not a number", url.Values{"page": {"first"}}, "2014"},
		{"size not a number", url.Values{"size": {"many"}}, "2014"},
		{"size 0", url.Values{"size": {"0"}}, "2015"},
		{"size above the cap", url.Values{"size": {"101"}}, "2015"},
		{"currency unknown", url.Values{"currency": {"XYZ"}}, "2005"},
		{"minExpiresAt not a date", url.Values{"minExpiresAt": {"yesterday"}}, "2014"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := search(t, srv, tt.q, http.StatusUnprocessableEntity)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for i := 1; i <= 30; i++ {
		mustCreateProduct(t, srv, fmt.Sprintf(`{"name":"Link %d","price":%d,"currency":"TRY","enabledInstallments":[1]}`, i, i))
	}
	idRange := func(from, to int64) []int64 {
		var out []int64
		for id := from; id >= to; id-- {
			out = append(out, id)
		}
		return out
	}
	tests := []struct {
		name               string
		q                  url.Values
		wantPage, wantSize int
		wantIDs            []int64
	}{
		{"defaults", url.Values{}, 0, 25, idRange(30, 6)},
		{"page 0 sent explicitly", url.Values{"page": {"0"}}, 0, 25, idRange(30, 6)},
		{"second default page", url.Values{"page": {"1"}}, 1, 25, idRange(5, 1)},
		{"past the end", url.Values{"page": {"2"}}, 2, 25, nil},
		{"far past the end", url.Values{"page": {"999999999999"}, "size": {"100"}}, 999999999999, 100, nil},
		{"size 10 page 2", url.Values{"page": {"2"}, "size": {"10"}}, 2, 10, idRange(10, 1)},
		{"size at the cap", url.Values{"size": {"100"}}, 0, 100, idRange(30, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, srv, tt.q, http.StatusOK)
			if got := ids(page.Items); !slices.Equal(got, tt.wantIDs) && (len(got) != 0 || len(tt.wantIDs) != 0) {
				t.Errorf("got ids %v, want %v", got, tt.wantIDs)
			}
			if page.Page != tt.wantPage || page.Size != tt.wantSize || page.TotalSize != 30 {
				t.Errorf("got page %d size %d totalSize %d, want %d %d 30", page.Page, page.Size, page.TotalSize, tt.wantPage, tt.wantSize)
			}
		})
	}
}

// searchCase is one search of TestSearchMatchesReference, kept as values so that the
// reference can apply it without parsing.
type searchCase struct {
	name, currency, channel, orderID, conversationID, externalID string
	id                                                           string
	minPrice, maxPrice                                           string
	minExpiresAt, maxExpiresAt                                   string
	page, size                                                   int
}

func (c searchCase) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{
		"name": c.name, "currency": c.currency, "channel": c.channel, "orderId": c.orderID,
		"conversationId": c.conversationID, "externalId": c.externalID, "id": c.id,
		"minPrice": c.minPrice, "maxPrice": c.maxPrice,
		"minExpiresAt": c.minExpiresAt, "maxExpiresAt": c.maxExpiresAt,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("page", strconv.Itoa(c.page))
	q.Set("size", strconv.Itoa(c.size))
	return q
}

// referenceSearch is the search as the sandbox did it before the search indexes
// (issue #16): every row newest first, the name by SQLite's instr over name_folded,
// prices compared as decimals in Go, then the page sliced out.
func referenceSearch(tb testing.TB, db *sql.DB, c searchCase) (ids []int64, total int64) {
	tb.Helper()
	fold := func(s string) string { return strings.ToLowerSpecial(unicode.TurkishCase, s) }
	conds, args := []string{"1 = 1"}, []any{}
	if name := strings.TrimSpace(c.name); name != "" { // the sandbox trims every parameter
		conds, args = append(conds, "instr(name_folded, ?) > 0"), append(args, fold(name))
	}
	for _, f := range []struct{ column, value string }{
		{"currency", c.currency}, {"channel", c.channel}, {"order_id", c.orderID},
		{"conversation_id", c.conversationID}, {"external_id", c.externalID}, {"id", c.id},
	} {
		if f.value != "" {
			conds, args = append(conds, f.column+" = ?"), append(args, f.value)
		}
	}
	for _, f := range []struct{ op, value string }{{">=", c.minExpiresAt}, {"<=", c.maxExpiresAt}} {
		if f.value != "" {
			at, err := time.Parse("2006-01-02T15:04:05", f.value)
			if err != nil {
				tb.Fatalf("expiry bound %q: %v", f.value, err)
			}
			conds, args = append(conds, "expires_at "+f.op+" ?"), append(args, at.Format("2006-01-02T15:04:05.000000"))
		}
	}
	rows, err := db.Query(`SELECT id, price FROM sandbox_products WHERE `+strings.Join(conds, " AND ")+` ORDER BY id DESC`, args...)
	if err != nil {
		tb.Fatalf("reference search: %v", err)
	}
	defer rows.Close()
	var all []int64
	for rows.Next() {
		var (
			id    int64
			price string
		)
		if err := rows.Scan(&id, &price); err != nil {
			tb.Fatalf("reference search: %v", err)
		}
		p := decimal.RequireFromString(price)
		if c.minPrice != "" && p.LessThan(decimal.RequireFromString(c.minPrice)) ||
			c.maxPrice != "" && p.GreaterThan(decimal.RequireFromString(c.maxPrice)) {
			continue
		}
		all = append(all, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("reference search: %v", err)
	}
	start := min(c.page*c.size, len(all))
	return all[start:min(start+c.size, len(all))], int64(len(all))
}

// searchWorld draws random links and searches over a shared vocabulary: names with
// Turkish case, quotes and NUL; prices at the edges of the price keys; every
// optional id and expiry; so that random searches often match something.
type searchWorld struct {
	rng *rand.Rand
}

var (
	worldWords = []string{"İstanbul", "ISTANBUL", "ırmak", "IRMAK", "Kahve", "çay", "a", "İ", "ab", `"tırnak"`,
		"x\u0000y", "Ağaç", "ÜRÜN", "é", "kah ve", "%_*"}
	worldPrices = []string{"0.000001", "0.0000001", "0.05", "0.5", "1", "1.5", "10", "10.0000001", "20", "49.9",
		"100", "149.9", "999999999999999", "1e20", "12345.678901234", "3"}
	worldQueries = []string{"i", "ı", "I", "İ", "a", "ab", "ka", "kah", "istanbul", "ıstanbul", "İSTANBUL", "IRMAK",
		"ırmak", "ahv", "h v", `"`, `"t`, "x\u0000", "\u0000y", "x\u0000y", "A", "ağ", "Ü", "ürün", "é", "%", "_*",
		"yok", " kahve", "çayçay", "aa"}
)

func (w searchWorld) pick(xs ...string) string { return xs[w.rng.IntN(len(xs))] }

// productBody is a create or update request body (status set for an update).
func (w searchWorld) productBody(tb testing.TB, status string) string {
	tb.Helper()
	name := w.pick(worldWords...)
	for range w.rng.IntN(3) {
		name += w.pick(" ", "") + w.pick(worldWords...)
	}
	fields := map[string]any{
		"name": name, "price": json.Number(w.pick(worldPrices...)), "currency": w.pick("TRY", "USD", "EUR"),
		"enabledInstallments": []int{1}, "channel": w.pick("", "web", "shop"),
		"conversationId": w.pick("", "", "c1", "c2"), "externalId": w.pick("", "", "e1", "e2"),
	}
	if status != "" {
		fields["status"] = status
	}
	if w.rng.IntN(4) == 0 {
		fields["orderId"], fields["stock"] = w.pick("o1", "o2"), 1
	}
	if w.rng.IntN(2) == 0 {
		fields["expiresAt"] = w.pick("2030-01-01T00:00:00", "2030-06-01T12:00:00", "2031-01-01T00:00:00")
	}
	b, err := json.Marshal(fields)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// searchCase is a random search; ids are those an id filter may name.
func (w searchWorld) searchCase(ids []int64) searchCase {
	rng, pick := w.rng, w.pick
	c := searchCase{page: rng.IntN(4), size: pickInt(rng, 1, 5, 25, 100)}
	if rng.IntN(2) == 0 {
		c.name = pick(worldQueries...)
	}
	if rng.IntN(3) == 0 {
		c.currency = pick("TRY", "USD", "EUR")
	}
	if rng.IntN(4) == 0 {
		c.channel = pick("web", "shop")
	}
	if rng.IntN(8) == 0 {
		c.orderID = pick("o1", "o2")
	}
	if rng.IntN(8) == 0 {
		c.conversationID = pick("c1", "c2")
	}
	if rng.IntN(8) == 0 {
		c.externalID = pick("e1", "e2")
	}
	if rng.IntN(10) == 0 && len(ids) > 0 {
		c.id = strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
	}
	if rng.IntN(3) == 0 {
		c.minPrice = pick(append(worldPrices, "0", "-1", "1.50", "0.0000005", "1e-30")...)
	}
	if rng.IntN(3) == 0 {
		c.maxPrice = pick(append(worldPrices, "0", "1.50", "1e30", "149.90000")...)
	}
	if rng.IntN(5) == 0 {
		c.minExpiresAt = pick("2030-01-01T00:00:00", "2030-06-01T12:00:00", "2030-06-01T12:00:01")
	}
	if rng.IntN(5) == 0 {
		c.maxExpiresAt = pick("2030-01-01T00:00:00", "2030-06-01T12:00:00", "2031-01-01T00:00:00")
	}
	return c
}

// checkSearch compares a search with referenceSearch and reports whether it
// found anything.
func checkSearch(t *testing.T, db *sql.DB, srv *httptest.Server, c searchCase) bool {
	t.Helper()
	wantIDs, wantTotal := referenceSearch(t, db, c)
	_, got := search(t, srv, c.query(), http.StatusOK)
	if gotIDs := ids(got.Items); !slices.Equal(gotIDs, wantIDs) && len(gotIDs)+len(wantIDs) > 0 || got.TotalSize != wantTotal {
		t.Errorf("%q: got ids %v total %d, want %v total %d", c.query().Encode(), ids(got.Items), got.TotalSize, wantIDs, wantTotal)
	}
	return len(wantIDs) > 0
}

// TestSearchMatchesReference checks that the indexed search answers exactly as the
// full scan it replaced, over random links and filters, after updates and deletes
// changed the indexes. Names mix Turkish letters, quotes, U+0000 and short words;
// prices have many decimals and exponents far apart.
func TestSearchMatchesReference(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "sandbox.db"))
	srv := MustServe(t, sandbox.Config{DB: db})
	w := searchWorld{rand.New(rand.NewPCG(16, 2026))}
	var created []int64
	for range 240 {
		created = append(created, mustCreateProduct(t, srv, w.productBody(t, "")).ID)
	}
	for _, id := range created[:60] {
		target := fmt.Sprintf("/sandbox/craftgate/craftlink/v1/products/%d", id)
		if id%2 == 0 {
			mustCraft(t, srv, craftReq{method: http.MethodDelete, target: target}, http.StatusOK)
			continue
		}
		mustCraft(t, srv, craftReq{method: http.MethodPut, target: target, body: w.productBody(t, "PASSIVE")}, http.StatusOK)
	}

	cases := []searchCase{{size: 25}, {size: 100}, {page: 1, size: 7}}
	for _, q := range worldQueries {
		cases = append(cases, searchCase{name: q, size: 10}, searchCase{name: q, page: 1, size: 10})
	}
	for range 400 {
		cases = append(cases, w.searchCase(created))
	}
	nonEmpty := 0
	for _, c := range cases {
		if checkSearch(t, db, srv, c) {
			nonEmpty++
		}
	}
	// Random filters easily match nothing; make sure many cases compared real pages.
	if nonEmpty < len(cases)/3 {
		t.Errorf("got %d of %d cases with results, want at least a third", nonEmpty, len(cases))
	}
}

// TestSearchCountsFollowWrites interleaves random writes with a fixed set of
// searches, so that every count is made once and then carried over each write
// (countCache.moved): each total must still be the reference's, including after a
// change the sandbox did not make itself.
func TestSearchCountsFollowWrites(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "sandbox.db"))
	srv := MustServe(t, sandbox.Config{DB: db})
	w := searchWorld{rand.New(rand.NewPCG(17, 2026))}
	const products = "/sandbox/craftgate/craftlink/v1/products"
	var live []int64
	for range 60 {
		live = append(live, mustCreateProduct(t, srv, w.productBody(t, "")).ID)
	}
	searches := []searchCase{{size: 25}}
	for range 40 {
		searches = append(searches, w.searchCase(live))
	}
	moved := 0
	for step := range 150 {
		switch i := w.rng.IntN(len(live)); {
		case step%50 == 49: // a change made elsewhere: the cache must notice
			if _, err := db.Exec(`UPDATE sandbox_products SET currency = 'EUR' WHERE id = ?`, live[i]); err != nil {
				t.Fatalf("update in SQL: %v", err)
			}
		case step%3 == 0:
			live = append(live, mustCreateProduct(t, srv, w.productBody(t, "")).ID)
		case step%3 == 1:
			target := fmt.Sprintf("%s/%d", products, live[i])
			mustCraft(t, srv, craftReq{method: http.MethodPut, target: target, body: w.productBody(t, "ACTIVE")}, http.StatusOK)
		default:
			mustCraft(t, srv, craftReq{method: http.MethodDelete, target: fmt.Sprintf("%s/%d", products, live[i])}, http.StatusOK)
			live = slices.Delete(live, i, i+1)
		}
		for range 4 {
			if checkSearch(t, db, srv, searches[w.rng.IntN(len(searches))]) {
				moved++
			}
		}
	}
	if moved < 150 {
		t.Errorf("got %d of 600 searches with results, want at least 150", moved)
	}
}

func pickInt(rng *rand.Rand, xs ...int) int { return xs[rng.IntN(len(xs))] }

// TestSearchAfterMigration fills a database at schema version 1 as the sandbox did
// before the search indexes, migrates it, and checks that the migration gave the old
// links the same price keys and name index entries as new links get, that price keys
// order as the prices do, and that searches find the old links.
func TestSearchAfterMigration(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "old.db"))
	init, err := os.ReadFile("schema/0001_init.sql")
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	if _, err := db.Exec(string(init) + `;
		CREATE TABLE sandbox_schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
		INSERT INTO sandbox_schema_version (id, version) VALUES (1, 1)`); err != nil {
		t.Fatalf("create version 1: %v", err)
	}
	names := []string{"İstanbul Turu", "IRMAK", "ırmak kenarı", "a", "Çİ", "x\u0000y", `"q"`, "Kahve", "ab"}
	// Prices as the sandbox stores them (plainDecimal).
	prices := []string{"0.0000001", "0.000001", "0.05", "0.5", "1", "1.5", "10", "10.0000001", "49.9",
		"100", "149.9", "100000000000000000000", "12345.678901234", "999999999999999"}
	for i, price := range prices {
		name := names[i%len(names)]
		if _, err := db.Exec(`INSERT INTO sandbox_products (token, name, name_folded, status, price, currency,
				enabled_installments, created_at, updated_at) VALUES (?, ?, ?, 'ACTIVE', ?, 'TRY', '[1]', '', '')`,
			fmt.Sprintf("old-%d", i), name, strings.ToLowerSpecial(unicode.TurkishCase, name), price); err != nil {
			t.Fatalf("insert old link: %v", err)
		}
	}
	srv := MustServe(t, sandbox.Config{DB: db})
	for i, price := range prices { // the same links again, now through the API
		body, err := json.Marshal(map[string]any{"name": names[i%len(names)], "price": json.Number(price),
			"currency": "TRY", "enabledInstallments": []int{1}})
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		mustCreateProduct(t, srv, string(body))
	}

	rows, err := db.Query(`SELECT DISTINCT price, price_key FROM sandbox_products ORDER BY price_key`)
	if err != nil {
		t.Fatalf("read price keys: %v", err)
	}
	defer rows.Close()
	var last decimal.Decimal
	keys := map[string]string{}
	for rows.Next() {
		var price, key string
		if err := rows.Scan(&price, &key); err != nil {
			t.Fatalf("read price keys: %v", err)
		}
		if other, ok := keys[price]; ok {
			t.Errorf("price %s: got keys %q (migration) and %q (Go), want one", price, other, key)
		}
		keys[price] = key
		if d := decimal.RequireFromString(price); len(keys) > 1 && !d.GreaterThan(last) {
			t.Errorf("price %s (key %q) sorts after %s, want before", price, key, last)
		} else {
			last = d
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read price keys: %v", err)
	}
	if len(keys) != len(prices) {
		t.Errorf("got %d distinct prices, want %d", len(keys), len(prices))
	}

	var cases []searchCase
	for _, q := range []string{"i", "ı", "İ", "ab", "ka", "istanbul", "ırmak", "x\u0000", "\u0000y", `"q`, "çi", "a"} {
		cases = append(cases, searchCase{name: q, size: 100})
	}
	for _, p := range prices {
		cases = append(cases, searchCase{minPrice: p, size: 100}, searchCase{maxPrice: p, size: 100})
	}
	for _, c := range cases {
		wantIDs, wantTotal := referenceSearch(t, db, c)
		_, got := search(t, srv, c.query(), http.StatusOK)
		if !slices.Equal(ids(got.Items), wantIDs) || got.TotalSize != wantTotal || wantTotal == 0 {
			t.Errorf("%q: got ids %v total %d, want %v total %d (not 0)", c.query().Encode(), ids(got.Items), got.TotalSize, wantIDs, wantTotal)
		}
		if wantTotal%2 != 0 {
			t.Errorf("%q: got %d matches, want each old link matched with its new copy", c.query().Encode(), wantTotal)
		}
	}
}

// TestSearchCountFollowsWrites repeats the same searches around every kind of write,
// so that a count reused from before a write would show. The last write comes from
// another connection in raw SQL, as another process would make it.
func TestSearchCountFollowsWrites(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "sandbox.db"))
	srv := MustServe(t, sandbox.Config{DB: db})
	first := mustCreateProduct(t, srv, `{"name":"Kahve","price":10,"currency":"TRY","enabledInstallments":[1],"stock":2}`)
	queries := []url.Values{{}, {"name": {"kahve"}}, {"name": {"ka"}}, {"currency": {"TRY"}}, {"maxPrice": {"15"}}}
	expect := func(step string, want ...int64) {
		t.Helper()
		for i, q := range queries {
			for _, size := range []string{"25", "1"} { // two pages of one count
				q.Set("size", size)
				if _, got := search(t, srv, q, http.StatusOK); got.TotalSize != want[i] {
					t.Errorf("%s, %s: got totalSize %d, want %d", step, q.Encode(), got.TotalSize, want[i])
				}
			}
		}
	}
	expect("after create", 1, 1, 1, 1, 1)
	second := mustCreateProduct(t, srv, `{"name":"Kahve 2","price":20,"currency":"TRY","enabledInstallments":[1]}`)
	expect("after a second create", 2, 2, 2, 2, 1)
	mustPayLink(t, srv, first.Token)
	expect("after a payment", 2, 2, 2, 2, 1)
	target := fmt.Sprintf("/sandbox/craftgate/craftlink/v1/products/%d", second.ID)
	mustCraft(t, srv, craftReq{method: http.MethodPut, target: target,
		body: `{"name":"Çay","price":5,"currency":"USD","enabledInstallments":[1],"status":"ACTIVE"}`}, http.StatusOK)
	expect("after an update", 2, 1, 1, 1, 2)
	mustCraft(t, srv, craftReq{method: http.MethodDelete, target: target}, http.StatusOK)
	expect("after a delete", 1, 1, 1, 1, 1)
	if _, err := db.Exec(`UPDATE sandbox_products SET currency = 'EUR' WHERE id = ?`, first.ID); err != nil {
		t.Fatalf("update in SQL: %v", err)
	}
	expect("after an update in SQL", 1, 1, 1, 0, 1)
}

// TestSearchWithOneConnection searches on a pool of one connection, as SQLite users
// often configure it: a search must not wait for a second connection while its
// transaction holds the only one.
func TestSearchWithOneConnection(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "sandbox.db"))
	db.SetMaxOpenConns(1)
	srv := MustServe(t, sandbox.Config{DB: db})
	mustCreateProduct(t, srv, `{"name":"Kahve","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	for _, q := range []url.Values{{}, {"name": {"kahve"}}, {"minPrice": {"5"}}, {"currency": {"TRY"}, "page": {"0"}}} {
		if _, got := search(t, srv, q, http.StatusOK); got.TotalSize != 1 {
			t.Errorf("%s: got totalSize %d, want 1", q.Encode(), got.TotalSize)
		}
	}
}

// TestSearchAfterConcurrentWrites creates, updates and deletes links from several
// clients at once, then checks that the name index, the price keys and the link
// count agree with the table: each write keeps them in its own transaction.
func TestSearchAfterConcurrentWrites(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "sandbox.db"))
	srv := MustServe(t, sandbox.Config{DB: db})
	names := []string{"Kahve", "Çay", "IRMAK", "İstanbul", "ab"}
	const products = "/sandbox/craftgate/craftlink/v1/products"
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 15 {
				name := names[(w+i)%len(names)]
				body := fmt.Sprintf(`{"name":"%s %d","price":%d.%d,"currency":"TRY","enabledInstallments":[1]}`, name, i, 1+i, w)
				var created struct{ Data struct{ ID int64 } }
				if err := craftCall(srv, http.MethodPost, products, body, &created); err != nil {
					errs <- err
					return
				}
				target := fmt.Sprintf("%s/%d", products, created.Data.ID)
				var err error
				switch i % 3 {
				case 1:
					update := strings.Replace(body, `{"name":"`+name, `{"status":"ACTIVE","name":"`+names[(w+i+1)%len(names)], 1)
					err = craftCall(srv, http.MethodPut, target, update, nil)
				case 2:
					err = craftCall(srv, http.MethodDelete, target, "", nil)
				default:
					err = craftCall(srv, http.MethodGet, products+"?name=a", "", nil)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var rows int64
	if err := db.QueryRow(`SELECT count(*) FROM sandbox_products`).Scan(&rows); err != nil {
		t.Fatalf("count: %v", err)
	}
	if rows != 40 {
		t.Fatalf("got %d links, want 40", rows)
	}
	for _, c := range []searchCase{{size: 100}, {name: "kahve", size: 100}, {name: "ırmak", size: 100},
		{name: "i", size: 100}, {name: "ab", size: 100}, {name: "çay", size: 100},
		{minPrice: "5.1", maxPrice: "10.2", size: 100}} {
		wantIDs, wantTotal := referenceSearch(t, db, c)
		if _, got := search(t, srv, c.query(), http.StatusOK); !slices.Equal(ids(got.Items), wantIDs) || got.TotalSize != wantTotal {
			t.Errorf("%q: got ids %v total %d, want %v total %d", c.query().Encode(), ids(got.Items), got.TotalSize, wantIDs, wantTotal)
		}
	}
}

// craftCall sends a signed Craftgate call without t.Fatal, so goroutines may use
// it, and decodes a 200 answer into out when out is not nil.
func craftCall(srv *httptest.Server, method, target, body string, out any) error {
	req, err := http.NewRequest(method, srv.URL+target, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("x-api-key", sandbox.CraftgateAPIKey)
	req.Header.Set("x-rnd-key", "Xa15Fp")
	req.Header.Set("x-auth-version", "1")
	req.Header.Set("x-signature", sign(srv.URL+target, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, "Xa15Fp", body))
	resp, err := srv.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: got status %d, want 200: %s", method, target, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
