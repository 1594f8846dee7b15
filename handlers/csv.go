package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
)

// ErrCutShort is returned by a handler whose answer was already on its way
// (status 200 and part of the body sent) when it failed. The request logger
// logs it as the failure it is and then drops the connection, so the
// browser reports a failed download instead of saving a short file.
var ErrCutShort = errors.New("response cut short")

// exportWriteWindow is how long one piece of a streamed download may take
// to reach the client. The server's write timeout bounds a whole answer; a
// long export instead pushes its deadline forward while it makes progress,
// so only a client that stops reading for this long is cut off.
var exportWriteWindow = 30 * time.Second

// exportName is an export's file name: what it holds, then the minute it
// was made in the shop's zone, so a day's exports sort and do not collide.
func exportName(kind string, at time.Time) string {
	return kind + "-" + at.Format("20060102-1504") + ".csv"
}

// shopZone is loc, or the core's default zone when none is given: days
// and times on pages begin where the core's totals do, never in the host's
// zone.
func shopZone(loc *time.Location) *time.Location {
	if loc == nil {
		return app.DefaultLocation()
	}
	return loc
}

// csvDownload streams a CSV attachment: UTF-8 with a byte order mark, so
// spreadsheet programs read ş, ğ and İ correctly, then the header row, then
// whatever rows writes. Column names stay English so scripts can rely on
// them. Nothing is sent before the first row is ready (or rows ends), so a
// failure to read anything at all, such as a provider that does not answer,
// still shows the person an error page; once the first byte is out it
// cannot, so a failure midway ends as ErrCutShort.
func csvDownload(c echo.Context, filename string, header []string, rows func(write func([]string) error) error) error {
	var (
		out *streamWriter
		w   *csv.Writer
	)
	start := func() error {
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
		res.WriteHeader(http.StatusOK)
		out = newStreamWriter(res)
		w = csv.NewWriter(out)
		if _, err := io.WriteString(out, "\ufeff"); err != nil {
			return err
		}
		if err := w.Write(header); err != nil {
			return err
		}
		return out.push(w)
	}
	err := rows(func(rec []string) error {
		if w == nil {
			if err := start(); err != nil {
				return err
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
		return out.keepAlive(w)
	})
	if w == nil { // not a byte sent yet
		if err != nil {
			return err
		}
		err = start()
	}
	w.Flush() // what was written before a failure reaches the client too
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		return fmt.Errorf("%w: csv export %s: %w", ErrCutShort, filename, err)
	}
	return nil
}

// streamWriter is a response being streamed: it moves the write deadline
// forward while the download makes progress.
type streamWriter struct {
	io.Writer
	rc       *http.ResponseController
	extended time.Time
}

func newStreamWriter(res *echo.Response) *streamWriter {
	s := &streamWriter{Writer: res, rc: http.NewResponseController(res)}
	s.extend()
	return s
}

// extend gives the next piece exportWriteWindow to reach the client. A
// writer without deadlines (a test recorder) needs none.
func (s *streamWriter) extend() {
	s.extended = time.Now()
	_ = s.rc.SetWriteDeadline(s.extended.Add(exportWriteWindow))
}

// push sends what is buffered now and renews the deadline.
func (s *streamWriter) push(w *csv.Writer) error {
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	s.extend()
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// keepAlive pushes when a quarter of the window has passed since the last
// renewal, so a steady download never meets its deadline.
func (s *streamWriter) keepAlive(w *csv.Writer) error {
	if time.Since(s.extended) < exportWriteWindow/4 {
		return nil
	}
	return s.push(w)
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
