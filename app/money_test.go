package app_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "": refused
	}{
		// Decimals after a lone separator of other than three digits.
		{"149,90", "149.90"},
		{"149.90", "149.90"},
		{"1234,56", "1234.56"},
		{"1234.56", "1234.56"},
		{"1,5", "1.5"},
		{"12,3456", "12.3456"},
		// Both separators: the later one separates the decimals.
		{"1.234,56", "1234.56"},
		{"1,234.56", "1234.56"},
		{"1.234.567,89", "1234567.89"},
		{"1,234,567.89", "1234567.89"},
		// A lone separator with three digits is a thousands group...
		{"1.234", "1234"},
		{"1,234", "1234"},
		{"1.234.567", "1234567"},
		// ...unless a lone 0 comes before it.
		{"0,500", "0.5"},
		{"0.500", "0.5"},
		{"0.001", "0.001"},
		{"0,125", "0.125"},
		// Spaces and signs.
		{"149,90 ₺", "149.90"},
		{"₺149,90", "149.90"},
		{" 149,90 TL ", "149.90"},
		{"TRY 5", "5"},
		{"$1,234.50", "1234.50"},
		{"12 €", "12"},
		{"1 234,56", "1234.56"},
		{"1\u00a0234,56", "1234.56"},
		{"1'234.56", "1234.56"},
		{"0", "0"},
		{"42", "42"},

		{"", ""},
		{"   ", ""},
		{"₺", ""},
		{"abc", ""},
		{"-5", ""},
		{"+5", ""},
		{"0.500.000", ""}, // a grouped number never starts with a zero group
		{"01.234", ""},
		{"1.23.456", ""},
		{"1,2,3", ""},
		{"1.234,5.6", ""},
		{"1.234,567.8", ""},
		{"1.", ""},
		{",5", ""},
		{"1e5", ""},
		{"0x10", ""},
		{"12,34,56", ""},
		{"١٢", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := app.ParseMoney(tt.in)
			if tt.want == "" {
				if !errors.Is(err, app.ErrMoney) {
					t.Fatalf("got %v, %v, want ErrMoney", got, err)
				}
				return
			}
			if err != nil || !got.Equal(dec(tt.want)) {
				t.Fatalf("got %v, %v, want %s", got, err, tt.want)
			}
		})
	}
}

func TestMoneyInput_RoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount string
		want   string // "": not checked
	}{
		{"1234.56", "1234.56"},
		{"1.234", "1.2340"}, // three decimals would read as thousands
		{"0.125", "0.125"},  // after a lone 0 they do not
		{"0.5", "0.5"},
		{"1234", "1234"},
		{"1000000", "1000000"},
		{"0.001", ""},
		{"10.125", ""},
		{"999999999999.999999", ""},
	}
	for _, tt := range tests {
		d := dec(tt.amount)
		s := app.MoneyInput(d)
		if tt.want != "" && s != tt.want {
			t.Errorf("MoneyInput(%s): got %q, want %q", tt.amount, s, tt.want)
		}
		back, err := app.ParseMoney(s)
		if err != nil || !back.Equal(d) {
			t.Errorf("ParseMoney(MoneyInput(%s) = %q): got %v, %v", tt.amount, s, back, err)
		}
	}
	// Every amount of up to six decimals, over a spread of magnitudes.
	for _, units := range []int64{1, 5, 10, 100, 125, 500, 999, 1000, 1234, 12345, 100000, 123456, 1234567, 1000000000} {
		for exp := int32(0); exp >= -6; exp-- {
			d := decimal.New(units, exp)
			if back, err := app.ParseMoney(app.MoneyInput(d)); err != nil || !back.Equal(d) {
				t.Errorf("%s: written %q, read back %v, %v", d, app.MoneyInput(d), back, err)
			}
		}
	}
}
