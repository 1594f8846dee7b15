package views

import (
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"linkdesk/routes"
)

// Paths of pages without parameters, built once from the route table.
var (
	PathLinks            = routes.Path(routes.Links)
	PathLinkNew          = routes.Path(routes.LinkNew)
	PathLinksCSV         = routes.Path(routes.LinksExport)
	PathLinksLabels      = routes.Path(routes.LinksLabels)
	PathLinksImport      = routes.Path(routes.LinksImport)
	PathLinksBulk        = routes.Path(routes.LinksBulk)
	PathLinksBulkConfirm = routes.Path(routes.LinksBulkConfirm)
	PathPayments         = routes.Path(routes.Payments)
	PathPaymentNew       = routes.Path(routes.PaymentNew)
	PathPaymentsCSV      = routes.Path(routes.PaymentsExport)
	PathPaymentProviders = routes.Path(routes.PaymentWallets) // the wallet <select> for a currency (htmx)
	PathHome             = routes.Path(routes.Home)
	PathSetup            = routes.Path(routes.SetupSubmit)
	PathLogin            = routes.Path(routes.LoginSubmit)
	PathLogout           = routes.Path(routes.Logout)
	PathLogoutAll        = routes.Path(routes.LogoutAll)
	PathAccount          = routes.Path(routes.Account)
	PathAccountPassword  = routes.Path(routes.AccountPass)
	PathUsers            = routes.Path(routes.Users)
	PathUserNew          = routes.Path(routes.UserNew)
	PathAudit            = routes.Path(routes.Audit)
	PathAuditCSV         = routes.Path(routes.AuditExport)
	PathSales            = routes.Path(routes.Sales)
	PathSalesCSV         = routes.Path(routes.SalesExport)
)

// OverviewPollURL is what the overview polls: the fragment, or nothing
// (204) while the sales version is still version.
func OverviewPollURL(version int64) string {
	return PathHome + "?since=" + strconv.FormatInt(version, 10)
}

// LinkSalesURL is a link's sales section, polled like the overview.
func LinkSalesURL(id, version int64) string {
	return routes.Path(routes.LinkSales, id) + "?since=" + strconv.FormatInt(version, 10)
}

// SaleRefundURL is the refund form of link payment id.
func SaleRefundURL(id string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.SaleRefund, id))
}

// LinkURL is a link's detail page.
func LinkURL(id int64) templ.SafeURL { return templ.SafeURL(routes.Path(routes.LinkShow, id)) }

// LinkEditURL is a link's edit form.
func LinkEditURL(id int64) templ.SafeURL { return templ.SafeURL(routes.Path(routes.LinkEdit, id)) }

// LinkStatusURL switches a link between ACTIVE and PASSIVE.
func LinkStatusURL(id int64) string { return routes.Path(routes.LinkStatus, id) }

// LinkDeleteURL deletes a link.
func LinkDeleteURL(id int64) string { return routes.Path(routes.LinkDelete, id) }

// LinkQRPNGURL is a link's QR as PNG, size pixels wide (0 = default).
func LinkQRPNGURL(id int64, size int) string {
	p := routes.Path(routes.LinkQRPNG, id)
	if size > 0 {
		return p + "?size=" + strconv.Itoa(size)
	}
	return p
}

// LinkQRSVGURL is a link's QR as SVG, for print.
func LinkQRSVGURL(id int64) string { return routes.Path(routes.LinkQRSVG, id) }

// LinkPrintURL is a link's print sheet in a layout: poster, card or tent.
func LinkPrintURL(id int64, layout string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.LinkPrint, id) + "?layout=" + url.QueryEscape(layout))
}

// LabelsURL is a label sheet for several links.
func LabelsURL(ids []int64) templ.SafeURL {
	q := url.Values{}
	for _, id := range ids {
		q.Add("id", strconv.FormatInt(id, 10))
	}
	return templ.SafeURL(PathLinksLabels + "?" + q.Encode())
}

// UserURL is a person's management page.
func UserURL(id int64) templ.SafeURL { return templ.SafeURL(routes.Path(routes.UserShow, id)) }

// userActionURL is where a change to a person is posted: role, password,
// disable or enable.
func userActionURL(id int64, action routes.Name) templ.SafeURL {
	return templ.SafeURL(routes.Path(action, id))
}

// PaymentURL is a payment's counter screen; code is our merchant unique code.
func PaymentURL(code string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.PaymentShow, code))
}

// PaymentStatusURL is the status fragment the counter screen polls.
func PaymentStatusURL(code string) string { return routes.Path(routes.PaymentStatus, code) }

// PaymentQRURL is the payment's QR code as an image.
func PaymentQRURL(code string) string { return routes.Path(routes.PaymentQR, code) }

// PaymentRetryURL starts a payment again whose start failed.
func PaymentRetryURL(code string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.PaymentRetry, code))
}

// PaymentCheckURL asks the provider for the payment's status now.
func PaymentCheckURL(code string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.PaymentCheck, code))
}

// PaymentRefundURL is the refund form.
func PaymentRefundURL(code string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.PaymentRefund, code))
}
