package app_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

func TestPaymentDraftParseTable(t *testing.T) {
	wallets := []app.Wallet{{Key: "papara", Name: "Papara", ConnectionID: 62}}
	valid := app.PaymentDraft{Amount: "1.234,56", Currency: "TRY", Description: "  Masa 4  ", Wallet: "62"}
	tests := []struct {
		name       string
		change     func(d *app.PaymentDraft)
		walletsErr error
		errors     app.FieldErrors
	}{
		{"valid", func(*app.PaymentDraft) {}, nil, nil},
		{"english amount", func(d *app.PaymentDraft) { d.Amount = "1234.56" }, nil, nil},
		{"trailing zero decimal", func(d *app.PaymentDraft) { d.Amount = "12,500" }, nil, nil}, // a thousands group: 12500
		{"empty amount", func(d *app.PaymentDraft) { d.Amount = "" }, nil, app.FieldErrors{"amount": "payment.amount_invalid"}},
		{"negative", func(d *app.PaymentDraft) { d.Amount = "-5" }, nil, app.FieldErrors{"amount": "payment.amount_invalid"}},
		{"zero", func(d *app.PaymentDraft) { d.Amount = "0,00" }, nil, app.FieldErrors{"amount": "payment.amount_positive"}},
		{"three decimals", func(d *app.PaymentDraft) { d.Amount = "1,2345" }, nil, app.FieldErrors{"amount": "payment.amount_decimals"}},
		{"zero group is a fraction", func(d *app.PaymentDraft) { d.Amount = "0,500" }, nil, nil},
		{"too large", func(d *app.PaymentDraft) { d.Amount = "1000000000000" }, nil, app.FieldErrors{"amount": "payment.amount_too_large"}},
		{"huge text", func(d *app.PaymentDraft) { d.Amount = strings.Repeat("9", 1000) }, nil, app.FieldErrors{"amount": "payment.amount_invalid"}},
		{"currency", func(d *app.PaymentDraft) { d.Currency = "try" }, nil, app.FieldErrors{"currency": "payment.currency_invalid"}},
		{"blank description", func(d *app.PaymentDraft) { d.Description = "   " }, nil, app.FieldErrors{"description": "payment.description_required"}},
		{"200 runes", func(d *app.PaymentDraft) { d.Description = strings.Repeat("ğ", 200) }, nil, nil},
		{"201 runes", func(d *app.PaymentDraft) { d.Description = strings.Repeat("ğ", 201) }, nil, app.FieldErrors{"description": "payment.description_too_long"}},
		{"no wallet", func(d *app.PaymentDraft) { d.Wallet = "" }, nil, app.FieldErrors{"provider": "payment.provider_required"}},
		{"unlisted wallet", func(d *app.PaymentDraft) { d.Wallet = "63" }, nil, app.FieldErrors{"provider": "payment.provider_unavailable"}},
		{"list failed", func(*app.PaymentDraft) {}, errSome, app.FieldErrors{"provider": "payment.providers_unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid
			tt.change(&d)
			ws := wallets
			if tt.walletsErr != nil {
				ws = nil
			}
			_, fe := d.Parse(ws, tt.walletsErr)
			if len(fe) != len(tt.errors) {
				t.Fatalf("got errors %v, want %v", fe, tt.errors)
			}
			for k, v := range tt.errors {
				if fe[k] != v {
					t.Errorf("error %s: got %q, want %q", k, fe[k], v)
				}
			}
		})
	}
	in, fe := valid.Parse(wallets, nil)
	if fe != nil || !in.Amount.Equal(decimal.RequireFromString("1234.56")) || in.Description != "Masa 4" || in.Wallet.ConnectionID != 62 {
		t.Errorf("input %+v, %v", in, fe)
	}
	for text, want := range map[string]string{"7.500": "7500", "7,50": "7.5", "12.505": "12505", "0,500": "0.5"} {
		d := valid
		d.Amount = text
		if in, fe := d.Parse(wallets, nil); fe != nil || in.Amount.String() != want {
			t.Errorf("%s reads as %s (%v), want %s", text, in.Amount, fe, want)
		}
	}
}

type someError struct{}

func (someError) Error() string { return "no list" }

var errSome error = someError{}

func TestParseRefundAmountTable(t *testing.T) {
	p := &app.Payment{Amount: decimal.NewFromInt(100), RefundedAmount: decimal.NewFromInt(40)}
	tests := []struct{ amount, err string }{
		{"60", ""},
		{"60,00", ""},
		{"0.01", ""},
		{"0,500", ""},
		{"60.01", "refund.amount_over"},
		{"0", "refund.amount_positive"},
		{"x", "refund.amount_invalid"},
		{"1,234", "refund.amount_over"},
		{"1.001,5", "refund.amount_over"},
		{"0,0051", "refund.amount_decimals"},
		{"0.001", "refund.amount_decimals"},
	}
	for _, tt := range tests {
		_, fe := app.ParseRefundAmount(p, tt.amount)
		if fe["amount"] != tt.err {
			t.Errorf("%q: got error %q, want %q", tt.amount, fe["amount"], tt.err)
		}
	}
}
