package providers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
)

// Sales adapts Craftgate's payment reporting, refunds and webhooks
// (craftclient.PaymentService) to app.SalesProvider.
type Sales struct {
	payments   *craftclient.PaymentService
	webhookKey string
	zone       *time.Location
}

var _ app.SalesProvider = (*Sales)(nil)

// NewSales adapts c's payment service. webhookKey verifies webhooks (none
// verify without it). zone is where Craftgate's wall-clock times are: its
// dates carry no zone, and a payment's day depends on it.
func NewSales(c *craftclient.Craftgate, webhookKey string, zone *time.Location) *Sales {
	return &Sales{payments: c.Payments, webhookKey: webhookKey, zone: zone}
}

func craftgateErr(err error) error { return classify(craftclient.ProviderCraftgate, err) }

// instant is the moment a Craftgate wall-clock time names.
func (s *Sales) instant(d craftclient.DateTime) time.Time {
	t := d.Time
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), s.zone).UTC()
}

// wall is a moment as Craftgate's wall clock shows it, for its filters.
func (s *Sales) wall(t time.Time) *time.Time {
	w := t.In(s.zone)
	return &w
}

// LinkPayment reads one payment with its refunds.
func (s *Sales) LinkPayment(ctx context.Context, id int64) (*app.ReportedPayment, error) {
	p, err := s.payments.RetrievePayment(ctx, id)
	if err != nil {
		return nil, craftgateErr(err)
	}
	rp := s.reported(p)
	return &rp, nil
}

// LinkPayments returns one page of the payments taken through links
// created from q.From to q.To.
func (s *Sales) LinkPayments(ctx context.Context, q app.LinkPaymentSearch) (*app.ReportedPage, error) {
	page, err := s.payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{
		PaymentSource: craftclient.PaymentSourcePayByLink, MinCreatedDate: s.wall(q.From), MaxCreatedDate: s.wall(q.To),
		Page: q.Page, Size: q.Size,
	})
	if err != nil {
		return nil, craftgateErr(err)
	}
	out := &app.ReportedPage{Total: page.TotalSize, Payments: make([]app.ReportedPayment, len(page.Items))}
	for i := range page.Items {
		out.Payments[i] = s.reported(&page.Items[i])
	}
	return out, nil
}

// RefundPaymentID names the payment refund refundID was of.
func (s *Sales) RefundPaymentID(ctx context.Context, refundID int64) (int64, error) {
	rf, err := s.payments.RetrieveRefund(ctx, refundID)
	if err != nil {
		return 0, craftgateErr(err)
	}
	return rf.PaymentID, nil
}

// Refund refunds amount of a payment, or all that remains when whole (the
// request then carries no amount, as Craftgate documents it). A refund
// Craftgate answers as failed at the bank is a failed call.
func (s *Sales) Refund(ctx context.Context, paymentID int64, amount decimal.Decimal, whole bool) (*app.ProviderRefund, error) {
	req := craftclient.PaymentRefundRequest{PaymentID: paymentID}
	if !whole {
		a := craftclient.NewAmount(amount)
		req.RefundPrice = &a
	}
	rf, err := s.payments.RefundPayment(ctx, req)
	if err != nil {
		return nil, craftgateErr(err)
	}
	if rf.Status == craftclient.RefundStatusFailure {
		pe := &app.ProviderError{Provider: craftclient.ProviderCraftgate, Kind: app.ProviderFailedCall}
		if rf.PaymentError != nil {
			pe.Code, pe.Description = rf.PaymentError.ErrorCode, rf.PaymentError.ErrorDescription
		}
		return nil, pe
	}
	out := s.refund(rf)
	if out.PaymentID == 0 {
		out.PaymentID = paymentID
	}
	return &out, nil
}

// ParseWebhook reads a webhook and verifies its x-cg-signature-v1. Its key
// is the signed content, so a repeat has the same key.
func (s *Sales) ParseWebhook(body []byte, signature string) (*app.WebhookEvent, error) {
	ev, err := craftclient.ParseWebhook(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", app.ErrWebhookMalformed, err)
	}
	if !craftclient.VerifyWebhook(s.webhookKey, signature, ev) {
		return nil, app.ErrWebhookForged
	}
	sum := sha256.Sum256([]byte(string(ev.EventType) + "\x00" + strconv.FormatInt(ev.EventTimestamp, 10) + "\x00" +
		string(ev.Status) + "\x00" + ev.PayloadID))
	return &app.WebhookEvent{Key: hex.EncodeToString(sum[:]), Type: string(ev.EventType), Status: string(ev.Status),
		PayloadID: ev.PayloadID, At: time.Unix(ev.EventTimestamp, 0).UTC()}, nil
}

// reported converts a reporting payment. Its status is paid, failed or
// pending here; the core derives the refunded ones from its refunds.
func (s *Sales) reported(p *craftclient.ReportingPayment) app.ReportedPayment {
	out := app.LinkPayment{
		ID: p.ID, CreatedAt: s.instant(p.CreatedDate), Price: p.Price.Decimal, PaidPrice: p.PaidPrice.Decimal,
		Currency: app.Currency(p.Currency), Installment: p.Installment, Status: paymentStatus(p.PaymentStatus),
		Payer: p.CardHolderName, CardBIN: p.BinNumber, CardLastFour: p.LastFourDigits,
		CardAssociation: string(p.CardAssociation), OrderID: p.OrderID, ConversationID: p.ConversationID,
		ExternalID: p.ExternalID, ProductID: p.ProductID,
	}
	if p.PaymentError != nil {
		out.ErrorCode, out.ErrorGroup = p.PaymentError.ErrorCode, p.PaymentError.ErrorGroup
	}
	for i := range p.Refunds {
		r := s.refund(&p.Refunds[i])
		if r.PaymentID == 0 {
			r.PaymentID = p.ID
		}
		out.Refunds = append(out.Refunds, r)
	}
	return app.ReportedPayment{Payment: out, ByLink: p.PaymentSource == craftclient.PaymentSourcePayByLink}
}

func (s *Sales) refund(rf *craftclient.PaymentRefund) app.ProviderRefund {
	return app.ProviderRefund{ID: rf.ID, PaymentID: rf.PaymentID, CreatedAt: s.instant(rf.CreatedDate),
		Amount: rf.RefundPrice.Decimal, Succeeded: rf.Status == craftclient.RefundStatusSuccess}
}

// paymentStatus maps Craftgate's payment status: a 3-D Secure step or a
// payment waiting is still open.
func paymentStatus(st craftclient.PaymentStatus) app.PaymentStatus {
	switch st {
	case craftclient.PaymentStatusSuccess:
		return app.PaymentStatusPaid
	case craftclient.PaymentStatusFailure:
		return app.PaymentStatusFailed
	}
	return app.PaymentStatusPending
}
