// Package sheet reads and writes the spreadsheets people exchange with
// Linkdesk: CSV as spreadsheet programs save it (UTF-8 with or without a
// byte-order mark, separated by commas or, as Turkish Excel writes it,
// semicolons) and XLSX. It knows nothing of links: a sheet is a header and
// records of text cells, each with the line a spreadsheet shows for it.
package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is a sheet's header and data records.
type Table struct {
	Header  []string
	Records []Record
}

// Record is one data row: the line a spreadsheet shows for it (the header
// is line 1) and its cells.
type Record struct {
	Line  int
	Cells []string
}

// Kind says why a file cannot be read.
type Kind string

// Kinds of unreadable files.
const (
	KindEmpty     Kind = "empty"     // no header row
	KindBinary    Kind = "binary"    // not a spreadsheet at all
	KindOldExcel  Kind = "old_excel" // a .xls from before 2007
	KindEncoding  Kind = "encoding"  // text that is not UTF-8
	KindMalformed Kind = "malformed" // broken quoting, a damaged XLSX
	KindFormula   Kind = "formula"   // a cell computed by a formula
	KindTooMany   Kind = "too_many"  // more records than allowed
)

// Error is a file that cannot be read; Line and Column (1-based, 0 when
// unknown) point at the first problem.
type Error struct {
	Kind         Kind
	Line, Column int
	Err          error
}

func (e *Error) Error() string {
	s := "sheet: " + string(e.Kind)
	if e.Line > 0 {
		s += fmt.Sprintf(" at line %d", e.Line)
	}
	if e.Column > 0 {
		s += fmt.Sprintf(" column %d", e.Column)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

var (
	zipMagic  = []byte("PK\x03\x04")
	ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	bom       = []byte("\xEF\xBB\xBF")
)

// Read reads a CSV or XLSX file (told apart by content, not name) with at
// most maxRecords data records; blank records count too, as the file has
// them.
func Read(data []byte, maxRecords int) (*Table, error) {
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return readXLSX(data, maxRecords)
	case bytes.HasPrefix(data, ole2Magic):
		return nil, &Error{Kind: KindOldExcel}
	}
	return readCSV(data, maxRecords)
}

func readCSV(data []byte, maxRecords int) (*Table, error) {
	data = bytes.TrimPrefix(data, bom)
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, &Error{Kind: KindBinary, Line: 1 + bytes.Count(data[:i], []byte("\n"))}
	}
	if !utf8.Valid(data) {
		line := 1
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			if r == '\n' {
				line++
			}
			i += size
		}
		return nil, &Error{Kind: KindEncoding, Line: line}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{Kind: KindEmpty}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1 // spreadsheets drop trailing empty cells
	t := &Table{}
	for {
		cells, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			e := &Error{Kind: KindMalformed, Err: err}
			if errors.As(err, &pe) {
				e.Line, e.Column = pe.Line, pe.Column
			}
			return nil, e
		}
		line, _ := r.FieldPos(0)
		for i, c := range cells {
			// A spreadsheet would compute a cell that starts with "=":
			// what it shows is not what the file says.
			if strings.HasPrefix(c, "=") {
				return nil, &Error{Kind: KindFormula, Line: line, Column: i + 1}
			}
		}
		if t.Header == nil {
			t.Header = cells
			continue
		}
		if len(t.Records) == maxRecords {
			return nil, &Error{Kind: KindTooMany, Line: line}
		}
		t.Records = append(t.Records, Record{Line: line, Cells: cells})
	}
	return t, nil
}

// separator picks the header line's most frequent separator outside
// quotes: semicolon (Turkish Excel), tab, or comma (the default).
func separator(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(data) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '\n':
			goto done
		case r == ';' || r == ',' || r == '\t':
			counts[r]++
		}
	}
done:
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// xlsxLimit bounds what an XLSX may unpack to: a 10 MB upload of real
// data unpacks to far less, a zip bomb to far more.
const xlsxLimit = 256 << 20

// readXLSX reads the first worksheet with cells as stored (not as their
// number format shows them: "1234.5", not "1.234,50 ₺"), so dates come as
// serial numbers.
func readXLSX(data []byte, maxRecords int) (*Table, error) {
	if err := checkFormulas(data); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: xlsxLimit, UnzipXMLSizeLimit: xlsxLimit})
	if err != nil {
		return nil, &Error{Kind: KindMalformed, Err: err}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &Error{Kind: KindEmpty}
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, &Error{Kind: KindMalformed, Err: err}
	}
	t := &Table{}
	for i, cells := range rows {
		line := i + 1
		if t.Header == nil {
			if len(cells) == 0 {
				return nil, &Error{Kind: KindEmpty}
			}
			t.Header = cells
			continue
		}
		if len(t.Records) == maxRecords {
			return nil, &Error{Kind: KindTooMany, Line: line}
		}
		t.Records = append(t.Records, Record{Line: line, Cells: cells})
	}
	if t.Header == nil {
		return nil, &Error{Kind: KindEmpty}
	}
	return t, nil
}

// formulaElement is a cell's formula in worksheet XML (<f>, <f t="shared"
// …/>, with or without a namespace prefix).
var formulaElement = regexp.MustCompile(`<(?:\w+:)?f[\s>/]`)

// checkFormulas refuses a workbook with a formula in any worksheet: what
// a spreadsheet shows for it is computed, and the file may not even hold
// the result. Reading the XML is far cheaper than asking cell by cell.
func checkFormulas(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &Error{Kind: KindMalformed, Err: err}
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return &Error{Kind: KindMalformed, Err: err}
		}
		xml, err := io.ReadAll(io.LimitReader(rc, xlsxLimit))
		rc.Close()
		if err != nil {
			return &Error{Kind: KindMalformed, Err: err}
		}
		if loc := formulaElement.FindIndex(xml); loc != nil {
			return &Error{Kind: KindFormula, Line: formulaRow(xml[:loc[0]])}
		}
	}
	return nil
}

// formulaRow is the row number of the last <row r="N"> before a formula.
func formulaRow(before []byte) int {
	i := bytes.LastIndex(before, []byte(`<row r="`))
	if i < 0 {
		return 0
	}
	rest := before[i+len(`<row r="`):]
	n, _ := strconv.Atoi(string(rest[:max(bytes.IndexByte(rest, '"'), 0)]))
	return n
}
