package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
)

// Customer shows a payment to the customer: the counter's second display
// or a tablet turned towards them, with no staff navigation.
func (h *Payments) Customer(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	return h.renderCustomer(c, p)
}

// CustomerStatus is what the customer screen polls, saying which status
// it shows. It answers 204 (nothing to swap) until there is something
// new: the payment settled, or, once it has, the same cashier started
// another payment, which the screen then shows instead.
func (h *Payments) CustomerStatus(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	if string(p.Status) == c.QueryParam("shown") {
		if !p.Status.Final() {
			return noChange(c)
		}
		next, ok, err := h.payments.Next(c.Request().Context(), p)
		if err != nil {
			return err
		}
		if !ok {
			return noChange(c)
		}
		p = next
	}
	return h.renderCustomer(c, p)
}

// noChange tells a polling screen to keep what it shows.
func noChange(c echo.Context) error {
	c.Response().Header().Add("Vary", htmx.HeaderRequest)
	return c.NoContent(http.StatusNoContent)
}

// renderCustomer writes the customer screen of p, or for htmx its panel,
// pointing the address bar at p (the screen may have moved on to it).
func (h *Payments) renderCustomer(c echo.Context, p *app.Payment) error {
	l := LocaleFrom(c)
	v := views.CustomerView{Payment: *p, Merchant: h.site.Merchant, Staff: UserFrom(c).Can(app.RoleStaff), CSRF: CSRFToken(c)}
	if htmx.Parse(c.Request()).Partial() {
		c.Response().Header().Set(htmx.HeaderPushURL, string(views.PaymentCustomerURL(p.MerchantUniqueCode)))
	}
	m := h.site.Meta(c, "payments", "customer.title")
	return render(c, http.StatusOK, views.CustomerPage(m, v), views.CustomerPanel(l, v))
}

// Again takes a declined or expired payment again: a new payment with the
// same amount, description and wallet; the old one is kept. From the
// customer screen (htmx) the answer is the new payment's panel, so the
// screen stays as it is (full screen); otherwise the cashier goes to the
// new payment's counter screen.
func (h *Payments) Again(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	again, err := h.payments.StartAgain(c.Request().Context(), actorOf(c), p.MerchantUniqueCode)
	if fe := app.ErrorFields(err); fe != nil {
		// The wallet is no longer offered, say: the form takes it from here.
		for _, field := range []string{"provider", "amount", "currency", "description"} {
			if key := fe[field]; key != "" {
				flash.Error(c, LocaleFrom(c).T(key))
				break
			}
		}
		return redirect(c, routes.Path(routes.PaymentNew)+"?currency="+string(p.Currency))
	}
	if err != nil {
		return err
	}
	if hx := htmx.Parse(c.Request()); hx.Partial() && hx.Target == views.IDCustomerPanel {
		return h.renderCustomer(c, again)
	}
	return redirect(c, routes.Path(routes.PaymentShow, again.MerchantUniqueCode))
}
