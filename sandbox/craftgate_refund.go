package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Refunds of link payments through Craftgate's refund API (POST /payment/v1/refunds).
// The official clients' RefundPaymentRequest has paymentId, conversationId,
// refundDestinationType and chargeFromMe and always refunds the whole payment; the
// sandbox adds an optional refundPrice for partial refunds (README.md): Craftgate's
// name for a refund's amount in its answers, and what craftclient sends.

// Refund destinations: PROVIDER (back to the card; the default) and WALLET, as the Go
// client names them, and CARD, the .NET client's name for PROVIDER.
var refundDestinations = []string{"PROVIDER", "WALLET", "CARD"}

const (
	refundDestinationWallet = "WALLET"
	refundTypeCancel        = "CANCEL"
	refundTypeRefund        = "REFUND"
	refundSuccess           = "SUCCESS"
)

var (
	errPaymentIDRequired    = validation("3001", "paymentId zorunludur!", "paymentId is required!")
	errRefundPrice          = validation("3002", "İade tutarı sıfırdan büyük olmalıdır!", "refundPrice must be greater than 0!")
	errRefundTooMuch        = validation("3003", "İade tutarı iade edilebilir tutarı aşıyor!", "refundPrice exceeds the refundable amount!")
	errPaymentNotRefundable = validation("3004", "Başarısız ödeme iade edilemez!", "A failed payment cannot be refunded!")
	errPaymentFullyRefunded = validation("3005", "Ödeme zaten tamamen iade edildi!", "The payment is already fully refunded!")
	errRefundDestination    = validation("3006", "Geçersiz iade hedefi!", "refundDestinationType is not valid!")

	errRefundNotFound = &craftgateError{http.StatusNotFound, "9002", text{"İade bulunamadı!", "Refund not found!"}}
)

// refund is a refund as stored.
type refund struct {
	ID              int64
	PaymentID       int64
	Price           decimal.Decimal
	Currency        string
	ConversationID  string
	DestinationType string
	Type            string
	CreatedAt       time.Time
}

// refundCommon holds the fields every refund answer shares.
type refundCommon struct {
	ID                    int64       `json:"id"`
	CreatedDate           string      `json:"createdDate"`
	Status                string      `json:"status"`
	RefundDestinationType string      `json:"refundDestinationType"`
	RefundPrice           json.Number `json:"refundPrice"`
	RefundBankPrice       json.Number `json:"refundBankPrice"`
	RefundWalletPrice     json.Number `json:"refundWalletPrice"`
	ConversationID        *string     `json:"conversationId"`
	AuthCode              *string     `json:"authCode"`
	HostReference         *string     `json:"hostReference"`
	TransID               *string     `json:"transId"`
	Currency              string      `json:"currency"`
	PaymentID             int64       `json:"paymentId"`
}

// refundJSON is a refund in payment reporting (ReportingPaymentRefundResponse) and, with
// its transaction refunds, in the refund API (PaymentRefundResponse).
type refundJSON struct {
	refundCommon
	PaymentType               string         `json:"paymentType"`
	RefundType                string         `json:"refundType"`
	PaymentTransactionRefunds []txRefundJSON `json:"paymentTransactionRefunds,omitempty"`
}

// txRefundJSON is the refund of the payment's single transaction, whose id is the
// payment's.
type txRefundJSON struct {
	refundCommon
	IsAfterSettlement    bool  `json:"isAfterSettlement"`
	PaymentTransactionID int64 `json:"paymentTransactionId"`
}

func (rf refund) common() refundCommon {
	price := json.Number(plainDecimal(rf.Price))
	bank, wallet := price, json.Number("0")
	if rf.DestinationType == refundDestinationWallet {
		bank, wallet = wallet, bank
	}
	return refundCommon{
		ID:                    rf.ID,
		CreatedDate:           rf.CreatedAt.Format(craftTimeLayout),
		Status:                refundSuccess,
		RefundDestinationType: rf.DestinationType,
		RefundPrice:           price,
		RefundBankPrice:       bank,
		RefundWalletPrice:     wallet,
		ConversationID:        nullIfEmpty(rf.ConversationID),
		AuthCode:              bankReference("", 100000+rf.ID%900000),
		HostReference:         bankReference("refund-host-", rf.ID),
		TransID:               bankReference("refund-trans-", rf.ID),
		Currency:              rf.Currency,
		PaymentID:             rf.PaymentID,
	}
}

// wire is the reporting form; withTransactions adds the refund API's transaction list.
func (rf refund) wire(withTransactions bool) refundJSON {
	out := refundJSON{refundCommon: rf.common(), PaymentType: paymentTypeCard, RefundType: rf.Type}
	if withTransactions {
		out.PaymentTransactionRefunds = []txRefundJSON{{refundCommon: rf.common(), PaymentTransactionID: rf.PaymentID}}
	}
	return out
}

type refundInput struct {
	PaymentID             *int64           `json:"paymentId"`
	RefundPrice           *decimal.Decimal `json:"refundPrice"`
	ConversationID        string           `json:"conversationId"`
	RefundDestinationType string           `json:"refundDestinationType"`
}

// refunds serves /payment/v1/refunds: POST refunds a payment.
func (s *Sandbox) refunds(w http.ResponseWriter, r *http.Request, body []byte) error {
	if r.Method != http.MethodPost {
		return errMethod
	}
	var in refundInput
	if err := json.Unmarshal(body, &in); err != nil {
		return errMalformed
	}
	switch {
	case in.PaymentID == nil || *in.PaymentID <= 0:
		return errPaymentIDRequired
	case in.RefundPrice != nil && !in.RefundPrice.IsPositive():
		return errRefundPrice
	case in.RefundDestinationType != "" && !slices.Contains(refundDestinations, in.RefundDestinationType):
		return errRefundDestination
	}
	if in.RefundDestinationType == "" {
		in.RefundDestinationType = refundDestinations[0]
	}
	rf, err := s.refundPayment(r.Context(), in, s.nowUTC())
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "payment refunded", "payment_id", rf.PaymentID, "refund_id", rf.ID,
		"amount", plainDecimal(rf.Price))
	writeData(w, http.StatusOK, rf.wire(true))
	return nil
}

// refundPayment records a refund of in.RefundPrice (nil: all that is left). Touching
// the payment first takes SQLite's write lock before the read, so two refunds cannot
// both pass the refundable check.
func (s *Sandbox) refundPayment(ctx context.Context, in refundInput, now time.Time) (refund, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return refund{}, fmt.Errorf("sandbox: refund payment: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit; undoes the touch on refusal
	nowText := now.Format(dbTimeLayout)
	if _, err := tx.ExecContext(ctx, `UPDATE sandbox_payments SET updated_at = ? WHERE id = ?`, nowText, *in.PaymentID); err != nil {
		return refund{}, fmt.Errorf("sandbox: refund payment: %w", err)
	}
	pay, err := findPayment(ctx, tx, *in.PaymentID)
	if err != nil {
		return refund{}, err
	}
	left := pay.refundable()
	switch {
	case pay.Status != paymentSuccess:
		return refund{}, errPaymentNotRefundable
	case left.IsZero():
		return refund{}, errPaymentFullyRefunded
	case in.RefundPrice != nil && in.RefundPrice.GreaterThan(left):
		return refund{}, errRefundTooMuch
	}
	rf := refund{
		PaymentID:       pay.ID,
		Price:           left,
		Currency:        pay.Currency,
		ConversationID:  in.ConversationID,
		DestinationType: in.RefundDestinationType,
		Type:            refundTypeRefund,
		CreatedAt:       now.Truncate(time.Second),
	}
	if in.RefundPrice != nil {
		rf.Price = *in.RefundPrice
	}
	// A refund of the whole payment on the day it was taken cancels it, as a bank voids
	// an unsettled sale; anything else is a refund.
	if rf.Price.Equal(pay.PaidPrice) && sameUTCDay(now, pay.CreatedAt) {
		rf.Type = refundTypeCancel
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO sandbox_payment_refunds (payment_id, refund_price, currency,
			conversation_id, refund_destination_type, refund_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		rf.PaymentID, plainDecimal(rf.Price), rf.Currency, rf.ConversationID, rf.DestinationType, rf.Type,
		rf.CreatedAt.Format(dbTimeLayout))
	if err != nil {
		return refund{}, fmt.Errorf("sandbox: refund payment %d: %w", pay.ID, err)
	}
	if rf.ID, err = res.LastInsertId(); err != nil {
		return refund{}, fmt.Errorf("sandbox: refund payment %d: %w", pay.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sandbox_payments SET refunded_price = ? WHERE id = ?`,
		plainDecimal(pay.Refunded.Add(rf.Price)), pay.ID); err != nil {
		return refund{}, fmt.Errorf("sandbox: refund payment %d: %w", pay.ID, err)
	}
	ev, err := s.hooks.record(ctx, tx, refundEvent, refundSuccess, strconv.FormatInt(rf.ID, 10), now)
	if err != nil {
		return refund{}, err
	}
	if err := tx.Commit(); err != nil {
		return refund{}, fmt.Errorf("sandbox: refund payment %d: commit: %w", pay.ID, err)
	}
	s.hooks.send(ev)
	return rf, nil
}

func sameUTCDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// refundByID serves GET /payment/v1/refunds/{id}.
func (s *Sandbox) refundByID(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if r.Method != http.MethodGet {
		return errMethod
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errRefundNotFound
	}
	rfs, err := findRefunds(r.Context(), s.db, "id", id)
	if err != nil {
		return err
	}
	if len(rfs) == 0 {
		return errRefundNotFound
	}
	writeData(w, http.StatusOK, rfs[0].wire(true))
	return nil
}

// findRefunds reads the refunds whose column ("id" or "payment_id") is one of values,
// oldest first.
func findRefunds(ctx context.Context, q querier, column string, values ...int64) ([]refund, error) {
	if column != "id" && column != "payment_id" {
		return nil, fmt.Errorf("sandbox: find refunds by %q: not a key column", column)
	}
	if len(values) == 0 {
		return nil, nil
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(values)), ",")
	rows, err := q.QueryContext(ctx, `SELECT id, payment_id, refund_price, currency, conversation_id,
			refund_destination_type, refund_type, created_at
		FROM sandbox_payment_refunds WHERE `+column+` IN (`+marks+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sandbox: find refunds: %w", err)
	}
	defer rows.Close()
	var out []refund
	for rows.Next() {
		var (
			rf             refund
			price, created string
		)
		if err := rows.Scan(&rf.ID, &rf.PaymentID, &price, &rf.Currency, &rf.ConversationID,
			&rf.DestinationType, &rf.Type, &created); err != nil {
			return nil, fmt.Errorf("sandbox: find refunds: %w", err)
		}
		if rf.Price, err = decimal.NewFromString(price); err != nil {
			return nil, fmt.Errorf("sandbox: refund %d price: %w", rf.ID, err)
		}
		if rf.CreatedAt, err = time.Parse(dbTimeLayout, created); err != nil {
			return nil, fmt.Errorf("sandbox: refund %d created_at: %w", rf.ID, err)
		}
		out = append(out, rf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: find refunds: %w", err)
	}
	return out, nil
}
