package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// fakeReporting is a SalesProvider made of functions; set them before the
// calls that use them.
type fakeReporting struct {
	calls
	LinkPaymentFn     func(ctx context.Context, id int64) (*app.ReportedPayment, error)
	LinkPaymentsFn    func(ctx context.Context, q app.LinkPaymentSearch) (*app.ReportedPage, error)
	RefundPaymentIDFn func(ctx context.Context, refundID int64) (int64, error)
	RefundFn          func(ctx context.Context, paymentID int64, amount decimal.Decimal, whole bool) (*app.ProviderRefund, error)
}

var _ app.SalesProvider = (*fakeReporting)(nil)

func (f *fakeReporting) LinkPayment(ctx context.Context, id int64) (*app.ReportedPayment, error) {
	f.add("LinkPayment")
	return f.LinkPaymentFn(ctx, id)
}

func (f *fakeReporting) LinkPayments(ctx context.Context, q app.LinkPaymentSearch) (*app.ReportedPage, error) {
	f.add("LinkPayments")
	return f.LinkPaymentsFn(ctx, q)
}

func (f *fakeReporting) RefundPaymentID(ctx context.Context, refundID int64) (int64, error) {
	f.add("RefundPaymentID")
	return f.RefundPaymentIDFn(ctx, refundID)
}

func (f *fakeReporting) Refund(ctx context.Context, paymentID int64, amount decimal.Decimal, whole bool) (*app.ProviderRefund, error) {
	f.add("Refund")
	return f.RefundFn(ctx, paymentID, amount, whole)
}

// ParseWebhook reads a testWebhook; the signature "good" verifies.
func (f *fakeReporting) ParseWebhook(body []byte, signature string) (*app.WebhookEvent, error) {
	var w testWebhook
	if err := json.Unmarshal(body, &w); err != nil || w.Type == "" {
		return nil, app.ErrWebhookMalformed
	}
	if signature != "good" {
		return nil, app.ErrWebhookForged
	}
	return &app.WebhookEvent{Key: w.Type + "|" + strconv.FormatInt(w.TS, 10) + "|" + w.Status + "|" + w.Payload,
		Type: w.Type, Status: w.Status, PayloadID: w.Payload, At: time.Unix(w.TS, 0)}, nil
}

// testWebhook is the fake Craftgate's webhook body.
type testWebhook struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Payload string `json:"payload"`
	TS      int64  `json:"ts"`
}

func (w testWebhook) input(signature string) app.WebhookInput {
	b, err := json.Marshal(w)
	if err != nil {
		panic(err)
	}
	return app.WebhookInput{Body: b, Signature: signature, RemoteIP: "198.51.100.7"}
}

// paymentWebhook is the event of link payment id.
func paymentWebhook(id int64, status string) testWebhook {
	return testWebhook{Type: "CHECKOUTFORM_AUTH", Status: status, Payload: strconv.FormatInt(id, 10), TS: 1741944413}
}

// reportBook is an in-memory payment reporting, the fake's default.
type reportBook struct {
	mu       sync.Mutex
	now      func() time.Time
	payments map[int64]app.ReportedPayment
	refunds  map[int64]int64 // refund id -> payment id
	next     int64
}

func newReportBook(now func() time.Time) *reportBook {
	return &reportBook{now: now, payments: map[int64]app.ReportedPayment{}, refunds: map[int64]int64{}, next: 500}
}

func reportingNotFound() error {
	return &app.ProviderError{Provider: "craftgate", Kind: app.ProviderNotFound, Code: "9001"}
}

func (b *reportBook) provider() *fakeReporting {
	return &fakeReporting{LinkPaymentFn: b.get, LinkPaymentsFn: b.search, RefundPaymentIDFn: b.refundOf, RefundFn: b.refund}
}

// pay records a payment of amount through link at the book's clock, paid
// or (declined) failed, and returns its id.
func (b *reportBook) pay(link int64, amount string, declined bool) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	status := app.PaymentStatusPaid
	if declined {
		status = app.PaymentStatusFailed
	}
	b.payments[b.next] = app.ReportedPayment{ByLink: true, Payment: app.LinkPayment{
		ID: b.next, ProductID: link, CreatedAt: b.now().UTC().Truncate(time.Second), Price: dec(amount), PaidPrice: dec(amount),
		Currency: "TRY", Installment: 1, Status: status, Payer: "Ayşe Yılmaz", CardBIN: "552879", CardLastFour: "0008",
	}}
	return b.next
}

// edit changes a stored payment.
func (b *reportBook) edit(id int64, fn func(*app.ReportedPayment)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.payments[id]
	fn(&p)
	b.payments[id] = p
}

func (b *reportBook) get(_ context.Context, id int64) (*app.ReportedPayment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.payments[id]
	if !ok {
		return nil, reportingNotFound()
	}
	p.Payment.Refunds = slices.Clone(p.Payment.Refunds)
	return &p, nil
}

func (b *reportBook) search(_ context.Context, q app.LinkPaymentSearch) (*app.ReportedPage, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var all []app.ReportedPayment
	for _, p := range b.payments {
		if at := p.Payment.CreatedAt; !at.Before(q.From.Truncate(time.Second)) && !at.After(q.To) {
			p.Payment.Refunds = slices.Clone(p.Payment.Refunds)
			all = append(all, p)
		}
	}
	slices.SortFunc(all, func(a, b app.ReportedPayment) int { return int(b.Payment.ID - a.Payment.ID) })
	page := &app.ReportedPage{Total: int64(len(all))}
	lo := min(q.Page*q.Size, len(all))
	page.Payments = all[lo:min(lo+q.Size, len(all))]
	return page, nil
}

func (b *reportBook) refundOf(_ context.Context, refundID int64) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id, ok := b.refunds[refundID]
	if !ok {
		return 0, reportingNotFound()
	}
	return id, nil
}

func (b *reportBook) refund(_ context.Context, paymentID int64, amount decimal.Decimal, whole bool) (*app.ProviderRefund, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.payments[paymentID]
	if !ok {
		return nil, reportingNotFound()
	}
	b.next++
	r := app.ProviderRefund{ID: b.next, PaymentID: paymentID, CreatedAt: b.now().UTC().Truncate(time.Second), Amount: amount, Succeeded: true}
	p.Payment.Refunds = append(p.Payment.Refunds, r)
	b.payments[paymentID] = p
	b.refunds[r.ID] = paymentID
	return &r, nil
}
