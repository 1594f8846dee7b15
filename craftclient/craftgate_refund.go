package craftclient

import (
	"context"
	"net/http"
	"strconv"
)

const refundsPath = "/payment/v1/refunds"

// RefundStatus is the outcome of one refund.
type RefundStatus string

const (
	RefundStatusSuccess RefundStatus = "SUCCESS"
	RefundStatusFailure RefundStatus = "FAILURE"
	RefundStatusWaiting RefundStatus = "WAITING"
)

// RefundType says how Craftgate carried a refund out.
type RefundType string

const (
	// RefundTypeCancel: a same-day refund of a payment never partly
	// refunded, done by cancelling it; the refund has an ID and no
	// TransactionRefunds.
	RefundTypeCancel RefundType = "CANCEL"
	// RefundTypeRefund: any other refund; no ID, and one
	// TransactionRefunds entry per basket item refunded.
	RefundTypeRefund RefundType = "REFUND"
)

// RefundDestinationType is where refunded money goes.
type RefundDestinationType string

const (
	RefundDestinationProvider RefundDestinationType = "PROVIDER" // back to the card or APM
	RefundDestinationWallet   RefundDestinationType = "WALLET"   // to the buyer's Craftgate wallet
)

// Valid reports whether t is a documented destination.
func (t RefundDestinationType) Valid() bool {
	return t == RefundDestinationProvider || t == RefundDestinationWallet
}

// PaymentRefundRequest refunds a payment (POST /payment/v1/refunds).
type PaymentRefundRequest struct {
	PaymentID int64 `json:"paymentId"` // required

	// RefundPrice is the amount to refund; nil refunds the whole payment.
	// Craftgate's documented body for this endpoint has no amount (it
	// refunds whole payments, and partial refunds go per basket item to
	// /payment/v1/refund-transactions); nil sends exactly that body. A set
	// value is sent as "refundPrice", Craftgate's name for refund amounts
	// everywhere else, for servers that take partial refunds here, such as
	// the sandbox.
	RefundPrice *Amount `json:"refundPrice,omitempty"`

	ConversationID string `json:"conversationId,omitempty"` // echoed back

	// RefundDestinationType is where the money goes; "" leaves it to
	// Craftgate (back to the card or APM).
	RefundDestinationType RefundDestinationType `json:"refundDestinationType,omitempty"`

	// ChargeFromMe takes the refund from the merchant's balance when a
	// marketplace sub-merchant's balance is short.
	ChargeFromMe bool `json:"chargeFromMe,omitempty"`
}

var paymentRefundFields = []string{"paymentId", "refundPrice", "conversationId", "refundDestinationType", "chargeFromMe"}

// Validate checks the request before sending and returns the first
// problem as a *ValidationError.
func (r PaymentRefundRequest) Validate() error {
	switch {
	case r.PaymentID <= 0:
		return invalid("paymentId", "must be positive")
	case r.RefundPrice != nil && !r.RefundPrice.IsPositive():
		return invalid("refundPrice", "must be greater than 0 when set")
	case r.RefundDestinationType != "" && !r.RefundDestinationType.Valid():
		return invalid("refundDestinationType", "must be PROVIDER or WALLET")
	}
	return nil
}

// PaymentRefund is a refund of a payment: RefundPayment's answer, and one
// item of PaymentRefunds. Fields only one of the two answers carries are
// marked; the other leaves them zero.
type PaymentRefund struct {
	ID                    int64                 `json:"id"` // 0 for RefundTypeRefund answers
	PaymentID             int64                 `json:"paymentId"`
	CreatedDate           DateTime              `json:"createdDate"`
	Status                RefundStatus          `json:"status"`
	RefundType            RefundType            `json:"refundType"` // RefundPayment only
	RefundDestinationType RefundDestinationType `json:"refundDestinationType"`
	RefundPrice           Amount                `json:"refundPrice"`
	RefundBankPrice       Amount                `json:"refundBankPrice"`   // part back to the card
	RefundWalletPrice     Amount                `json:"refundWalletPrice"` // part to the wallet
	Currency              Currency              `json:"currency"`
	ConversationID        string                `json:"conversationId"`
	AuthCode              string                `json:"authCode"`
	HostReference         string                `json:"hostReference"`
	TransID               string                `json:"transId"`
	PaymentType           PaymentType           `json:"paymentType"`  // PaymentRefunds only
	PaymentError          *PaymentError         `json:"paymentError"` // PaymentRefunds only; nil unless it failed

	// TransactionRefunds are the per-item refunds of a RefundTypeRefund
	// answer (RefundPayment only).
	TransactionRefunds []PaymentTransactionRefund `json:"paymentTransactionRefunds"`
}

// PaymentTransactionRefund is the refund of one basket item (payment
// transaction) within a PaymentRefund.
type PaymentTransactionRefund struct {
	ID                    int64                 `json:"id"`
	PaymentID             int64                 `json:"paymentId"`
	PaymentTransactionID  int64                 `json:"paymentTransactionId"`
	CreatedDate           DateTime              `json:"createdDate"`
	Status                RefundStatus          `json:"status"`
	RefundDestinationType RefundDestinationType `json:"refundDestinationType"`
	RefundPrice           Amount                `json:"refundPrice"`
	RefundBankPrice       Amount                `json:"refundBankPrice"`
	RefundWalletPrice     Amount                `json:"refundWalletPrice"`
	Currency              Currency              `json:"currency"`
	ConversationID        string                `json:"conversationId"`
	IsAfterSettlement     bool                  `json:"isAfterSettlement"`
	AuthCode              string                `json:"authCode"`
	HostReference         string                `json:"hostReference"`
	TransID               string                `json:"transId"`
}

// RefundPayment validates req and refunds the payment. Check Status too:
// Craftgate reports a refund that failed at the bank as RefundStatusFailure.
func (s *PaymentService) RefundPayment(ctx context.Context, req PaymentRefundRequest) (*PaymentRefund, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return do[PaymentRefund](ctx, s.c, call{method: http.MethodPost, path: refundsPath, body: req, fields: paymentRefundFields})
}

// RetrieveRefund returns refund id (GET /payment/v1/refunds/{id}): a
// REFUND webhook names the refund, and this says which payment it was of.
func (s *PaymentService) RetrieveRefund(ctx context.Context, id int64) (*PaymentRefund, error) {
	if id <= 0 {
		return nil, invalid("id", "must be positive")
	}
	return do[PaymentRefund](ctx, s.c, call{method: http.MethodGet, path: refundsPath + "/" + strconv.FormatInt(id, 10), fields: idFields})
}

// PaymentRefunds returns the refunds of payment id, in Craftgate's order.
func (s *PaymentService) PaymentRefunds(ctx context.Context, id int64) ([]PaymentRefund, error) {
	if id <= 0 {
		return nil, invalid("id", "must be positive")
	}
	list, err := do[refundList](ctx, s.c, call{method: http.MethodGet, path: reportingPaymentPath(id) + "/refunds", fields: idFields})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

// refundList is the data of the refunds listing: {"items": […]}.
type refundList struct {
	Items []PaymentRefund `json:"items"`
}
