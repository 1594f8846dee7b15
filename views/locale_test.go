package views_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/views"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		lang     views.Lang
		amount   string
		currency string
		want     string
	}{
		{views.LangTR, "1234.56", "TRY", "1.234,56 ₺"},
		{views.LangEN, "1234.56", "TRY", "₺1,234.56"},
		{views.LangTR, "0.5", "TRY", "0,50 ₺"},
		{views.LangTR, "1234567.891", "EUR", "1.234.567,89 €"},
		{views.LangEN, "1234567", "USD", "$1,234,567.00"},
		{views.LangEN, "12.5", "JPY", "¥13"},
		{views.LangTR, "12.345", "KWD", "12,345 KWD"},
		{views.LangEN, "99", "AZN", "AZN 99.00"},
		{views.LangEN, "-5", "TRY", "-₺5.00"},
		{views.LangTR, "999", "TRY", "999,00 ₺"},
		{views.LangTR, "1000", "TRY", "1.000,00 ₺"},
	}
	for _, tt := range tests {
		got := views.NewLocale(tt.lang).Money(decimal.RequireFromString(tt.amount), tt.currency)
		if got != tt.want {
			t.Errorf("Money(%s, %s, %s) = %q, want %q", tt.lang, tt.amount, tt.currency, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	ts := time.Date(2026, 1, 5, 14, 30, 0, 0, time.UTC)
	if got, want := views.NewLocale(views.LangTR).DateTime(ts), "5 Oca 2026 14:30"; got != want {
		t.Errorf("TR DateTime = %q, want %q", got, want)
	}
	if got, want := views.NewLocale(views.LangEN).DateTime(ts), "5 Jan 2026, 14:30"; got != want {
		t.Errorf("EN DateTime = %q, want %q", got, want)
	}
	if got, want := views.NewLocale(views.LangTR).Date(time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)), "31 Ağu 2026"; got != want {
		t.Errorf("TR Date = %q, want %q", got, want)
	}
}

func TestLangFromAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   views.Lang
		ok     bool
	}{
		{"en-GB,en;q=0.9,tr;q=0.8", views.LangEN, true},
		{"tr-TR,tr;q=0.9", views.LangTR, true},
		{"de-DE,de;q=0.9,en;q=0.5", views.LangEN, true},
		{"de-DE", "", false},
		{"en;q=0, tr", views.LangTR, true},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := views.LangFromAcceptLanguage(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LangFromAcceptLanguage(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}
