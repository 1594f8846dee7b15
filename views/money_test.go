package views_test

import (
	"errors"
	"testing"

	"linkdesk/views"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means refused
	}{
		{"1.234,56", "1234.56"},
		{"1234,56", "1234.56"},
		{"1234.56", "1234.56"},
		{"1,234.56", "1234.56"},
		{"1 234,56", "1234.56"},
		{"1.234.567,8", "1234567.8"},
		{"1,234,567.89", "1234567.89"},
		{"12", "12"},
		{"0,5", "0.5"},
		{"1.234", "1234"},
		{"1,234", "1234"},
		{"1.5", "1.5"},
		{"1,50", "1.5"},
		{"149,90 ₺", "149.9"},
		{"₺149.90", "149.9"},
		{"  42 TL ", "42"},
		{"", ""},
		{"abc", ""},
		{"-5", ""},
		{"1,2,3", ""},
		{"1.23.4", ""},
		{"12,", ""},
		{"1.234,5.6", ""},
		{"1,2345.6", ""},
		{"1e5", ""},
		{",5", ""},
	}
	for _, tt := range tests {
		got, err := views.ParseMoney(tt.in)
		if tt.want == "" {
			if !errors.Is(err, views.ErrMoney) {
				t.Errorf("ParseMoney(%q) = %v, %v; want ErrMoney", tt.in, got, err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}
