package app

import (
	"errors"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 code.
type Currency string

// LinkCurrencies are the currencies a payment link can be priced in: the 19
// of Craftgate's official clients, TRY first.
var LinkCurrencies = []Currency{
	"TRY", "USD", "EUR", "GBP", "CNY", "ARS", "BRL", "AED", "IQD", "AZN",
	"KZT", "KWD", "SAR", "BHD", "RUB", "JPY", "EGP", "MXN", "RON",
}

// PaymentCurrencies are the currencies a QR payment can be taken in: the
// ones Paywall's currency id is confirmed for.
var PaymentCurrencies = []Currency{"TRY", "USD", "EUR"}

// ValidLink reports whether c is one of LinkCurrencies.
func (c Currency) ValidLink() bool { return slices.Contains(LinkCurrencies, c) }

// ValidPayment reports whether c is one of PaymentCurrencies.
func (c Currency) ValidPayment() bool { return slices.Contains(PaymentCurrencies, c) }

// currencyDecimals holds ISO 4217 minor units that differ from two.
var currencyDecimals = map[Currency]int32{"JPY": 0, "IQD": 3, "KWD": 3, "BHD": 3}

// Places is the number of decimals (ISO 4217 minor units) of c's amounts.
func (c Currency) Places() int32 {
	if places, ok := currencyDecimals[c]; ok {
		return places
	}
	return 2
}

// ErrMoney says an amount could not be read; callers show their own message.
var ErrMoney = errors.New("not an amount")

// ParseMoney reads an amount as people type it at a Turkish or English
// counter, or as a spreadsheet exports it: "1.234,56", "1234,56",
// "1234.56", "1,234.56", "1 234,56", with an optional currency sign. A lone
// separator followed by exactly three digits ("1.234" or "1,234") is a
// thousands group, the way both locales write whole amounts, unless what
// comes before it is a lone 0 ("0,500" is half, not five hundred: no number
// starts with a zero group); anything else after the last separator is the
// decimals.
func ParseMoney(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	for _, sym := range []string{"₺", "TL", "TRY", "$", "€", "£"} {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, sym), sym))
	}
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "").Replace(s)
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return decimal.Decimal{}, ErrMoney
	}
	lastDot, lastComma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	decimalSep := byte(0)
	switch {
	case lastDot >= 0 && lastComma >= 0:
		// Both present: the later one separates the decimals.
		decimalSep = '.'
		if lastComma > lastDot {
			decimalSep = ','
		}
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		idx := lastDot
		if lastComma >= 0 {
			sep, idx = ',', lastComma
		}
		lone := strings.Count(s, string(sep)) == 1
		if lone && (len(s)-idx-1 != 3 || s[:idx] == "0") {
			decimalSep = sep
		}
	}
	intPart, frac := s, ""
	if decimalSep != 0 {
		i := strings.LastIndexByte(s, decimalSep)
		intPart, frac = s[:i], s[i+1:]
	}
	if !validGroups(intPart) || !allDigits(frac) || (decimalSep != 0 && frac == "") {
		return decimal.Decimal{}, ErrMoney
	}
	digits := strings.NewReplacer(".", "", ",", "").Replace(intPart)
	if frac != "" {
		digits += "." + frac
	}
	return decimal.NewFromString(digits)
}

// validGroups accepts plain digits or digits grouped by threes with one
// kind of separator ("1.234.567", "1,234"). A grouped number never starts
// with a zero ("0.500" grouped would be five hundred written oddly, and
// "01.234" is a typo).
func validGroups(s string) bool {
	if s == "" {
		return false
	}
	sep := ""
	if strings.Contains(s, ".") {
		sep = "."
	}
	if strings.Contains(s, ",") {
		if sep != "" {
			return false
		}
		sep = ","
	}
	if sep == "" {
		return allDigits(s)
	}
	groups := strings.Split(s, sep)
	first := groups[0]
	if len(first) == 0 || len(first) > 3 || !allDigits(first) || first[0] == '0' {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MoneyInput writes an amount so ParseMoney reads it back unchanged in
// either language, for pre-filled forms. Exactly three decimals after a
// lone point would read as a thousands group ("1.234" is 1234), so such
// amounts get a trailing zero.
func MoneyInput(d decimal.Decimal) string {
	s := d.String()
	if intPart, frac, ok := strings.Cut(s, "."); ok && len(frac) == 3 && intPart != "0" {
		s += "0"
	}
	return s
}
