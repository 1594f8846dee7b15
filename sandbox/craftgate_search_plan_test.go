package sandbox_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

// Plan lines a search may show besides SEARCH lines (see planProblems).
var (
	// An FTS5 query with MATCH has an M in its index string ("0:M1").
	ftsMatchScan = regexp.MustCompile(`^SCAN n VIRTUAL TABLE INDEX \d+:\S*M`)
	// A walk in id order, bounded by the page's LIMIT, in the index the page names.
	idWalk = regexp.MustCompile(`^SCAN p USING COVERING INDEX (sandbox_products_by_id|sandbox_products_id)$`)
)

// TestSearchPlansUseIndexes runs EXPLAIN QUERY PLAN on every statement a search can
// run, for every filter kind and some combinations, and fails when one reads the
// product table in full (a bare SCAN), reads an FTS5 table without MATCH, or reads
// table rows where the index should answer alone. It checks a table without
// statistics and the same table after ANALYZE: the search names its index with
// INDEXED BY, so neither may change a plan. Plans do not need many rows.
func TestSearchPlansUseIndexes(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "plans.db"))
	srv := MustServe(t, sandbox.Config{DB: db})
	for i := range 40 {
		mustCreateProduct(t, srv, fmt.Sprintf(`{"name":"Kahve %d","price":%d.5,"currency":"TRY","channel":"web",
			"enabledInstallments":[1],"externalId":"e%d","expiresAt":"2030-01-0%dT00:00:00"}`, i, i+1, i%3, i%9+1))
	}

	tests := []struct {
		name string
		q    url.Values
		// index must appear in the count's plan or, for the name index, whose plan
		// shows only its alias, in its arguments. Empty: there is no count statement.
		index string
		// tableRows is set where reading table rows is right: an id, or a name checked
		// on the few rows an optional id leaves.
		tableRows bool
	}{
		{"no filter", url.Values{}, "", false},
		{"name, 3 or more characters", url.Values{"name": {"kahve"}}, "name : ", false},
		{"name, 2 characters", url.Values{"name": {"ka"}}, "grams : ", false},
		{"name, 1 character", url.Values{"name": {"İ"}}, "grams : ", false},
		{"minPrice and maxPrice", url.Values{"minPrice": {"10"}, "maxPrice": {"20.5"}}, "COVERING INDEX sandbox_products_price", false},
		{"minPrice", url.Values{"minPrice": {"10"}}, "COVERING INDEX sandbox_products_price", false},
		{"maxPrice", url.Values{"maxPrice": {"10"}}, "COVERING INDEX sandbox_products_price", false},
		{"currency", url.Values{"currency": {"TRY"}}, "COVERING INDEX sandbox_products_currency", false},
		{"channel", url.Values{"channel": {"web"}}, "COVERING INDEX sandbox_products_channel", false},
		{"id", url.Values{"id": {"3"}}, "INTEGER PRIMARY KEY", true},
		{"orderId", url.Values{"orderId": {"o1"}}, "COVERING INDEX sandbox_products_order_id", false},
		{"conversationId", url.Values{"conversationId": {"c1"}}, "COVERING INDEX sandbox_products_conversation_id", false},
		{"externalId", url.Values{"externalId": {"e1"}}, "COVERING INDEX sandbox_products_external_id", false},
		{"minExpiresAt", url.Values{"minExpiresAt": {"2030-01-03T00:00:00"}}, "COVERING INDEX sandbox_products_expires", false},
		{"maxExpiresAt", url.Values{"maxExpiresAt": {"2030-01-03T00:00:00"}}, "COVERING INDEX sandbox_products_expires", false},
		{"name and every other filter but the ids", url.Values{"name": {"kahve"}, "currency": {"TRY"}, "channel": {"web"},
			"minPrice": {"1"}, "maxPrice": {"30"}, "minExpiresAt": {"2030-01-01T00:00:00"}}, "COVERING INDEX sandbox_products_by_id", false},
		{"short name and currency", url.Values{"name": {"k"}, "currency": {"TRY"}}, "COVERING INDEX sandbox_products_by_id", false},
		{"currency, channel and price", url.Values{"currency": {"TRY"}, "channel": {"web"}, "maxPrice": {"30"}}, "COVERING INDEX sandbox_products_channel", false},
		{"price and expiry", url.Values{"minPrice": {"1"}, "maxExpiresAt": {"2030-01-05T00:00:00"}}, "COVERING INDEX sandbox_products_price", false},
		{"externalId and currency", url.Values{"externalId": {"e1"}, "currency": {"TRY"}}, "COVERING INDEX sandbox_products_external_id", false},
		{"externalId and name", url.Values{"externalId": {"e1"}, "name": {"kahve"}}, "sandbox_products_external_id", true},
		{"id and name", url.Values{"id": {"3"}, "name": {"kahve"}}, "INTEGER PRIMARY KEY", true},
	}
	check := func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				stmts, err := sandbox.SearchStatements(tt.q.Encode())
				if err != nil || len(stmts) == 0 {
					t.Fatalf("got %d statements, error %v; want some", len(stmts), err)
				}
				if hasCount := stmts[0].Name == "count"; hasCount != (tt.index != "") {
					t.Errorf("got a count statement: %t, want %t", hasCount, tt.index != "")
				}
				for _, st := range stmts {
					plan := explain(t, db, st)
					if st.Name == "count" && !strings.Contains(plan.String()+fmt.Sprint(st.Args...), tt.index) {
						t.Errorf("count: got plan\n\t%s\nwant %s", plan, tt.index)
					}
					for _, problem := range planProblems(st, plan, tt.tableRows) {
						t.Errorf("%s: %s in plan\n\t%s\nof %s", st.Name, problem, plan, st.SQL)
					}
				}
			})
		}
	}
	t.Run("no statistics", check)
	if _, err := db.Exec(`ANALYZE`); err != nil {
		t.Fatalf("analyze: %v", err)
	}
	t.Run("after ANALYZE", check)
}

// A page reads the page's ids in a subquery and then each row by id: these are the
// plan lines outside the subquery, where the sort is of the page's rows only.
var pageLookup = []string{
	"CO-ROUTINE (subquery-1)",
	"SCAN (subquery-1)",
	"SEARCH sandbox_products USING INTEGER PRIMARY KEY (rowid=?)",
	"USE TEMP B-TREE FOR ORDER BY",
}

// planProblems lists what a search must not do in plan, the EXPLAIN QUERY PLAN of
// statement st.
func planProblems(st sandbox.SearchStatement, plan queryPlan, tableRows bool) []string {
	var problems []string
	for _, line := range plan {
		if !line.inSubquery && st.Name != "count" {
			if !slices.Contains(pageLookup, line.detail) {
				problems = append(problems, fmt.Sprintf("unexpected %q around the page's ids", line.detail))
			}
			continue
		}
		switch d := line.detail; {
		case strings.HasPrefix(d, "SEARCH "):
		case ftsMatchScan.MatchString(d):
		case idWalk.MatchString(d) && strings.HasSuffix(st.Name, "INDEXED BY "+idWalk.FindStringSubmatch(d)[1]):
		case d == "USE TEMP B-TREE FOR ORDER BY" && strings.Contains(st.Name, "INDEXED BY sandbox_products_price"):
		case d == "USE TEMP B-TREE FOR ORDER BY" && strings.Contains(st.Name, "INDEXED BY sandbox_products_expires"):
		default:
			problems = append(problems, fmt.Sprintf("unexpected %q", d))
			continue
		}
		// A search reads index entries only, unless it has to read name_folded or
		// looks up an id.
		if strings.HasPrefix(line.detail, "SEARCH p USING INDEX") && !tableRows {
			problems = append(problems, fmt.Sprintf("table rows read in %q", line.detail))
		}
	}
	return problems
}

type planLine struct {
	detail     string
	inSubquery bool // under CO-ROUTINE: listing the page's ids
}

type queryPlan []planLine

func (p queryPlan) String() string {
	var b strings.Builder
	for i, line := range p {
		if i > 0 {
			b.WriteString("\n\t")
		}
		if line.inSubquery {
			b.WriteString("  ")
		}
		b.WriteString(line.detail)
	}
	return b.String()
}

func explain(tb testing.TB, db *sql.DB, st sandbox.SearchStatement) queryPlan {
	tb.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+st.SQL, st.Args...)
	if err != nil {
		tb.Fatalf("explain %s: %v", st.SQL, err)
	}
	defer rows.Close()
	var (
		plan  queryPlan
		inner = map[int]bool{} // ids of lines under the CO-ROUTINE
	)
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatalf("explain %s: %v", st.SQL, err)
		}
		if strings.HasPrefix(detail, "CO-ROUTINE") || inner[parent] {
			inner[id] = true
		}
		plan = append(plan, planLine{detail, inner[parent]})
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("explain %s: %v", st.SQL, err)
	}
	return plan
}
