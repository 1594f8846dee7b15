package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"linkdesk/handlers"
	"linkdesk/web/qr"
	"linkdesk/web/webtest"
)

// seedPayment writes a payment row directly, as a start would.
func (e *payEnv) seedPayment(t *testing.T, amount, description string, staff *app.User, settle app.PaymentStatus) *app.Payment {
	t.Helper()
	ctx := context.Background()
	id := staff.ID
	p := &app.Payment{
		MerchantUniqueCode: fmt.Sprintf("seed-%s-%d", description, time.Now().UnixNano()),
		CallbackToken:      strings.Repeat("a", 20) + strconv.FormatInt(time.Now().UnixNano(), 10),
		Amount:             decimal.RequireFromString(amount), Currency: "TRY", Description: description,
		Provider: "papara", StaffID: &id, StaffEmail: staff.Email,
	}
	if err := e.ta.Store.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	if settle != "" {
		if _, err := e.ta.Store.SettlePayment(ctx, p.MerchantUniqueCode, settle); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func rowCodes(t *testing.T, resp *http.Response) []string {
	t.Helper()
	var codes []string
	testID(parseResp(t, resp), "payment-row").Each(func(_ int, s *goquery.Selection) {
		codes = append(codes, s.AttrOr("data-code", ""))
	})
	return codes
}

func TestPaymentsListFilters(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	small := env.seedPayment(t, "10", "small", env.staffUser, app.PaymentStatusPaid)
	mid := env.seedPayment(t, "20.50", "mid", env.ownerUser, app.PaymentStatusFailed)
	big := env.seedPayment(t, "1234.56", "big", env.staffUser, "")
	now := time.Now().In(app.DefaultLocation()) // the zone the app gives its days
	today := now.Format("2006-01-02")
	tomorrow := now.AddDate(0, 0, 1).Format("2006-01-02")
	staffID := strconv.FormatInt(env.staffUser.ID, 10)

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{big.MerchantUniqueCode, mid.MerchantUniqueCode, small.MerchantUniqueCode}},
		{"?status=paid", []string{small.MerchantUniqueCode}},
		{"?status=pending", []string{big.MerchantUniqueCode}},
		{"?min=15&max=1.234,56", []string{big.MerchantUniqueCode, mid.MerchantUniqueCode}},
		{"?max=20,5", []string{mid.MerchantUniqueCode, small.MerchantUniqueCode}},
		{"?staff=" + staffID, []string{big.MerchantUniqueCode, small.MerchantUniqueCode}},
		{"?from=" + today + "&to=" + today, []string{big.MerchantUniqueCode, mid.MerchantUniqueCode, small.MerchantUniqueCode}},
		{"?from=" + tomorrow, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := env.viewer.Get(t, "/payments"+tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d", resp.StatusCode)
			}
			if got := rowCodes(t, resp); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"?status=lost", "?from=" + tomorrow + "&to=" + today, "?min=abc", "?min=50&max=10", "?staff=x"} {
		if resp := env.viewer.Get(t, "/payments"+bad); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: got %d, want 422", bad, resp.StatusCode)
		}
	}
}

func TestPaymentsListPaging(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	for i := range 53 {
		env.seedPayment(t, strconv.Itoa(i+1), "p"+strconv.Itoa(i), env.staffUser, "")
	}
	doc := parseResp(t, env.viewer.Get(t, "/payments"))
	if n := testID(doc, "payment-row").Length(); n != 50 {
		t.Errorf("first page has %d rows, want 50", n)
	}
	next, _ := testID(doc, "pager-next").Attr("href")
	if next != "/payments?page=2" {
		t.Fatalf("next page link %q", next)
	}
	if n := len(rowCodes(t, env.viewer.Get(t, next))); n != 3 {
		t.Errorf("second page has %d rows, want 3", n)
	}
	// The pager's htmx request gets only the results, to swap in place.
	frag := parseFragment(t, env.viewer.Get(t, next, "HX-Request", "true"))
	if n := testID(frag, "payment-row").Length(); n != 3 || frag.Find("#payments-results").Length() != 1 {
		t.Errorf("htmx page 2: %d rows, results wrapper %d, want 3 rows in the wrapper", n, frag.Find("#payments-results").Length())
	}
}

func TestPaymentsExportCSV(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	paid := env.seedPayment(t, "1234.5", "=HYPERLINK(\"x\")", env.staffUser, app.PaymentStatusPaid)
	env.recordRefund(t, paid.MerchantUniqueCode, decimal.RequireFromString("0.5"))
	env.seedPayment(t, "7", "Çay, şeker", env.ownerUser, "")

	resp := env.viewer.Get(t, "/payments/export.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	raw := body(t, resp)
	text, ok := strings.CutPrefix(raw, "\ufeff")
	if !ok {
		t.Fatal("no UTF-8 BOM")
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != "merchant_unique_code,amount,currency,description,provider,staff_email,created_at,settled_at,status,refunded_amount" {
		t.Fatalf("rows %v", rows)
	}
	newest, oldest := rows[1], rows[2]
	if newest[1] != "7.00" || newest[3] != "Çay, şeker" || newest[8] != "pending" || newest[7] != "" || newest[5] != "owner@example.com" {
		t.Errorf("pending row %v", newest)
	}
	if oldest[0] != paid.MerchantUniqueCode || oldest[1] != "1234.50" || oldest[3] != `'=HYPERLINK("x")` ||
		oldest[8] != "partially_refunded" || oldest[9] != "0.50" || oldest[7] == "" {
		t.Errorf("refunded row %v", oldest)
	}
	if _, err := time.Parse(time.RFC3339, oldest[6]); err != nil {
		t.Errorf("created_at %q is not RFC 3339", oldest[6])
	}

	// The export follows the list's filters.
	raw = body(t, env.viewer.Get(t, "/payments/export.csv?status=pending"))
	if rows, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\ufeff"))).ReadAll(); len(rows) != 2 {
		t.Errorf("filtered export has %d rows, want header + 1", len(rows))
	}
	if resp := env.viewer.Get(t, "/payments/export.csv?status=lost"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("export with a bad filter: got %d, want 400", resp.StatusCode)
	}
}

// The export is named after the time in the shop's zone, on the clock
// given; with no zone given, the core's default (Istanbul, UTC+3), never
// the host's.
func TestPaymentsExportName(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	now := func() time.Time { return time.Date(2026, 1, 2, 21, 30, 0, 0, time.UTC) }
	core := env.coreOn(nil, nil, nil)
	for name, zone := range map[string]*time.Location{"given": time.FixedZone("TRT", 3*60*60), "none given": nil} {
		h := handlers.NewPayments(testSite, core.Payments, core.Users, qr.New(16), zone, now)
		c, rec := echoContext(context.Background(), http.MethodGet, "/payments/export.csv", "", "")
		if err := h.Export(c); err != nil {
			t.Fatal(err)
		}
		if got, want := rec.Header().Get("Content-Disposition"), `attachment; filename="payments-20260103-0030.csv"`; got != want {
			t.Errorf("zone %s: got %s, want %s", name, got, want)
		}
	}
}
