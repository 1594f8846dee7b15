package sheet

import (
	"encoding/csv"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteCSV writes a header and rows as CSV with a byte-order mark, so
// spreadsheet programs read Turkish letters right; comma is the separator
// (semicolon for Turkish Excel).
func WriteCSV(w io.Writer, comma rune, header []string, rows [][]string) error {
	if _, err := w.Write(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = comma
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// WriteXLSX writes a header and rows as one worksheet named name, every
// column formatted as text so a spreadsheet program keeps what is typed
// ("1,3,6" is not a number, "0012" keeps its zeros).
func WriteXLSX(w io.Writer, name string, header []string, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	last, err := excelize.ColumnNumberToName(max(len(header), 1))
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := f.SetColStyle(name, "A:"+last, text); err != nil {
		return err
	}
	if err := f.SetColWidth(name, "A", last, 18); err != nil {
		return err
	}
	for i, cells := range append([][]string{header}, rows...) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := make([]any, len(cells))
		for j, c := range cells {
			row[j] = c
		}
		if err := f.SetSheetRow(name, cell, &row); err != nil {
			return err
		}
	}
	if err := f.SetRowStyle(name, 1, 1, bold); err != nil {
		return err
	}
	return f.Write(w)
}
