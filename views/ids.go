package views

// Element ids that htmx swaps target; handlers compare HX-Target against them.
const (
	IDFlash = "flash"
	IDMain  = "main"
)

// Accounts (#4): the audit log's filter results.
const IDAuditResults = "audit-results"
