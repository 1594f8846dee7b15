package craftclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// DateTimeLayout is the wire form of Craftgate date-times: local wall-clock
// time without a zone.
const DateTimeLayout = "2006-01-02T15:04:05"

// DateTime is a wall-clock date-time as Craftgate and Paywall send it.
// It marshals as "2006-01-02T15:04:05" in the value's own location (the zone
// is not written). It unmarshals leniently: YYYY-MM-DDTHH:MM[:SS[.frac]] with
// an optional "Z" or offset; values without a zone are read as UTC so the wall
// clock survives a round trip.
type DateTime struct{ time.Time }

// ParseDateTime parses s with the lenient rules described on DateTime.
func ParseDateTime(s string) (DateTime, error) {
	if t, ok := parseWireDateTime(s); ok {
		return DateTime{t}, nil
	}
	// time.Parse accepts a fractional second after the seconds field even
	// when the layout omits it, and "Z07:00" matches both "Z" and "+03:00".
	layouts := [...]string{
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05Z0700",
		DateTimeLayout,
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04Z0700",
		"2006-01-02T15:04",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return DateTime{t}, nil
		}
	}
	return DateTime{}, fmt.Errorf("craftclient: parse date-time %q: want YYYY-MM-DDTHH:MM[:SS[.frac]][Z|±hh:mm]", s)
}

// String returns the wire form.
func (d DateTime) String() string { return d.Format(DateTimeLayout) }

// MarshalJSON writes the wire form as a JSON string.
func (d DateTime) MarshalJSON() ([]byte, error) {
	return d.appendJSON(make([]byte, 0, len(DateTimeLayout)+2)), nil
}

func (d DateTime) appendJSON(dst []byte) []byte {
	dst = append(dst, '"')
	dst = d.AppendFormat(dst, DateTimeLayout)
	return append(dst, '"')
}

// UnmarshalJSON accepts a string in any lenient form; null and "" leave the
// value unchanged.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	// Craftgate's own form (and the same with seconds' fraction or "Z") is
	// read straight from b without allocating; other forms, escapes and
	// errors go through ParseDateTime, which says what was wrong.
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		if t, ok := parseWireDateTime(b[1 : len(b)-1]); ok {
			d.Time = t
			return nil
		}
	}
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("craftclient: decode date-time: %w", err)
	}
	if s == "" {
		return nil
	}
	v, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseWireDateTime reads YYYY-MM-DDTHH:MM[:SS[.fraction]][Z] with
// two-digit fields and at most nine fraction digits, checking ranges as
// time.Parse does; the result is the one ParseDateTime gives (UTC). Any
// other form reports false.
func parseWireDateTime[S string | []byte](s S) (time.Time, bool) {
	if n := len(s); n > 0 && s[n-1] == 'Z' {
		s = s[:n-1]
	}
	if len(s) < 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digitsAt(s, 0, 4)
	month, ok2 := digitsAt(s, 5, 2)
	day, ok3 := digitsAt(s, 8, 2)
	hour, ok4 := digitsAt(s, 11, 2)
	minute, ok5 := digitsAt(s, 14, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return time.Time{}, false
	}
	var sec, nsec int
	switch {
	case len(s) == 16:
	case len(s) >= 19 && s[16] == ':':
		var ok bool
		if sec, ok = digitsAt(s, 17, 2); !ok {
			return time.Time{}, false
		}
		if frac := s[19:]; len(frac) > 0 {
			if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
				return time.Time{}, false
			}
			n, ok := digitsAt(frac, 1, len(frac)-1)
			if !ok {
				return time.Time{}, false
			}
			for range 10 - len(frac) {
				n *= 10
			}
			nsec = n
		}
	default:
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// digitsAt parses s[i:i+n] as decimal digits.
func digitsAt[S string | []byte](s S, i, n int) (int, bool) {
	v := 0
	for j := i; j < i+n; j++ {
		c := s[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int((m-1)%7%2)
}
