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
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON accepts a string in any lenient form; null and "" leave the
// value unchanged.
func (d *DateTime) UnmarshalJSON(b []byte) error {
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
