package views

// Element ids that htmx swaps target; handlers compare HX-Target against them.
const (
	IDFlash = "flash"
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

// Payments (#5): the counter screen's panel (swapped whole when the payment
// settles), its polled status line, the new-payment form's provider field
// and the list's results (table and pager).
const (
	IDPaymentPanel    = "payment-panel"
	IDPaymentStatus   = "payment-status"
	IDPaymentProvider = "payment-provider-field"
	IDPaymentsResults = "payments-results"
)

// The counter's customer screen (#14): its panel, swapped when the payment
// settles and when the next one starts.
const IDCustomerPanel = "customer-panel"

// Sales (#12): the overview's polled part, the sales list's results and a
// link's polled sales section.
const (
	IDOverview     = "overview"
	IDSalesResults = "sales-results"
	IDLinkSales    = "link-sales"
)

// Bulk links (#15): an import's polled progress, the list's count.
const (
	IDImportProgress = "import-progress"
	IDLinksCount     = "links-count"
)
