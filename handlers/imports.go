package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/sheet"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
)

// ImportService is what the import pages need of the core (*app.Imports).
type ImportService interface {
	Preview(ctx context.Context, by app.Actor, f app.ImportFile) (*app.ImportJob, error)
	Job(ctx context.Context, id int64) (*app.ImportJob, error)
	Jobs(ctx context.Context, limit int) ([]app.ImportJob, error)
	Rows(ctx context.Context, jobID int64, states []app.ImportRowState, limit, offset int) ([]app.ImportRow, error)
	EachRow(ctx context.Context, jobID int64, fn func(app.ImportRow) error) error
	Start(ctx context.Context, id int64) (*app.ImportJob, error)
}

// Imports serves the spreadsheet import: upload, preview, start, progress
// and report.
type Imports struct {
	site    Site
	imports ImportService
	now     func() time.Time
}

// NewImports returns the import handlers.
func NewImports(site Site, imports ImportService, now func() time.Time) *Imports {
	return &Imports{site: site, imports: imports, now: now}
}

// recentImports is how many imports the upload page lists.
const recentImports = 10

// Index is the upload form with the latest imports.
func (h *Imports) Index(c echo.Context) error { return h.renderIndex(c, http.StatusOK, "") }

func (h *Imports) renderIndex(c echo.Context, status int, problem string) error {
	jobs, err := h.imports.Jobs(c.Request().Context(), recentImports)
	if err != nil {
		return err
	}
	p := views.ImportPageProps{Jobs: jobs, Error: problem, CSRF: CSRFToken(c)}
	return render(c, status, views.ImportPage(h.site.Meta(c, "links", "import.title"), p), nil)
}

// Upload reads the file, checks every row and shows the preview. A file
// that cannot be read at all is refused with one message; nothing is kept.
func (h *Imports) Upload(c echo.Context) error {
	l := LocaleFrom(c)
	fh, err := c.FormFile("file")
	if err != nil {
		return h.renderIndex(c, http.StatusUnprocessableEntity, l.T("import.err.file_missing"))
	}
	if fh.Size > app.MaxImportBytes {
		return h.renderIndex(c, http.StatusRequestEntityTooLarge, l.T("import.err.too_large"))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, app.MaxImportBytes+1))
	if err != nil {
		return err
	}
	tab, err := sheet.Read(data, app.MaxImportRows)
	if err != nil {
		return h.refused(c, err)
	}
	file := app.ImportFile{Name: fh.Filename, Columns: views.ImportColumns(tab.Header), Records: make([]app.ImportRecord, len(tab.Records))}
	for i, r := range tab.Records {
		file.Records[i] = app.ImportRecord{Line: r.Line, Cells: r.Cells}
	}
	job, err := h.imports.Preview(c.Request().Context(), actorOf(c), file)
	if err != nil {
		return h.refused(c, err)
	}
	LoggerFrom(c).Info("import previewed", "job", job.ID, "rows", job.TotalRows)
	return redirect(c, string(views.ImportJobURL(job.ID)))
}

// refused shows why a file cannot be imported on the upload form.
func (h *Imports) refused(c echo.Context, err error) error {
	l := LocaleFrom(c)
	var (
		se *sheet.Error
		fe *app.ImportFileError
	)
	switch {
	case errors.As(err, &se):
		LoggerFrom(c).Info("import file refused", "kind", se.Kind, "line", se.Line, "err", err)
		var msg string
		switch se.Kind {
		case sheet.KindEncoding, sheet.KindMalformed, sheet.KindFormula:
			msg = l.Tf("import.err."+string(se.Kind), se.Line)
		case sheet.KindTooMany:
			msg = l.T("import.err.too_many_rows")
		default:
			msg = l.T("import.err." + string(se.Kind))
		}
		return h.renderIndex(c, http.StatusUnprocessableEntity, msg)
	case errors.As(err, &fe):
		msg := l.T(fe.Key)
		if fe.Column != "" {
			msg = l.Tf(fe.Key, fe.Column)
		}
		return h.renderIndex(c, http.StatusUnprocessableEntity, msg)
	}
	return err
}

// Template downloads the template in ?lang= (tr or en) and ?format= (xlsx
// or csv): every column, with an example row.
func (h *Imports) Template(c echo.Context) error {
	lang, ok := views.ParseLang(c.QueryParam("lang"))
	if !ok {
		lang = LocaleFrom(c).Lang
	}
	l := views.NewLocale(lang)
	header, example := views.ImportTemplate(l)
	var buf bytes.Buffer
	name := "linkdesk-" + string(lang)
	switch c.QueryParam("format") {
	case "csv":
		comma := ','
		if lang == views.LangTR {
			comma = ';' // what Turkish Excel writes and reads
		}
		if err := sheet.WriteCSV(&buf, comma, header, [][]string{example}); err != nil {
			return err
		}
		return attachment(c, name+".csv", "text/csv; charset=utf-8", buf.Bytes())
	case "", "xlsx":
		if err := sheet.WriteXLSX(&buf, l.T("links.title"), header, [][]string{example}); err != nil {
			return err
		}
		return attachment(c, name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	}
	return errNotFound
}

func attachment(c echo.Context, name, mime string, data []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, mime, data)
}

// Show is an import's page: its preview, or its progress and report.
func (h *Imports) Show(c echo.Context) error {
	p, err := h.props(c)
	if err != nil {
		return err
	}
	m := h.site.Meta(c, "links", "import.title")
	return render(c, http.StatusOK, views.ImportJobPage(m, p), views.ImportProgress(m.Locale, p))
}

// Progress is the polled progress of an import (the whole page without htmx).
func (h *Imports) Progress(c echo.Context) error { return h.Show(c) }

// Start hands the previewed rows to the import workers.
func (h *Imports) Start(c echo.Context) error {
	id, err := importID(c)
	if err != nil {
		return err
	}
	if _, err := h.imports.Start(c.Request().Context(), id); err != nil {
		return err
	}
	LoggerFrom(c).Info("import started", "job", id)
	flash.Success(c, LocaleFrom(c).T("import.started"))
	return redirect(c, string(views.ImportJobURL(id)))
}

// Report downloads every row's outcome: the created link's id and URL, or
// why the row was not imported, in the person's language.
func (h *Imports) Report(c echo.Context) error {
	id, err := importID(c)
	if err != nil {
		return err
	}
	job, err := h.imports.Job(c.Request().Context(), id)
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	header := []string{"line", "state", "linkId", "url", "column", "problem"}
	return csvDownload(c, "import-"+strconv.FormatInt(job.ID, 10)+".csv", header, func(write func([]string) error) error {
		return h.imports.EachRow(c.Request().Context(), job.ID, func(r app.ImportRow) error {
			row := []string{strconv.Itoa(r.Line), l.T("import.report.state." + string(r.State)), "", r.LinkURL, "", ""}
			if r.LinkID != 0 {
				row[2] = strconv.FormatInt(r.LinkID, 10)
			}
			if len(r.Problems) == 0 {
				return write(row)
			}
			for _, p := range r.Problems {
				row[4], row[5] = csvSafe(views.ImportColumnText(l, p)), csvSafe(views.ImportProblemText(l, p))
				if err := write(row); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// props loads an import and the rows its page lists.
func (h *Imports) props(c echo.Context) (views.ImportJobProps, error) {
	id, err := importID(c)
	if err != nil {
		return views.ImportJobProps{}, err
	}
	ctx := c.Request().Context()
	job, err := h.imports.Job(ctx, id)
	if err != nil {
		return views.ImportJobProps{}, err
	}
	states := []app.ImportRowState{app.ImportRowRefused, app.ImportRowFailed}
	if job.State == app.ImportPreview {
		states = []app.ImportRowState{app.ImportRowInvalid}
	}
	// A running import's polls skip the list until it is done.
	var rows []app.ImportRow
	if job.State != app.ImportRunning || !htmx.Parse(c.Request()).Partial() {
		if rows, err = h.imports.Rows(ctx, id, states, views.MaxShownProblems, 0); err != nil {
			return views.ImportJobProps{}, err
		}
	}
	return views.ImportJobProps{Job: *job, Problems: rows, CSRF: CSRFToken(c)}, nil
}

func importID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
