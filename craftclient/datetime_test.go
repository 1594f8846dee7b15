package craftclient_test

import (
	"encoding/json"
	"testing"
	"time"

	"linkdesk/craftclient"
)

func TestDateTimeMarshalJSON(t *testing.T) {
	d := craftclient.DateTime{Time: time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("TRT", 3*3600))}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `"2030-01-02T03:04:05"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDateTimeUnmarshalJSON(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: `"2030-01-02T03:04:05"`, want: utc(2030, 1, 2, 3, 4, 5, 0)},
		{in: `"2030-01-02T03:04"`, want: utc(2030, 1, 2, 3, 4, 0, 0)},
		{in: `"2023-09-04T14:47:03.485303"`, want: utc(2023, 9, 4, 14, 47, 3, 485303000)},
		{in: `"2030-01-02T03:04:05.000Z"`, want: utc(2030, 1, 2, 3, 4, 5, 0)},
		{in: `"2030-01-02T06:04:05+03:00"`, want: utc(2030, 1, 2, 3, 4, 5, 0)},
		{in: `"2030-01-02T06:04:05+0300"`, want: utc(2030, 1, 2, 3, 4, 5, 0)},
		{in: `"2030-01-02T06:04+03:00"`, want: utc(2030, 1, 2, 3, 4, 0, 0)},
		{in: `null`},
		{in: `""`},
		{in: `"2030-01-02"`, wantErr: true},
		{in: `"02.01.2030 03:04"`, wantErr: true},
		{in: `"2030-13-02T03:04:05"`, wantErr: true},
		{in: `12`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d craftclient.DateTime
			err := json.Unmarshal([]byte(tt.in), &d)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %v, want error", tt.in, d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if !d.Equal(tt.want) {
				t.Errorf("got %v, want %v", d.Time, tt.want)
			}
		})
	}
}

func TestDateTimeRoundTripKeepsWallClock(t *testing.T) {
	in := `"2030-01-02T03:04:05"`
	var d craftclient.DateTime
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("got %s, want %s", out, in)
	}
}

// Craftgate sends a date in every payment and link; reading one must not
// allocate (issue #16: it took 7 allocations).
func TestDateTimeUnmarshalJSONDoesNotAllocate(t *testing.T) {
	for _, in := range []string{`"2030-01-02T03:04:05"`, `"2023-09-04T14:47:03.485303"`, `"2030-01-02T03:04:05Z"`} {
		var d craftclient.DateTime
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _ = d.UnmarshalJSON(b) }); n != 0 {
			t.Errorf("UnmarshalJSON(%s): %v allocations, want 0", in, n)
		}
	}
}
