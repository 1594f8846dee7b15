package handlers

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// csvDownload streams a CSV attachment: UTF-8 with a byte order mark, so
// spreadsheet programs read ş, ğ and İ correctly, then the header row, then
// whatever rows writes. Column names stay English so scripts can rely on
// them. Once the first byte is out the error handler cannot show a page any
// more, so a failure midway is logged.
func csvDownload(c echo.Context, filename string, header []string, rows func(write func([]string) error) error) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	_, err := io.WriteString(res, "\ufeff")
	if err == nil {
		err = w.Write(header)
	}
	if err == nil {
		err = rows(w.Write)
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		LoggerFrom(c).Error("csv export cut short", "file", filename, "err", err)
	}
	return nil
}

// csvSafe stops a cell from running as a spreadsheet formula: names, notes
// and even a failed login's e-mail are typed by people, so a value such as
// "=HYPERLINK(…)" gets an apostrophe in front, as OWASP advises.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
