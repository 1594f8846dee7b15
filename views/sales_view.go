package views

import (
	"time"

	"github.com/a-h/templ"

	"linkdesk/app"
)

// Sales pages (#12): the overview, the sales list, a link's sales and the
// refund of a link payment.

// OverviewView is the page a signed-in person lands on.
type OverviewView struct {
	Overview *app.Overview
	Loc      *time.Location // the shop's zone
	Staff    bool           // may take a QR payment
}

// SalesListView is one page of the filtered sales list.
type SalesListView struct {
	Form  SalesFilterForm
	Sales []app.Sale
	Total int
	// Link is the link the list is narrowed to, when the record has it.
	Link *app.Link
	Loc  *time.Location
}

// LinkSalesProps is the sales section of a link's page.
type LinkSalesProps struct {
	View *app.LinkSalesView
	// Link gives the sold count and stock: Craftgate's on a page load, the
	// local record's (refreshed after each payment) when the section polls.
	Link  app.Link
	Loc   *time.Location
	Owner bool // may refund
}

// SaleRefundView is the refund page of a link payment.
type SaleRefundView struct {
	Payment  app.LinkPayment
	LinkName string
	Loc      *time.Location
	RefundAttempt
}

// NewSaleRefundForm pre-fills what remains of p, written as the person's
// language writes amounts.
func NewSaleRefundForm(l Locale, p *app.LinkPayment) RefundForm {
	return RefundForm{Amount: l.Number(p.Remaining(), p.Currency.Places())}
}

// periodKey names a period of the overview by its length in days.
func periodKey(days int) string {
	switch days {
	case 1:
		return "sales.today"
	case 7:
		return "sales.days7"
	}
	return "sales.days30"
}

// saleURL is where a sale's row leads: the QR payment's screen, or the
// link's page; none for a link payment no link claims.
func saleURL(s app.Sale) templ.SafeURL {
	switch {
	case s.Source == app.SaleSourceQR:
		return PaymentURL(s.Ref)
	case s.LinkID != 0:
		return LinkURL(s.LinkID)
	}
	return ""
}

// saleWhat names what was sold: the link, or the QR payment's description.
func saleWhat(l Locale, s app.Sale) string {
	switch {
	case s.Source == app.SaleSourceQR:
		return s.Description
	case s.LinkName != "":
		return s.LinkName
	case s.LinkID != 0:
		return l.Tf("sales.link_n", s.LinkID)
	}
	return l.T("sales.no_link")
}

// saleWho is who paid (a link payment's cardholder) or who took the
// payment (a QR payment's staff).
func saleWho(s app.Sale) string {
	if s.Source == app.SaleSourceQR {
		return s.Staff
	}
	return s.Payer
}

// saleRefundable reports whether an owner may refund a link sale here
// (QR payments are refunded from their own screen).
func saleRefundable(s app.Sale) bool {
	return s.Source == app.SaleSourceLink && s.Status.Refundable() && s.Amount.GreaterThan(s.Refunded)
}

// saleStatus is a sale's status badge text key.
func saleStatus(s app.Sale) string { return "payment.status." + string(s.Status) }

func installmentText(l Locale, n int) string {
	if n <= 1 {
		return l.T("links.single_payment")
	}
	return l.Tf("sales.installments", n)
}

// chartID is a chart's id on a page: its scope and currency.
func chartID(scope string, c app.Currency) string { return scope + "-" + string(c) }

func countText(l Locale, t app.SourceTotals) string {
	return l.Tf("sales.counts", t.Sales, t.Refunds, t.Failed)
}
