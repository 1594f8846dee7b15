package sheet_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"linkdesk/sheet"
)

// FuzzRead feeds uploads of any shape to Read, which the import route
// hands every file a signed-in user sends: it must answer a table within
// the limit or a typed error, never panic or return something in between.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"Ad;Fiyat\nKahve;1.234,56\n",
		"\xEF\xBB\xBFName,Price\n\"Tea, green\",\"1,5\"\r\n",
		"Ad\tFiyat\nA\t1\n",
		"Ad;Açıklama\n\"iki\nsatır\";x\n",
		"Ad;Fiyat\nA;=1+1\n",
		"PK\x03\x04garbage",
	} {
		f.Add([]byte(s))
	}
	var xlsx bytes.Buffer
	if err := sheet.WriteXLSX(&xlsx, "Links", []string{"Ad", "Fiyat"}, [][]string{{"Çay", "5"}}); err != nil {
		f.Fatal(err)
	}
	f.Add(xlsx.Bytes())

	const limit = 3
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := sheet.Read(data, limit)
		if err != nil {
			var e *sheet.Error
			if !errors.As(err, &e) || tab != nil {
				t.Fatalf("got %v (%T) with table %v; want a *sheet.Error alone", err, err, tab)
			}
			return
		}
		if tab.Header == nil || len(tab.Records) > limit {
			t.Fatalf("header %q and %d records (limit %d)", tab.Header, len(tab.Records), limit)
		}
		prev := 1 // the header's line
		for _, r := range tab.Records {
			if r.Line <= prev {
				t.Fatalf("record on line %d after line %d", r.Line, prev)
			}
			prev = r.Line
		}
		if bytes.HasPrefix(data, []byte("PK")) {
			return
		}
		for _, r := range append([]sheet.Record{{Cells: tab.Header}}, tab.Records...) {
			for _, c := range r.Cells {
				if strings.HasPrefix(c, "=") {
					t.Fatalf("CSV cell %q would be a formula in a spreadsheet", c)
				}
			}
		}
	})
}

// FuzzCSVRoundTrip checks that what Linkdesk writes as CSV (the template
// and the exports, with Turkish Excel's semicolon) reads back cell for
// cell, or is refused for the documented reasons.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("Kahve", "1.234,56")
	f.Add("Tea, \"green\"", " 5 ")
	f.Add("iki\nsatır", "")
	f.Add("=SUM(A1)", "1")
	f.Fuzz(func(t *testing.T, name, price string) {
		if !utf8.ValidString(name) || !utf8.ValidString(price) || strings.ContainsAny(name+price, "\r\x00") {
			t.Skip("encoding/csv reads \\r\\n inside quotes as \\n; invalid UTF-8 and NUL are refused by kind")
		}
		var buf bytes.Buffer
		row := []string{name, price}
		if err := sheet.WriteCSV(&buf, ';', []string{"Ad", "Fiyat"}, [][]string{row}); err != nil {
			t.Fatal(err)
		}
		tab, err := sheet.Read(buf.Bytes(), 1)
		if strings.HasPrefix(name, "=") || strings.HasPrefix(price, "=") {
			var e *sheet.Error
			if !errors.As(err, &e) || e.Kind != sheet.KindFormula {
				t.Fatalf("a cell starting with = read as %v, want a formula refusal", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		if len(tab.Records) != 1 || !slices.Equal(tab.Records[0].Cells, row) {
			t.Fatalf("wrote %q, read back %+v", row, tab.Records)
		}
	})
}
