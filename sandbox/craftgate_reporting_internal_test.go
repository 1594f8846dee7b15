package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite"
)

// These tests look at the SQL payment reporting runs, so they live inside the package.

func openReportingDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(tb.TempDir(), "r.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if err := migrate(context.Background(), db, schemaFS); err != nil {
		tb.Fatal(err)
	}
	return db
}

func queryPlan(tb testing.TB, db *sql.DB, query string, args []any) string {
	tb.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		tb.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// TestPaymentSearchUsesIndexes: the common searches read an index range in the answer's
// order, so they neither scan the table nor sort it, however many payments there are.
func TestPaymentSearchUsesIndexes(t *testing.T) {
	db := openReportingDB(t)
	const day = "minCreatedDate=2026-03-01T00:00:00&maxCreatedDate=2026-03-02T00:00:00"
	for _, q := range []string{
		"",
		"page=3&size=100",
		"paymentSource=PAY_BY_LINK",
		"paymentSource=PAY_BY_LINK&" + day,
		"conversationId=c-1",
		"externalId=e-1",
		"orderId=o-1",
		"productId=7",
		"productId=7&paymentSource=PAY_BY_LINK&paymentStatus=SUCCESS",
		day,
	} {
		t.Run("query "+q, func(t *testing.T) {
			f, err := parsePaymentFilter(q)
			if err != nil {
				t.Fatal(err)
			}
			query, args := f.searchQuery()
			if plan := queryPlan(t, db, query, args); !strings.Contains(plan, "INDEX") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("search plan %q: want an index read in order, no sort", plan)
			}
			count := "SELECT count(*) FROM sandbox_payments" + f.where()
			if plan := queryPlan(t, db, count, f.args); !strings.Contains(plan, "INDEX") {
				t.Errorf("count plan %q: want an index", plan)
			}
		})
	}
}

// BenchmarkSearchPayments searches 100 000 payments on 100 links:
// go test -run '^$' -bench SearchPayments ./sandbox/
func BenchmarkSearchPayments(b *testing.B) {
	db := openReportingDB(b)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100_000 {
		p := payment{
			ProductID: int64(i%100 + 1), Price: decimal.NewFromInt(int64(10 + i%90)), Currency: "TRY",
			Installment: 1, Status: paymentSuccess, ConversationID: fmt.Sprintf("c-%d", i%1000),
			ExternalID: fmt.Sprintf("e-%d", i), BinNumber: "552879", LastFourDigits: "0008",
			CardHolderName: "Bench", Refunded: decimal.Zero, CreatedAt: start.Add(time.Duration(i) * time.Minute),
		}
		p.PaidPrice = p.Price
		if _, err := insertPayment(ctx, tx, p); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		"paymentSource=PAY_BY_LINK&size=100",
		"paymentSource=PAY_BY_LINK&minCreatedDate=2026-02-01T00:00:00&maxCreatedDate=2026-02-02T00:00:00",
		"productId=42&page=5",
		"conversationId=c-7",
		"externalId=e-99999",
	} {
		b.Run(q, func(b *testing.B) {
			f, err := parsePaymentFilter(q)
			if err != nil {
				b.Fatal(err)
			}
			query, args := f.searchQuery()
			for b.Loop() {
				var total int64
				if err := db.QueryRow("SELECT count(*) FROM sandbox_payments"+f.where(), f.args...).Scan(&total); err != nil {
					b.Fatal(err)
				}
				if _, err := queryPayments(ctx, db, query, args...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
