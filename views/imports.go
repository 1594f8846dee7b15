package views

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/a-h/templ"

	"linkdesk/app"
	"linkdesk/routes"
)

// MaxShownProblems bounds the bad rows a page lists; the report has all.
const MaxShownProblems = 500

// Template formats and languages offered for download.
var (
	ImportTemplateFormats = []string{"xlsx", "csv"}
	ImportTemplateLangs   = Langs
)

// importFold is how headers are compared: trimmed, Turkish lower case,
// inner spaces, dots and dashes ignored ("Sipariş No", "sipariş-no").
func importFold(s string) string {
	s = strings.ToLowerSpecial(unicode.TurkishCase, strings.TrimSpace(s))
	return strings.NewReplacer(" ", "", ".", "", "-", "", "_", "").Replace(s)
}

// importHeaders maps every accepted header to its field: the field's
// label in both languages (as the templates write them) and its API name.
var importHeaders = func() map[string]string {
	m := make(map[string]string)
	for _, f := range app.LinkFields {
		for _, l := range []Locale{NewLocale(LangTR), NewLocale(LangEN)} {
			m[importFold(l.T("links.field."+f))] = f
		}
		m[importFold(f)] = f
	}
	return m
}()

// ImportColumns names the field of each header of an uploaded sheet.
func ImportColumns(header []string) []app.ImportColumn {
	cols := make([]app.ImportColumn, len(header))
	for i, h := range header {
		cols[i] = app.ImportColumn{Header: strings.TrimSpace(h), Field: importHeaders[importFold(h)]}
	}
	return cols
}

// ImportTemplate is the template's header and example row in l's language:
// every link field, with the amount and date written as people there do.
func ImportTemplate(l Locale) (header []string, example []string) {
	for _, f := range app.LinkFields {
		header = append(header, l.T("links.field."+f))
	}
	if l.Lang == LangTR {
		return header, []string{"Filtre kahve 250 g", "Etiyopya, çekirdek", "249,90", "TRY", "1,3,6", "100", "mağaza", "", "", "KAHVE-250",
			"31.12.2027", "Aktif"}
	}
	return header, []string{"Filter coffee 250 g", "Ethiopia, whole bean", "249.90", "TRY", "1,3,6", "100", "shop", "", "", "COFFEE-250",
		"2027-12-31", "ACTIVE"}
}

// ImportTemplateURL downloads the template in a language and format.
func ImportTemplateURL(lang Lang, format string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.LinksImportTemplate) + "?" + url.Values{"lang": {string(lang)}, "format": {format}}.Encode())
}

// ImportJobURL is an import's page.
func ImportJobURL(id int64) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.LinksImportShow, id))
}

// ImportStartURL starts an import.
func ImportStartURL(id int64) string { return routes.Path(routes.LinksImportStart, id) }

// ImportProgressURL is an import's progress fragment.
func ImportProgressURL(id int64) string { return routes.Path(routes.LinksImportProgress, id) }

// ImportReportURL downloads an import's report.
func ImportReportURL(id int64) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.LinksImportReport, id))
}

// ImportPageProps is the upload page.
type ImportPageProps struct {
	Jobs  []app.ImportJob
	Error string // the refused file's problem, translated
	CSRF  string
}

// ImportJobProps is one import's page: its preview or its progress.
type ImportJobProps struct {
	Job      app.ImportJob
	Problems []app.ImportRow // invalid rows (preview) or refused and failed ones
	CSRF     string
}

// Running reports whether the page should keep asking for progress.
func (p ImportJobProps) Running() bool { return p.Job.State == app.ImportRunning }

// ImportProblemText is a row's problem in l's language.
func ImportProblemText(l Locale, p app.ImportProblem) string {
	s := l.T(p.Key)
	if p.Line > 0 {
		s = l.Tf(p.Key, p.Line)
	}
	if p.Code != "" {
		s += " (" + l.Tf("import.row.provider_code", p.Code)
		if p.Detail != "" {
			s += ": " + p.Detail
		}
		s += ")"
	} else if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// ImportColumnText names the column a problem is in.
func ImportColumnText(l Locale, p app.ImportProblem) string {
	switch {
	case p.Column != "":
		return p.Column
	case p.Field != "":
		return l.T("links.field." + p.Field)
	}
	return "—"
}

func importStateKey(s app.ImportJobState) string { return "import.state." + string(s) }

func itoa(n int) string { return strconv.Itoa(n) }
