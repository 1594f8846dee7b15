package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/views"
	"linkdesk/web/htmx"
)

// Index lists payments with the filters of the query string; the pager's
// htmx requests get only the results, so only the full page, whose filter
// form offers the staff, loads the users.
func (h *Payments) Index(c echo.Context) error {
	ctx := c.Request().Context()
	v := views.PaymentsListView{Form: views.PaymentFilterFormFrom(c.QueryParams()), Loc: h.loc}
	var err error
	if !htmx.Parse(c.Request()).Partial() {
		if v.Users, err = h.users.List(ctx); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if v.Form.Validate(h.loc) {
		if v.Payments, v.Total, err = h.payments.List(ctx, v.Form.PageFilter()); err != nil {
			return err
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, views.PaymentsPage(h.site.Meta(c, "payments", "payments.title"), v),
		views.PaymentsResults(LocaleFrom(c), v))
}

// paymentsCSVHeader names the export's columns; the values are invariant
// (amounts with a dot, times in RFC 3339 UTC, statuses as machine values)
// so spreadsheets and scripts read them the same in every language.
var paymentsCSVHeader = []string{
	"merchant_unique_code", "amount", "currency", "description", "provider", "staff_email",
	"created_at", "settled_at", "status", "refunded_amount",
}

// Export writes every payment matching the list's filters as CSV, one row
// per payment, streamed from the store.
func (h *Payments) Export(c echo.Context) error {
	f := views.PaymentFilterFormFrom(c.QueryParams())
	if !f.Validate(h.loc) {
		return app.Errorf(app.CodeInvalid, "error.400")
	}
	name := exportName("payments", h.now().In(h.loc))
	return csvDownload(c, name, paymentsCSVHeader, func(write func([]string) error) error {
		return h.payments.Each(c.Request().Context(), f.Filter(), func(p app.Payment) error {
			return write(paymentCSVRow(p))
		})
	})
}

func paymentCSVRow(p app.Payment) []string {
	settled := ""
	if p.SettledAt != nil {
		settled = p.SettledAt.UTC().Format(time.RFC3339)
	}
	return []string{
		p.MerchantUniqueCode, p.Amount.StringFixed(2), string(p.Currency), csvSafe(p.Description), csvSafe(p.Provider),
		csvSafe(p.StaffEmail), p.CreatedAt.UTC().Format(time.RFC3339), settled, string(p.Status),
		p.RefundedAmount.StringFixed(2),
	}
}
