package craftclient_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "1234.56", want: "1234.56"},
		{in: "12.50", want: "12.50"},
		{in: "0", want: "0"},
		{in: "-3.1", want: "-3.1"},
		{in: "100", want: "100"},
		{in: "", wantErr: true},
		{in: "1,50", wantErr: true},
		{in: "1.234,56", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: " 1", wantErr: true},
		{in: "1.", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "--1", wantErr: true},
		{in: "abc", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := craftclient.ParseAmount(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseAmount(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("got %v, want %v", got.String(), tt.want)
			}
		})
	}
}

func TestAmountMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   craftclient.Amount
		want string
	}{
		{"keeps scale", mustAmount(t, "12.50"), `{"a":12.50}`},
		{"integer", mustAmount(t, "100"), `{"a":100}`},
		{"zero value", craftclient.Amount{}, `{"a":0}`},
		{"from decimal", craftclient.NewAmount(decimal.New(1999, -2)), `{"a":19.99}`},
		{"large", mustAmount(t, "12345678901234567890.123456789"), `{"a":12345678901234567890.123456789}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(struct {
				A craftclient.Amount `json:"a"`
			}{tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestAmountUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: `149.9`, want: "149.9"},
		{in: `100.00000000`, want: "100.00000000"},
		{in: `"12.50"`, want: "12.50"},
		{in: `1e2`, want: "100"},
		{in: `null`, want: "0"},
		{in: `"abc"`, wantErr: true},
		{in: `true`, wantErr: true},
		{in: `""`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a craftclient.Amount
			err := json.Unmarshal([]byte(tt.in), &a)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %v, want error", tt.in, a)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if a.String() != tt.want {
				t.Errorf("got %v, want %v", a.String(), tt.want)
			}
		})
	}
}

func mustAmount(tb testing.TB, s string) craftclient.Amount {
	tb.Helper()
	a, err := craftclient.ParseAmount(s)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func TestAmountFormat(t *testing.T) {
	a := mustAmount(t, "12.50")
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "12.50"},
		{"%s", "12.50"},
		{"%7v|", "  12.50|"},
		{"%q", `"12.50"`},
		{"%.1f", "12.5"},
		{"%.3f", "12.500"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, a); got != tt.want {
			t.Errorf("Sprintf(%q): got %q, want %q", tt.format, got, tt.want)
		}
	}
	if got := fmt.Sprint(mustAmount(t, "100")); got != "100" {
		t.Errorf("Sprint(100): got %q, want 100", got)
	}
}

// Reading an amount allocates only shopspring's big.Int (issue #16: the
// bytes were also copied into a string first).
func TestAmountUnmarshalJSONAllocations(t *testing.T) {
	for _, in := range []string{`149.90`, `"12.50"`, `-0.05`} {
		var a craftclient.Amount
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _ = a.UnmarshalJSON(b) }); n > 2 {
			t.Errorf("UnmarshalJSON(%s): %v allocations, want at most 2", in, n)
		}
	}
}

func TestAmountStringKeepsScale(t *testing.T) {
	for _, s := range []string{"0", "0.00", "-0.05", "12.50", "100", "100.00000000", "123456789012345678", "1234567890123456789.5", "-7"} {
		if got := mustAmount(t, s).String(); got != s {
			t.Errorf("ParseAmount(%q).String(): got %q", s, got)
		}
	}
	if got := craftclient.NewAmount(decimal.New(12, 3)).String(); got != "12000" {
		t.Errorf("12e3: got %q, want 12000", got)
	}
}
