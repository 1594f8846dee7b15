package views

// Viewer is the signed-in person as the layout shows them.
type Viewer struct {
	Email string
	Role  string
}

// Flash is a one-time message shown at the top of the page.
type Flash struct {
	Kind string // success, info, warning, error
	Text string
	Undo *FlashUndo
}

// FlashUndo is the button beside a message that reactivates the links it
// deactivated: a form posting the list's bulk activate.
type FlashUndo struct {
	Links []int64
	Next  string
	CSRF  string
	Label string
}

// PageMeta is what the layout needs around every full page.
type PageMeta struct {
	Locale  Locale
	Title   string // already translated
	Nav     string // the active top-level section: "home", "links", "payments", "users", "audit"
	Path    string // the current path with query, for the language switch
	CSRF    string
	Viewer  *Viewer // nil when signed out
	Flashes []Flash
	Sandbox bool // an API runs against the embedded sandbox
	// Merchant is the shop's name for page headers and print sheets.
	Merchant string
	// Memo renders the part every page repeats (the head assets) through
	// the handlers' fragment cache. The header is not cached: its language
	// links carry the page's URL, so it would rarely be asked for twice.
	Memo Memo
}

// Can reports whether the viewer's role may do something that needs at
// least role min (owner > staff > viewer). Views use it only to hide
// controls; handlers enforce the same rule.
func (m PageMeta) Can(min string) bool {
	if m.Viewer == nil {
		return false
	}
	return roleRank[m.Viewer.Role] >= roleRank[min]
}

var roleRank = map[string]int{"viewer": 1, "staff": 2, "owner": 3}
