package views

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/store"
)

func TestPaymentFormValidate(t *testing.T) {
	providers := []craftclient.APMProvider{{ProviderKey: "papara", ProviderName: "Papara", ConnectionID: 62}}
	valid := PaymentForm{Amount: "1.234,56", Currency: "TRY", Description: "  Masa 4  ", Provider: "62", Providers: providers}
	tests := []struct {
		name   string
		change func(f *PaymentForm)
		errors map[string]string
	}{
		{"valid", func(*PaymentForm) {}, nil},
		{"english amount", func(f *PaymentForm) { f.Amount = "1234.56" }, nil},
		{"trailing zero decimal", func(f *PaymentForm) { f.Amount = "12,500" }, nil}, // a thousands group: 12500
		{"empty amount", func(f *PaymentForm) { f.Amount = "" }, map[string]string{"amount": "payment.amount_invalid"}},
		{"negative", func(f *PaymentForm) { f.Amount = "-5" }, map[string]string{"amount": "payment.amount_invalid"}},
		{"zero", func(f *PaymentForm) { f.Amount = "0,00" }, map[string]string{"amount": "payment.amount_positive"}},
		{"three decimals", func(f *PaymentForm) { f.Amount = "1,2345" }, map[string]string{"amount": "payment.amount_decimals"}},
		{"too large", func(f *PaymentForm) { f.Amount = "1000000000000" }, map[string]string{"amount": "payment.amount_too_large"}},
		{"currency", func(f *PaymentForm) { f.Currency = "try" }, map[string]string{"currency": "payment.currency_invalid"}},
		{"blank description", func(f *PaymentForm) { f.Description = "   " }, map[string]string{"description": "payment.description_required"}},
		{"200 runes", func(f *PaymentForm) { f.Description = strings.Repeat("ğ", 200) }, nil},
		{"201 runes", func(f *PaymentForm) { f.Description = strings.Repeat("ğ", 201) }, map[string]string{"description": "payment.description_too_long"}},
		{"no provider", func(f *PaymentForm) { f.Provider = "" }, map[string]string{"provider": "payment.provider_required"}},
		{"unlisted provider", func(f *PaymentForm) { f.Provider = "63" }, map[string]string{"provider": "payment.provider_unavailable"}},
		{"list failed", func(f *PaymentForm) { f.Providers, f.ProvidersFailed = nil, true }, map[string]string{"provider": "payment.providers_unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid
			tt.change(&f)
			ok := f.Validate()
			if ok != (tt.errors == nil) || len(f.Errors) != len(tt.errors) {
				t.Fatalf("got ok %v errors %v, want %v", ok, f.Errors, tt.errors)
			}
			for k, v := range tt.errors {
				if f.Errors[k] != v {
					t.Errorf("error %s: got %q, want %q", k, f.Errors[k], v)
				}
			}
		})
	}

	f := valid
	if !f.Validate() {
		t.Fatal(f.Errors)
	}
	in := f.Input()
	if !in.Amount.Equal(decimal.RequireFromString("1234.56")) || in.Description != "Masa 4" || in.Provider.ConnectionID != 62 {
		t.Errorf("input %+v", in)
	}
	f.Amount = "7.500"
	f.Validate()
	if got := f.Input().Amount.String(); got != "7500" {
		t.Errorf("7.500 reads as %s, want 7500 (a thousands group)", got)
	}
	f.Amount = "7,50"
	f.Validate()
	if got := craftclient.NewAmount(f.Input().Amount).String(); got != "7.50" {
		t.Errorf("7,50 is sent as %s, want 7.50", got)
	}
}

func TestRefundFormValidate(t *testing.T) {
	p := &store.Payment{Amount: decimal.NewFromInt(100), RefundedAmount: decimal.NewFromInt(40)}
	if got := NewRefundForm(p).Amount; got != "60.00" {
		t.Errorf("default %q, want the remainder 60.00", got)
	}
	tests := []struct{ amount, err string }{
		{"60", ""},
		{"60,00", ""},
		{"0.01", ""},
		{"60.01", "refund.amount_over"},
		{"0", "refund.amount_positive"},
		{"x", "refund.amount_invalid"},
		{"1,234", "refund.amount_over"},
		{"1.001,5", "refund.amount_over"},
		{"0,0051", "refund.amount_decimals"},
	}
	for _, tt := range tests {
		f := RefundForm{Amount: tt.amount}
		ok := f.Validate(p)
		if ok != (tt.err == "") || f.Errors["amount"] != tt.err {
			t.Errorf("%q: got ok %v error %q, want %q", tt.amount, ok, f.Errors["amount"], tt.err)
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
	if pf.Status != store.PaymentStatusPaid || !pf.From.Equal(wantFrom) || !pf.To.Equal(wantTo) ||
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
		{PaymentCallbackPath("f00d", "success"), "/callbacks/paywall/f00d/success"},
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
