package views

import (
	"net/url"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/shopspring/decimal"
)

func TestNewRefundFormInTheLocalesWay(t *testing.T) {
	p := &app.Payment{Amount: decimal.NewFromInt(1100), RefundedAmount: decimal.NewFromInt(25)}
	for lang, want := range map[Lang]string{LangTR: "1.075,00", LangEN: "1,075.00"} {
		f := NewRefundForm(NewLocale(lang), p)
		if f.Amount != want {
			t.Errorf("%s: default %q, want the remainder as %q", lang, f.Amount, want)
		}
		if got, fe := app.ParseRefundAmount(p, f.Amount); fe != nil || !got.Equal(p.Remaining()) {
			t.Errorf("%s: %q reads back as %s %v, want %s", lang, f.Amount, got, fe, p.Remaining())
		}
	}
}

func TestPaymentFilterForm(t *testing.T) {
	loc := time.FixedZone("TRT", 3*3600)
	q := url.Values{"status": {"paid"}, "from": {"2026-01-05"}, "to": {"2026-01-06"}, "min": {"1.000"}, "max": {"2.000,50"}, "staff": {"7"}, "page": {"3"}}
	f := PaymentFilterFormFrom(q)
	if !f.Validate(loc) {
		t.Fatal(f.Errors)
	}
	pf := f.PageFilter()
	wantFrom := time.Date(2026, 1, 5, 0, 0, 0, 0, loc)
	wantTo := time.Date(2026, 1, 7, 0, 0, 0, 0, loc)
	if pf.Status != app.PaymentStatusPaid || !pf.From.Equal(wantFrom) || !pf.To.Equal(wantTo) ||
		!pf.MinAmount.Equal(decimal.NewFromInt(1000)) || !pf.MaxAmount.Equal(decimal.RequireFromString("2000.5")) ||
		*pf.StaffID != 7 || pf.Offset != 2*PaymentsPageSize || pf.Limit != PaymentsPageSize {
		t.Errorf("filter %+v", pf)
	}
	if got := f.Filter(); got.Limit != 0 || got.Offset != 0 {
		t.Errorf("export filter pages: %+v", got)
	}
	if got, want := f.Query(4), "?from=2026-01-05&max=2.000%2C50&min=1.000&page=4&staff=7&status=paid&to=2026-01-06"; got != want {
		t.Errorf("query %q, want %q", got, want)
	}
	if got := (PaymentFilterForm{}).Query(1); got != "" {
		t.Errorf("empty query %q", got)
	}

	bad := []struct {
		q     url.Values
		field string
	}{
		{url.Values{"status": {"lost"}}, "status"},
		{url.Values{"from": {"5.1.2026"}}, "from"},
		{url.Values{"from": {"2026-01-06"}, "to": {"2026-01-05"}}, "to"},
		{url.Values{"min": {"a"}}, "min"},
		{url.Values{"min": {"10"}, "max": {"9"}}, "max"},
		{url.Values{"staff": {"-1"}}, "staff"},
	}
	for _, tt := range bad {
		f := PaymentFilterFormFrom(tt.q)
		if f.Validate(loc) || f.Errors[tt.field] == "" {
			t.Errorf("%v: errors %v, want one on %s", tt.q, f.Errors, tt.field)
		}
	}
}

func TestPaymentPaths(t *testing.T) {
	tests := []struct{ got, want string }{
		{string(PaymentURL("ab-1")), "/payments/ab-1"},
		{PaymentStatusURL("ab-1"), "/payments/ab-1/status"},
		{PaymentQRURL("ab-1"), "/payments/ab-1/qr.png"},
		{string(PaymentRetryURL("ab-1")), "/payments/ab-1/retry"},
		{string(PaymentCheckURL("ab-1")), "/payments/ab-1/check"},
		{string(PaymentRefundURL("a/b")), "/payments/a%2Fb/refund"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestPaymentStatusMessages checks the keys built at run time.
func TestPaymentStatusMessages(t *testing.T) {
	for _, s := range paymentStatuses {
		if _, ok := messages["payment.status."+string(s)]; !ok {
			t.Errorf("no message for status %s", s)
		}
	}
	for _, o := range []string{"paid", "failed", "refused"} {
		if _, ok := messages["callback."+o]; !ok {
			t.Errorf("no message for callback outcome %s", o)
		}
	}
}
