package craftclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is a money amount. It marshals as a JSON number (both providers
// expect one; shopspring's own MarshalJSON quotes it unless a package-global
// toggle is flipped) and keeps the scale it was given, so 12.50 stays 12.50.
type Amount struct{ decimal.Decimal }

// NewAmount wraps d.
func NewAmount(d decimal.Decimal) Amount { return Amount{d} }

// ParseAmount parses the plain invariant form: an optional minus sign, digits,
// and an optional dot followed by digits ("1234.56"). Thousands separators,
// commas, exponents and surrounding spaces are rejected.
func ParseAmount(s string) (Amount, error) {
	if !isPlainDecimal(s) {
		return Amount{}, fmt.Errorf("craftclient: parse amount %q: want digits with an optional '.' fraction", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, fmt.Errorf("craftclient: parse amount %q: %w", s, err)
	}
	return Amount{d}, nil
}

func isPlainDecimal(s string) bool {
	intPart, frac, hasDot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	return allDigits(intPart) && (!hasDot || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the plain form with the amount's own scale ("12.50").
func (a Amount) String() string {
	return string(a.appendText(make([]byte, 0, 24)))
}

// appendText writes String's form. Coefficients of up to 18 digits (every
// real amount) are printed from an int64; larger ones go through
// StringFixed, which ignores shopspring's package-level
// TrimTrailingZeros and UseScientificNotation switches, as this does.
func (a Amount) appendText(dst []byte) []byte {
	if a.NumDigits() > 18 {
		return append(dst, a.StringFixed(max(-a.Exponent(), 0))...)
	}
	coef, exp := a.CoefficientInt64(), int(a.Exponent())
	if coef < 0 {
		dst = append(dst, '-')
		coef = -coef
	}
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], coef, 10)
	if exp >= 0 {
		dst = append(dst, digits...)
		if coef != 0 {
			for range exp {
				dst = append(dst, '0')
			}
		}
		return dst
	}
	places := -exp
	if len(digits) > places {
		dst = append(dst, digits[:len(digits)-places]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-places:]...)
	}
	dst = append(dst, '0', '.')
	for range places - len(digits) {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

// Format makes fmt's %v, %s and %q print String (the embedded Decimal's
// Format would drop the scale); %f, %.2f and %#v behave as for Decimal.
func (a Amount) Format(f fmt.State, verb rune) {
	switch {
	case verb == 's', verb == 'q', verb == 'v' && !f.Flag('#'):
		fmt.Fprintf(f, fmt.FormatString(f, verb), a.String())
	default:
		a.Decimal.Format(f, verb)
	}
}

// MarshalJSON writes a JSON number, never a string.
func (a Amount) MarshalJSON() ([]byte, error) {
	return a.appendJSON(nil), nil
}

func (a Amount) appendJSON(dst []byte) []byte { return a.appendText(dst) }

// UnmarshalJSON accepts a JSON number or a string holding one; null leaves
// the amount unchanged.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	// The usual number (or quoted number) is read straight from b; only
	// exponents, escapes, long coefficients and errors take the general path
	// below, which copies b into a string first.
	plain := b
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		plain = b[1 : len(b)-1]
	}
	if d, ok := parsePlainDecimal(plain); ok {
		a.Decimal = d
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("craftclient: decode amount: %w", err)
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("craftclient: decode amount %q: %w", s, err)
	}
	a.Decimal = d
	return nil
}

// parsePlainDecimal reads -?digits(.digits)? with at most 18 digits, the
// shape of every amount on the wire, into the value decimal.NewFromString
// would give. Anything else reports false.
func parsePlainDecimal(b []byte) (decimal.Decimal, bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var coef int64
	digits, frac, dot := 0, 0, false
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case '0' <= c && c <= '9':
			coef = coef*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return decimal.Decimal{}, false
		}
	}
	if digits == 0 || digits > 18 || (dot && frac == 0) {
		return decimal.Decimal{}, false
	}
	if neg {
		coef = -coef
	}
	return decimal.New(coef, int32(-frac)), true
}
