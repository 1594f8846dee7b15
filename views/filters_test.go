package views

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// TestFilterErrorsBesideTheirFields renders each list's filters with every
// field in error: each message must stand beside its field, and every
// aria-describedby must name an element of the page (a field pointing at a
// message that is not there tells a screen reader nothing).
func TestFilterErrorsBesideTheirFields(t *testing.T) {
	l := NewLocale(LangEN)
	m := PageMeta{Locale: l, Title: "t", CSRF: "tok", Viewer: &Viewer{Email: "a@example.com", Role: "owner"}}
	errs := func(fields ...string) map[string]string {
		out := map[string]string{}
		for _, f := range fields {
			out[f] = "form.errors_title"
		}
		return out
	}
	for name, c := range map[string]struct {
		page   templ.Component
		fields []string
	}{
		"sales": {SalesPage(m, SalesListView{Form: SalesFilterForm{
			Errors: errs("from", "to", "source", "status", "currency", "link")}}),
			[]string{"from", "to", "source", "status", "currency", "link"}},
		"payments": {PaymentsPage(m, PaymentsListView{Form: PaymentFilterForm{
			Errors: errs("status", "from", "to", "min", "max", "staff")}}),
			[]string{"status", "from", "to", "min", "max", "staff"}},
		"audit": {AuditPage(m, AuditPageProps{Filter: AuditFilterForm{Errors: errs("actor", "from", "to")}}),
			[]string{"actor", "from", "to"}},
	} {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(renderString(t, c.page)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range c.fields {
			if doc.Find(`[data-testid="error-`+f+`"]`).Length() != 1 {
				t.Errorf("%s: no message beside the field %s", name, f)
			}
		}
		doc.Find("[aria-describedby]").Each(func(_ int, s *goquery.Selection) {
			for _, id := range strings.Fields(s.AttrOr("aria-describedby", "")) {
				if doc.Find("#"+id).Length() == 0 {
					t.Errorf("%s: #%s describes %s but is not on the page", name, id, s.AttrOr("id", "a field"))
				}
			}
		})
	}
}
