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
	v := views.RefundView{Payment: *p}
	v.Form = views.NewRefundForm(LocaleFrom(c), p)
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
	v := views.RefundView{Payment: *p}
	v.Form.Amount = c.FormValue("amount")
	_, refunded, err := h.payments.Refund(c.Request().Context(), actorOf(c), p.MerchantUniqueCode, v.Form.Amount)
	if err == nil {
		l := LocaleFrom(c)
		flash.Success(c, l.Tf("refund.done", l.Money(refunded, string(p.Currency))))
		return redirect(c, routes.Path(routes.PaymentShow, p.MerchantUniqueCode))
	}
	// A refund Paywall made that could not be recorded needs support (the core logged it).
	status, err := refundFailed(c, &v.RefundAttempt, err, http.StatusInternalServerError)
	if err != nil {
		return err
	}
	return render(c, status, views.PaymentRefundPage(meta, v), nil)
}

// refundFailed puts why a refund did not go through on its page, with
// the status to answer: the amount's errors (422), a refund the provider
// made that is not recorded yet (unrecorded: each kind of payment says
// what happens next), or the provider's refusal. Any other error is
// returned for the central error handler.
func refundFailed(c echo.Context, a *views.RefundAttempt, err error, unrecorded int) (int, error) {
	var e *app.Error
	switch {
	case errors.As(err, &e) && len(e.Fields) > 0:
		a.Form.Errors = e.Fields
		return http.StatusUnprocessableEntity, nil
	case errors.Is(err, app.ErrRefundUnrecorded):
		a.Unrecorded = true
		return unrecorded, nil
	}
	if _, ok := app.AsProviderError(err); !ok {
		return 0, err
	}
	a.Problem = refundProblem(LocaleFrom(c), err)
	return a.Problem.Status, nil
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
