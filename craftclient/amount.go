package craftclient

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// StringFixed is used because it ignores shopspring's package-level
// TrimTrailingZeros and UseScientificNotation switches.
func (a Amount) String() string {
	return a.StringFixed(max(-a.Exponent(), 0))
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
	return []byte(a.String()), nil
}

// UnmarshalJSON accepts a JSON number or a string holding one; null leaves
// the amount unchanged.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
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
