package views_test

import (
	"errors"
	"testing"

	"linkdesk/app"
	"linkdesk/views"
)

// FuzzParseMoney checks what every amount field relies on: ParseMoney never
// panics, refuses with ErrMoney only, never accepts a negative amount, and
// reads back what the app itself prints in either locale. Seeds, real
// counter inputs among them, are in testdata/fuzz/FuzzParseMoney.
func FuzzParseMoney(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		v, err := app.ParseMoney(in)
		if err != nil {
			if !errors.Is(err, app.ErrMoney) {
				t.Fatalf("ParseMoney(%q) error %v, want ErrMoney", in, err)
			}
			return
		}
		if v.IsNegative() {
			t.Fatalf("ParseMoney(%q) = %s, want >= 0", in, v)
		}
		if !v.Equal(v.Round(2)) {
			return // Number(v, 2) would round, so the round trip cannot hold
		}
		for _, lang := range []views.Lang{views.LangTR, views.LangEN} {
			printed := views.NewLocale(lang).Number(v, 2)
			back, err := app.ParseMoney(printed)
			if err != nil || !back.Equal(v) {
				t.Fatalf("ParseMoney(%q) = %s; %s prints %q, which parses as %s, %v", in, v, lang, printed, back, err)
			}
		}
	})
}
