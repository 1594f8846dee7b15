package views

// Element ids that htmx swaps target; handlers compare HX-Target against them.
const (
	IDFlash = "flash"
	IDMain  = "main"
)

// Links pages (#3).
const (
	IDLinksTable    = "links-table"
	IDLinkRowPrefix = "link-row-" // + the link id; see LinkRowID
	IDLinkDetail    = "link-detail"
	IDLinkForm      = "link-form"
	IDLinkLabels    = "link-labels" // the bulk "print labels" form the row checkboxes belong to
	IDLinkSearch    = "link-search"
)

// Accounts (#4): the audit log's filter results.
const IDAuditResults = "audit-results"
