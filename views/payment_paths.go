package views

import (
	"net/url"

	"github.com/a-h/templ"
)

// Paths of the QR payment pages.
const (
	PathPayments         = "/payments"
	PathPaymentNew       = "/payments/new"
	PathPaymentsCSV      = "/payments/export.csv"
	PathPaymentProviders = "/payments/providers" // the provider <select> for a currency (htmx)
)

// PaymentURL is a payment's counter screen; code is our merchant unique code.
func PaymentURL(code string) templ.SafeURL { return templ.SafeURL(paymentPath(code, "")) }

// PaymentStatusURL is the status fragment the counter screen polls.
func PaymentStatusURL(code string) string { return paymentPath(code, "/status") }

// PaymentQRURL is the payment's QR code as an image.
func PaymentQRURL(code string) string { return paymentPath(code, "/qr.png") }

// PaymentRetryURL starts a payment again whose start failed.
func PaymentRetryURL(code string) templ.SafeURL { return templ.SafeURL(paymentPath(code, "/retry")) }

// PaymentCheckURL asks the provider for the payment's status now.
func PaymentCheckURL(code string) templ.SafeURL { return templ.SafeURL(paymentPath(code, "/check")) }

// PaymentRefundURL is the refund form.
func PaymentRefundURL(code string) templ.SafeURL { return templ.SafeURL(paymentPath(code, "/refund")) }

// PaymentCallbackPath is where the provider reports a result: kind is
// "success" or "fail"; token is the payment's secret callback token.
func PaymentCallbackPath(token, kind string) string {
	return "/callbacks/paywall/" + url.PathEscape(token) + "/" + kind
}

func paymentPath(code, suffix string) string {
	return PathPayments + "/" + url.PathEscape(code) + suffix
}
