package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// RefundForm asks how much of a link payment to refund.
func (h *Sales) RefundForm(c echo.Context) error {
	p, err := h.refundable(c)
	if err != nil {
		return err
	}
	v := h.refundView(c, p)
	v.Form = views.NewSaleRefundForm(LocaleFrom(c), p)
	return render(c, http.StatusOK, views.SaleRefundPage(h.site.Meta(c, "sales", "refund.title"), v), nil)
}

// Refund gives money back through Craftgate. The core writes the intent
// first, asks Craftgate and records its refund; a refusal shows
// Craftgate's code, a refund made but not recorded yet is said so plainly
// (the catch-up records it).
func (h *Sales) Refund(c echo.Context) error {
	p, err := h.refundable(c)
	if err != nil {
		return err
	}
	meta := h.site.Meta(c, "sales", "refund.title")
	v := h.refundView(c, p)
	v.Form.Amount = c.FormValue("amount")
	_, refunded, err := h.sales.Refund(c.Request().Context(), actorOf(c), p.ID, v.Form.Amount)
	if err == nil {
		l := LocaleFrom(c)
		flash.Success(c, l.Tf("sales.refund_done", l.Money(refunded, string(p.Currency))))
		if p.LinkID != 0 {
			return redirect(c, routes.Path(routes.LinkShow, p.LinkID))
		}
		return redirect(c, routes.Path(routes.Sales))
	}
	// A refund Craftgate made but not recorded yet is the catch-up's to record.
	status, err := refundFailed(c, &v.RefundAttempt, err, http.StatusAccepted)
	if err != nil {
		return err
	}
	return render(c, status, views.SaleRefundPage(meta, v), nil)
}

// refundable loads the link payment named by :id and checks money can go
// back from it.
func (h *Sales) refundable(c echo.Context) (*app.LinkPayment, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNotFound
	}
	p, err := h.sales.Payment(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if !p.Refundable() {
		return nil, app.ErrNotRefundable
	}
	return p, nil
}

func (h *Sales) refundView(c echo.Context, p *app.LinkPayment) views.SaleRefundView {
	v := views.SaleRefundView{Payment: *p, Loc: h.loc}
	if p.LinkID != 0 {
		if l, err := h.sales.LocalLink(c.Request().Context(), p.LinkID); err == nil {
			v.LinkName = l.Name
		} else {
			v.LinkName = LocaleFrom(c).Tf("sales.link_n", p.LinkID)
		}
	}
	return v
}
