package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// RefundForm asks how much of a paid payment to refund.
func (h *Payments) RefundForm(c echo.Context) error {
	p, err := h.refundable(c)
	if err != nil {
		return err
	}
	v := views.RefundView{Payment: *p, Form: views.NewRefundForm(LocaleFrom(c), p)}
	return render(c, http.StatusOK, views.PaymentRefundPage(h.site.Meta(c, "payments", "refund.title"), v), nil)
}

// Refund gives money back. The core writes the intent first, asks Paywall,
// and records the answer; a refusal shows the provider's code, a refund
// made but not yet recorded is said so plainly (the reconciler records it).
func (h *Payments) Refund(c echo.Context) error {
	p, err := h.refundable(c)
	if err != nil {
		return err
	}
	meta := h.site.Meta(c, "payments", "refund.title")
	v := views.RefundView{Payment: *p, Form: views.RefundForm{Amount: c.FormValue("amount")}}
	_, refunded, err := h.payments.Refund(c.Request().Context(), actorOf(c), p.MerchantUniqueCode, v.Form.Amount)
	var e *app.Error
	switch {
	case err == nil:
		l := LocaleFrom(c)
		flash.Success(c, l.Tf("refund.done", l.Money(refunded, string(p.Currency))))
		return redirect(c, routes.Path(routes.PaymentShow, p.MerchantUniqueCode))
	case errors.As(err, &e) && len(e.Fields) > 0:
		v.Form.Errors = e.Fields
		return render(c, http.StatusUnprocessableEntity, views.PaymentRefundPage(meta, v), nil)
	case errors.Is(err, app.ErrRefundUnrecorded):
		v.Unrecorded = true
		return render(c, http.StatusInternalServerError, views.PaymentRefundPage(meta, v), nil)
	}
	if _, ok := app.AsProviderError(err); !ok {
		return err
	}
	v.Problem = refundProblem(LocaleFrom(c), err)
	return render(c, v.Problem.Status, views.PaymentRefundPage(meta, v), nil)
}

// refundable loads the payment and checks money can go back from it.
func (h *Payments) refundable(c echo.Context) (*app.Payment, error) {
	p, err := h.payment(c)
	if err != nil {
		return nil, err
	}
	if !p.Refundable() {
		return nil, app.ErrNotRefundable
	}
	return p, nil
}

// refundProblem explains a provider's refusal with its code and message.
func refundProblem(l views.Locale, err error) *views.ErrorInfo {
	pr := Explain(err)
	info := &views.ErrorInfo{Status: pr.Status, Message: l.T(pr.Message)}
	if pe, ok := app.AsProviderError(err); ok && pe.Code != "" {
		info.Detail = l.Tf("error.upstream_code", pe.Code+" "+pe.Description)
	}
	return info
}
