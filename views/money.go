package views

import (
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// ErrMoney says an amount could not be read; forms show their own message.
var ErrMoney = errors.New("not an amount")

// ParseMoney reads an amount as people type it at a Turkish or English
// counter: "1.234,56", "1234,56", "1234.56", "1,234.56", "1 234,56", with an
// optional currency sign. A lone separator followed by exactly three digits
// ("1.234" or "1,234") is a thousands group, the way both locales write
// whole amounts; anything else after the last separator is the decimals.
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
		if strings.Count(s, string(sep)) == 1 && len(s)-idx-1 != 3 {
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
// kind of separator ("1.234.567", "1,234").
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
	if len(groups[0]) == 0 || len(groups[0]) > 3 || !allDigits(groups[0]) {
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
