package views

import (
	"net/url"

	"github.com/a-h/templ"

	"linkdesk/app"
	"linkdesk/routes"
)

// PaymentCustomerURL is a payment's customer screen.
func PaymentCustomerURL(code string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.PaymentCustomer, code))
}

// CustomerStatusURL is what a customer screen showing a payment in status
// shown polls: the server answers only when there is something new.
func CustomerStatusURL(code string, shown app.PaymentStatus) string {
	return routes.Path(routes.PaymentCustomerStatus, code) + "?shown=" + url.QueryEscape(string(shown))
}

// PaymentAgainURL takes a declined or expired payment again.
func PaymentAgainURL(code string) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.PaymentAgain, code))
}

// customerOutcome is what the customer is told of a settled payment: a
// refund made later is none of the screen's business, it was paid.
func customerOutcome(s app.PaymentStatus) string {
	switch s {
	case app.PaymentStatusFailed, app.PaymentStatusExpired:
		return string(s)
	}
	return string(app.PaymentStatusPaid)
}

var customerIcons = map[string]string{"paid": "✓", "failed": "✕", "expired": "⌛"}
