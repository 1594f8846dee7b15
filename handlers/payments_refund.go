package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/store"
	"linkdesk/views"
	"linkdesk/web/flash"
)

// RefundForm asks how much of a paid payment to refund.
func (h *Payments) RefundForm(c echo.Context) error {
	p, err := h.refundable(c)
	if err != nil {
		return err
	}
	v := views.RefundView{Payment: *p, Form: views.NewRefundForm(p)}
	return render(c, http.StatusOK, views.PaymentRefundPage(h.site.Meta(c, "payments", "refund.title"), v), nil)
}

// Refund returns money at Paywall first and records it after. A provider
// refusal records nothing; a refund made upstream but not recorded here is
// logged at Error and shown, because it must never be silently lost. The
// owner closing the tab does not cut it short: the provider call is bounded
// by the client's timeout, and once money went back it must be recorded
// and audited.
func (h *Payments) Refund(c echo.Context) error {
	p, err := h.refundable(c)
	if err != nil {
		return err
	}
	meta := h.site.Meta(c, "payments", "refund.title")
	v := views.RefundView{Payment: *p, Form: views.RefundForm{Amount: c.FormValue("amount")}}
	if !v.Form.Validate(p) {
		return render(c, http.StatusUnprocessableEntity, views.PaymentRefundPage(meta, v), nil)
	}
	amount := v.Form.Input()
	ctx := context.WithoutCancel(c.Request().Context())
	refunded, err := h.refundUpstream(ctx, p, amount)
	if err != nil {
		LoggerFrom(c).Warn("paywall refund failed", "payment", p.MerchantUniqueCode, "amount", amount.String(), "err", err)
		v.Problem = refundProblem(LocaleFrom(c), err)
		return render(c, v.Problem.Status, views.PaymentRefundPage(meta, v), nil)
	}
	after, err := h.store.RecordRefund(ctx, p.MerchantUniqueCode, refunded)
	if err != nil {
		LoggerFrom(c).Error("refund made at the provider but not recorded: reconcile by hand",
			"payment", p.MerchantUniqueCode, "unique_code", p.UniqueCode, "amount", refunded.String(), "err", err)
		v.Unrecorded = true
		return render(c, http.StatusInternalServerError, views.PaymentRefundPage(meta, v), nil)
	}
	if err := appendAudit(ctx, h.store, LoggerFrom(c), actorOf(c), Change{
		Action: "payment.refund", TargetType: "payment", TargetID: p.MerchantUniqueCode,
		Before: refundAudit(p, decimal.Zero), After: refundAudit(after, refunded),
	}); err != nil {
		return err
	}
	l := LocaleFrom(c)
	flash.Success(c, l.Tf("refund.done", l.Money(refunded, p.Currency)))
	return redirect(c, string(views.PaymentURL(p.MerchantUniqueCode)))
}

// refundable loads the payment and checks money can go back from it.
func (h *Payments) refundable(c echo.Context) (*store.Payment, error) {
	p, err := h.payment(c)
	if err != nil {
		return nil, err
	}
	if !p.Status.Refundable() || p.UniqueCode == "" {
		return nil, NewError(CodeConflict, "refund.not_refundable")
	}
	return p, nil
}

// refundUpstream refunds at Paywall: the whole remainder with apm/refund,
// less with apm/refund/partial. It returns the amount Paywall says it
// refunded, which is what gets recorded.
func (h *Payments) refundUpstream(ctx context.Context, p *store.Payment, amount decimal.Decimal) (decimal.Decimal, error) {
	var (
		resp *craftclient.RefundResponse
		err  error
	)
	if amount.Equal(p.Remaining()) {
		resp, err = h.apm.Refund(ctx, p.UniqueCode)
	} else {
		resp, err = h.apm.RefundPartial(ctx, p.UniqueCode, craftclient.NewAmount(amount))
	}
	if err != nil {
		return decimal.Zero, err
	}
	if resp.Amount.IsPositive() {
		return resp.Amount.Decimal, nil
	}
	return amount, nil
}

// refundProblem explains a provider's refusal with its code and message.
func refundProblem(l views.Locale, err error) *views.ErrorInfo {
	pr := Explain(err)
	info := &views.ErrorInfo{Status: pr.Status, Message: l.T(pr.Message)}
	var apiErr *craftclient.APIError
	if errors.As(err, &apiErr) && apiErr.Code != "" {
		info.Detail = l.Tf("error.upstream_code", apiErr.Code+" "+apiErr.Description)
	}
	return info
}

func refundAudit(p *store.Payment, amount decimal.Decimal) map[string]string {
	m := map[string]string{"status": string(p.Status), "refunded_amount": p.RefundedAmount.String()}
	if amount.IsPositive() {
		m["amount"] = amount.String()
	}
	return m
}
