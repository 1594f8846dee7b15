package views

import (
	"slices"
	"strconv"

	"linkdesk/app"
)

// Layouts of one link's print sheet (see the print anchors, §3).
const (
	PrintPoster = "poster" // A4 portrait, one code of 11 cm
	PrintCard   = "card"   // A4 portrait, four cards of 9 × 13.3 cm with crop marks
	PrintTent   = "tent"   // A4 landscape folded in two, a face each way up
)

// PrintLayouts lists the one-link layouts in the switcher's order; the
// first is the default.
var PrintLayouts = []string{PrintPoster, PrintCard, PrintTent}

// ValidPrintLayout reports whether s names a one-link layout.
func ValidPrintLayout(s string) bool { return slices.Contains(PrintLayouts, s) }

// Label sheets follow Avery L7160: 3 × 7 labels of 63.5 × 38.1 mm on A4.
const LabelsPerSheet = 21

// PrintProps is one link's print sheet.
type PrintProps struct {
	Layout string
	Link   *app.Link
}

// LabelFailure is a requested link that got no label.
type LabelFailure struct {
	ID      string // as requested
	Message string // translated
}

// LabelsProps is a label sheet: the links found, in the order asked (a link
// asked twice gets two labels), and the ones that could not be loaded.
type LabelsProps struct {
	Links    []*app.Link
	Failures []LabelFailure
}

// Sheets splits the labels into pages of LabelsPerSheet.
func (p LabelsProps) Sheets() [][]*app.Link {
	return slices.Collect(slices.Chunk(p.Links, LabelsPerSheet))
}

// installments is "12 taksit" for a link that allows more than one
// installment, and "" for single payment only.
func installments(l Locale, p *app.Link) string {
	if n := slices.Max(append([]int{1}, p.EnabledInstallments...)); n > 1 {
		return l.Tf("print.installments", n)
	}
	return ""
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
