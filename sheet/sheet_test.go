package sheet_test

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"linkdesk/sheet"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		header []string
		lines  []int
		cells  [][]string
	}{
		{"comma", "Name,Price\nKahve,\"1,5\"\n", []string{"Name", "Price"}, []int{2}, [][]string{{"Kahve", "1,5"}}},
		{"semicolon with BOM", "\xEF\xBB\xBFAd;Fiyat\nKahve;1.234,56\r\nÇay;5\n", []string{"Ad", "Fiyat"}, []int{2, 3},
			[][]string{{"Kahve", "1.234,56"}, {"Çay", "5"}}},
		{"quoted newline keeps line numbers", "Ad;Açıklama\n\"A\";\"iki\nsatır\"\nB;x\n", []string{"Ad", "Açıklama"}, []int{2, 4},
			[][]string{{"A", "iki\nsatır"}, {"B", "x"}}},
		{"tab", "Ad\tFiyat\nA\t1\n", []string{"Ad", "Fiyat"}, []int{2}, [][]string{{"A", "1"}}},
		{"short rows", "Ad;Fiyat;Stok\nA;1\n", []string{"Ad", "Fiyat", "Stok"}, []int{2}, [][]string{{"A", "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := sheet.Read([]byte(tt.data), 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tab.Header, tt.header) {
				t.Errorf("header: got %q, want %q", tab.Header, tt.header)
			}
			if len(tab.Records) != len(tt.cells) {
				t.Fatalf("got %d records, want %d", len(tab.Records), len(tt.cells))
			}
			for i, r := range tab.Records {
				if r.Line != tt.lines[i] || !slices.Equal(r.Cells, tt.cells[i]) {
					t.Errorf("record %d: got line %d %q, want %d %q", i, r.Line, r.Cells, tt.lines[i], tt.cells[i])
				}
			}
		})
	}
}

func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		kind sheet.Kind
		line int
	}{
		{"empty", []byte("\xEF\xBB\xBF  \n"), sheet.KindEmpty, 0},
		{"binary", []byte("Ad\nA\x00B\n"), sheet.KindBinary, 2},
		{"old excel", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, sheet.KindOldExcel, 0},
		{"windows-1254", []byte("Ad;Fiyat\n\xc7ay;5\n"), sheet.KindEncoding, 2},
		{"broken quotes", []byte("Ad;Fiyat\n\"A;1\nB\"x;2\n"), sheet.KindMalformed, 3},
		{"formula", []byte("Ad;Fiyat\nA;=1+1\n"), sheet.KindFormula, 2},
		{"too many", []byte("Ad\nA\nB\nC\n"), sheet.KindTooMany, 4},
		{"damaged xlsx", []byte("PK\x03\x04garbage"), sheet.KindMalformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sheet.Read(tt.data, 2)
			var e *sheet.Error
			if !errors.As(err, &e) || e.Kind != tt.kind || e.Line != tt.line {
				t.Fatalf("got %v, want %s at line %d", err, tt.kind, tt.line)
			}
		})
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]string{{"Kahve", "1.234,56", "1,3,6"}, {"Çay", "5", "1"}}
	if err := sheet.WriteXLSX(&buf, "Linkler", []string{"Ad", "Fiyat", "Taksitler"}, rows); err != nil {
		t.Fatal(err)
	}
	tab, err := sheet.Read(buf.Bytes(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Header, []string{"Ad", "Fiyat", "Taksitler"}) || len(tab.Records) != 2 ||
		!slices.Equal(tab.Records[0].Cells, rows[0]) || tab.Records[1].Line != 3 {
		t.Fatalf("got %+v", tab)
	}
}

func TestXLSXFormulaRefused(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"Ad", "Fiyat"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"Kahve", 5})
	_ = f.SetCellFormula("Sheet1", "B3", "B2*2")
	_ = f.SetCellValue("Sheet1", "A3", "Çay")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := sheet.Read(buf.Bytes(), 10)
	var e *sheet.Error
	if !errors.As(err, &e) || e.Kind != sheet.KindFormula || e.Line != 3 {
		t.Fatalf("got %v, want a formula at line 3", err)
	}
}

func BenchmarkReadXLSX50k(b *testing.B) {
	var rows [][]string
	for i := range 50000 {
		rows = append(rows, []string{"Ürün " + strconv.Itoa(i), "12,50", "TRY", "1,3", "", "", "", "", "", "", "", ""})
	}
	var buf bytes.Buffer
	if err := sheet.WriteXLSX(&buf, "Links", []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"}, rows); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d bytes", buf.Len())
	for b.Loop() {
		if _, err := sheet.Read(buf.Bytes(), 50000); err != nil {
			b.Fatal(err)
		}
	}
}
