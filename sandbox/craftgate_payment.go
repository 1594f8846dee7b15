package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// A payment on a hosted link page is recorded with the fields of Craftgate's payment
// reporting (craftgate-notes §6; ReportingPaymentResponse in the official clients).
// Enum values are Craftgate's own (Go client model.go).
const (
	paymentSourcePayByLink = "PAY_BY_LINK"
	paymentTypeCard        = "CARD_PAYMENT"
	paymentProviderBank    = "BANK"
	paymentGroupProduct    = "PRODUCT"
	paymentPhaseAuth       = "AUTH"
	paymentSuccess         = "SUCCESS"
	paymentFailure         = "FAILURE"
	cardTypeCredit         = "CREDIT_CARD"

	// PaymentRefundStatus values, as the official clients spell them. NOT_REFUNDED is
	// never used: the sandbox has no failed refunds.
	refundStatusNone    = "NO_REFUND"
	refundStatusPartial = "PARTIAL_REFUNDED"
	refundStatusFull    = "FULLY_REFUNDED"
)

// linkPaymentRefs is the sandbox's answer to an open point (craftgate-notes §6, §8: no
// productId is documented, so how a link payment names its link is unknown). The
// payment copies the link's conversationId, externalId and orderId verbatim, as they
// are when it is paid, and carries the sandbox field productId. Its paymentChannel is
// the link's channel. Correct it here once the live API is known.
func linkPaymentRefs(p product) payment {
	return payment{
		ProductID:      p.ID,
		ConversationID: p.ConversationID,
		ExternalID:     p.ExternalID,
		OrderID:        p.OrderID,
		Channel:        p.Channel,
	}
}

// installmentCommission is the share of the price a payer adds for paying in n
// installments: none for a single payment, then 1% per installment after the first
// (3 installments: 2%). paidPrice is price plus that share, rounded to 2 decimals. The
// real rates are the merchant's own; these are the sandbox's, listed in README.md.
func installmentCommission(n int) decimal.Decimal {
	return decimal.New(int64(n-1), -2)
}

func paidPrice(price decimal.Decimal, installment int) decimal.Decimal {
	return price.Add(price.Mul(installmentCommission(installment)).Round(2))
}

// paymentError is a declined payment's errors object: a payment error code (≥ 10000)
// with its errorGroup.
type paymentError struct {
	code, group string
	desc        text
}

// Decline reasons of the test cards, with the codes and groups Craftgate's error-groups
// page and test-card list give.
var (
	declineDoNotHonour = paymentError{"10005", "DO_NOT_HONOUR",
		text{"İşlem onaylanmadı.", "The transaction has not been approved."}}
	declineNotSufficientFunds = paymentError{"10051", "NOT_SUFFICIENT_FUNDS",
		text{"Kart limiti yetersiz, yetersiz bakiye.", "Insufficient card limit, insufficient balance."}}
)

// paymentErrors finds a stored payment's error by its code.
var paymentErrors = map[string]paymentError{
	declineDoNotHonour.code:        declineDoNotHonour,
	declineNotSufficientFunds.code: declineNotSufficientFunds,
}

// testCard is a card number the hosted page treats specially.
type testCard struct {
	number  string
	decline *paymentError // nil: the payment succeeds
}

// testCards are the documented outcomes: iyzico's well-known test numbers and
// Craftgate's own error cards. Every other number that passes the form checks
// succeeds, as Craftgate's test-card page says of cards not listed as errors.
var testCards = []testCard{
	{"5528790000000008", nil},
	{"4111111111111129", &declineDoNotHonour},
	{"5100560000006669", &declineDoNotHonour},
	{"4129111111111111", &declineNotSufficientFunds},
	{"5100050000006661", &declineNotSufficientFunds},
}

// cardOutcome is the decline a card number meets, or nil for a success.
func cardOutcome(number string) *paymentError {
	for _, c := range testCards {
		if c.number == number {
			return c.decline
		}
	}
	return nil
}

// cardAssociation names a card's scheme from its leading digits, or "" when the sandbox
// does not know it.
func cardAssociation(number string) string {
	prefix := func(lo, hi int, digits int) bool {
		if len(number) < digits {
			return false
		}
		n, err := strconv.Atoi(number[:digits])
		return err == nil && n >= lo && n <= hi
	}
	switch {
	case strings.HasPrefix(number, "9792"):
		return "TROY"
	case strings.HasPrefix(number, "4"):
		return "VISA"
	case prefix(51, 55, 2), prefix(2221, 2720, 4):
		return "MASTER_CARD"
	case strings.HasPrefix(number, "34"), strings.HasPrefix(number, "37"):
		return "AMEX"
	}
	return ""
}

// card is what the payer entered, checked. Only its masked parts are stored.
type card struct {
	holder      string
	number      string
	installment int
}

// payment is a payment attempt as stored.
type payment struct {
	ID              int64
	ProductID       int64
	Price           decimal.Decimal
	PaidPrice       decimal.Decimal
	Currency        string
	Installment     int
	Status          string
	Channel         string
	ConversationID  string
	ExternalID      string
	OrderID         string
	BinNumber       string
	LastFourDigits  string
	CardAssociation string
	CardHolderName  string
	ErrorCode       string // "" for a success
	Refunded        decimal.Decimal
	CreatedAt       time.Time
}

// refundable is what is left to refund: the paid price less refunds, nothing for a
// failed payment.
func (p payment) refundable() decimal.Decimal {
	if p.Status != paymentSuccess {
		return decimal.Zero
	}
	return p.PaidPrice.Sub(p.Refunded)
}

func (p payment) refundStatus() string {
	switch {
	case p.Status != paymentSuccess || p.Refunded.IsZero():
		return refundStatusNone
	case p.refundable().IsZero():
		return refundStatusFull
	}
	return refundStatusPartial
}

// newLinkPayment is the attempt of paying p with c at now; decline is nil for a success.
func newLinkPayment(p product, c card, decline *paymentError, now time.Time) payment {
	pay := linkPaymentRefs(p)
	pay.Price = p.Price
	pay.PaidPrice = paidPrice(p.Price, c.installment)
	pay.Currency = p.Currency
	pay.Installment = c.installment
	pay.Status = paymentSuccess
	pay.BinNumber = c.number[:6]
	pay.LastFourDigits = c.number[len(c.number)-4:]
	pay.CardAssociation = cardAssociation(c.number)
	pay.CardHolderName = c.holder
	pay.Refunded = decimal.Zero
	pay.CreatedAt = now.Truncate(time.Second)
	if decline != nil {
		pay.Status = paymentFailure
		pay.ErrorCode = decline.code
	}
	return pay
}

// insertPayment stores pay and returns its id.
func insertPayment(ctx context.Context, tx *sql.Tx, pay payment) (int64, error) {
	now := pay.CreatedAt.Format(dbTimeLayout)
	res, err := tx.ExecContext(ctx, `INSERT INTO sandbox_payments (
			product_id, price, paid_price, paid_price_key, currency, installment, payment_status,
			payment_type, payment_provider, payment_source, payment_channel, is_three_ds,
			conversation_id, external_id, order_id, bin_number, last_four_digits, card_type,
			card_association, card_holder_name, error_code, refunded_price, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pay.ProductID, plainDecimal(pay.Price), plainDecimal(pay.PaidPrice), priceKey(pay.PaidPrice),
		pay.Currency, pay.Installment, pay.Status, paymentTypeCard, paymentProviderBank,
		paymentSourcePayByLink, pay.Channel, false, pay.ConversationID, pay.ExternalID, pay.OrderID,
		pay.BinNumber, pay.LastFourDigits, cardTypeCredit, pay.CardAssociation, pay.CardHolderName,
		pay.ErrorCode, plainDecimal(pay.Refunded), now, now)
	if err != nil {
		return 0, fmt.Errorf("sandbox: insert payment: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sandbox: insert payment: %w", err)
	}
	return id, nil
}

// takeLinkPayment records one payment attempt on the link token if the link can take a
// payment, and returns the link as it is afterwards; refused reports that it cannot.
// A success adds to soldCount and takes from a limited stock in the same transaction.
// The conditional UPDATE comes first, also for a decline (which changes nothing), so
// the transaction holds SQLite's write lock before it reads: concurrent payments queue
// instead of overselling stock, and no attempt is recorded on a link that just sold out.
func (s *Sandbox) takeLinkPayment(ctx context.Context, token string, c card, now time.Time) (p product, pay payment, refused bool, err error) {
	decline := cardOutcome(c.number)
	sold := 0
	if decline == nil {
		sold = 1
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return p, pay, false, fmt.Errorf("sandbox: pay link: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	nowText := now.Format(dbTimeLayout)
	res, err := tx.ExecContext(ctx, `UPDATE sandbox_products
		SET sold_count = sold_count + ?1, stock = stock - ?1,
			updated_at = CASE WHEN ?1 > 0 THEN ?2 ELSE updated_at END
		WHERE token = ?3 AND status = 'ACTIVE' AND (stock IS NULL OR stock > 0)
			AND (expires_at IS NULL OR expires_at > ?2)`, sold, nowText, token)
	if err != nil {
		return p, pay, false, fmt.Errorf("sandbox: pay link: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return p, pay, false, fmt.Errorf("sandbox: pay link: %w", err)
	}
	if p, err = findProduct(ctx, tx, "token", token); err != nil {
		return p, pay, false, err
	}
	if n == 0 {
		return p, pay, true, nil
	}
	pay = newLinkPayment(p, c, decline, now)
	if pay.ID, err = insertPayment(ctx, tx, pay); err != nil {
		return p, pay, false, err
	}
	ev, err := s.hooks.record(ctx, tx, linkPaymentEvent, pay.Status, strconv.FormatInt(pay.ID, 10), now)
	if err != nil {
		return p, pay, false, err
	}
	if err := tx.Commit(); err != nil {
		return p, pay, false, fmt.Errorf("sandbox: pay link: commit: %w", err)
	}
	s.hooks.send(ev)
	return p, pay, false, nil
}

const paymentColumns = `id, product_id, price, paid_price, currency, installment, payment_status,
	payment_channel, conversation_id, external_id, order_id, bin_number, last_four_digits,
	card_association, card_holder_name, error_code, refunded_price, created_at`

func scanPayment(row interface{ Scan(...any) error }) (payment, error) {
	var (
		pay                            payment
		price, paid, refunded, created string
	)
	err := row.Scan(&pay.ID, &pay.ProductID, &price, &paid, &pay.Currency, &pay.Installment,
		&pay.Status, &pay.Channel, &pay.ConversationID, &pay.ExternalID, &pay.OrderID,
		&pay.BinNumber, &pay.LastFourDigits, &pay.CardAssociation, &pay.CardHolderName,
		&pay.ErrorCode, &refunded, &created)
	if err != nil {
		return pay, err
	}
	for _, f := range []struct {
		dst  *decimal.Decimal
		text string
	}{{&pay.Price, price}, {&pay.PaidPrice, paid}, {&pay.Refunded, refunded}} {
		if *f.dst, err = decimal.NewFromString(f.text); err != nil {
			return pay, fmt.Errorf("payment %d amount %q: %w", pay.ID, f.text, err)
		}
	}
	if pay.CreatedAt, err = time.Parse(dbTimeLayout, created); err != nil {
		return pay, fmt.Errorf("payment %d created_at: %w", pay.ID, err)
	}
	return pay, nil
}

// errPaymentNotFound has the code and text of the official Node client's test of a
// payment that does not exist (craftgate-notes §2.2).
var errPaymentNotFound = &craftgateError{http.StatusNotFound, "9001", text{"Ödeme bulunamadı!", "Payment not found!"}}

// findPayment reads one payment by id.
func findPayment(ctx context.Context, q rowQuerier, id int64) (payment, error) {
	pay, err := scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM sandbox_payments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return pay, errPaymentNotFound
	}
	if err != nil {
		return pay, fmt.Errorf("sandbox: find payment %d: %w", id, err)
	}
	return pay, nil
}

// paymentJSON is a payment in payment reporting. Fields the sandbox has no value for
// (cardBrand, cardIssuerBankName, mdStatus, fraud fields, buyerMember, pos, loyalty)
// are left out, which every client reads as null.
type paymentJSON struct {
	ID                           int64             `json:"id"`
	CreatedDate                  string            `json:"createdDate"`
	Price                        json.Number       `json:"price"`
	PaidPrice                    json.Number       `json:"paidPrice"`
	WalletPrice                  json.Number       `json:"walletPrice"`
	Currency                     string            `json:"currency"`
	BuyerMemberID                *int64            `json:"buyerMemberId"`
	Installment                  int               `json:"installment"`
	ConversationID               *string           `json:"conversationId"`
	ExternalID                   *string           `json:"externalId"`
	OrderID                      *string           `json:"orderId"`
	PaymentType                  string            `json:"paymentType"`
	PaymentProvider              string            `json:"paymentProvider"`
	PaymentSource                string            `json:"paymentSource"`
	PaymentGroup                 string            `json:"paymentGroup"`
	PaymentStatus                string            `json:"paymentStatus"`
	PaymentPhase                 string            `json:"paymentPhase"`
	PaymentChannel               *string           `json:"paymentChannel"`
	IsThreeDS                    bool              `json:"isThreeDS"`
	MerchantCommissionRate       json.Number       `json:"merchantCommissionRate"`
	MerchantCommissionRateAmount json.Number       `json:"merchantCommissionRateAmount"`
	BankCommissionRate           json.Number       `json:"bankCommissionRate"`
	BankCommissionRateAmount     json.Number       `json:"bankCommissionRateAmount"`
	PaidWithStoredCard           bool              `json:"paidWithStoredCard"`
	BinNumber                    string            `json:"binNumber"`
	LastFourDigits               string            `json:"lastFourDigits"`
	AuthCode                     *string           `json:"authCode"`
	HostReference                *string           `json:"hostReference"`
	TransID                      *string           `json:"transId"`
	CardHolderName               string            `json:"cardHolderName"`
	BankCardHolderName           string            `json:"bankCardHolderName"`
	CardType                     string            `json:"cardType"`
	CardAssociation              *string           `json:"cardAssociation"`
	RetryCount                   int               `json:"retryCount"`
	RefundablePrice              json.Number       `json:"refundablePrice"`
	RefundStatus                 string            `json:"refundStatus"`
	Refunds                      []refundJSON      `json:"refunds"`
	PaymentError                 *paymentErrorJSON `json:"paymentError"`
	// ProductID is the sandbox's extension: the link the payment was taken on
	// (see linkPaymentRefs).
	ProductID int64 `json:"productId"`
}

type paymentErrorJSON struct {
	ErrorCode        string `json:"errorCode"`
	ErrorDescription string `json:"errorDescription"`
	ErrorGroup       string `json:"errorGroup"`
}

// bankReference is the sandbox's stand-in for a bank's authorisation references:
// derived from the id, so it is stable across reads.
func bankReference(prefix string, id int64) *string {
	s := prefix + strconv.FormatInt(id, 10)
	return &s
}

func (p payment) wire(l lang, refunds []refundJSON) paymentJSON {
	commission := p.PaidPrice.Sub(p.Price)
	out := paymentJSON{
		ID:                           p.ID,
		CreatedDate:                  p.CreatedAt.Format(craftTimeLayout),
		Price:                        json.Number(plainDecimal(p.Price)),
		PaidPrice:                    json.Number(plainDecimal(p.PaidPrice)),
		WalletPrice:                  "0",
		Currency:                     p.Currency,
		Installment:                  p.Installment,
		ConversationID:               nullIfEmpty(p.ConversationID),
		ExternalID:                   nullIfEmpty(p.ExternalID),
		OrderID:                      nullIfEmpty(p.OrderID),
		PaymentType:                  paymentTypeCard,
		PaymentProvider:              paymentProviderBank,
		PaymentSource:                paymentSourcePayByLink,
		PaymentGroup:                 paymentGroupProduct,
		PaymentStatus:                p.Status,
		PaymentPhase:                 paymentPhaseAuth,
		PaymentChannel:               nullIfEmpty(p.Channel),
		MerchantCommissionRate:       json.Number(plainDecimal(installmentCommission(p.Installment).Shift(2))),
		MerchantCommissionRateAmount: json.Number(plainDecimal(commission)),
		BankCommissionRate:           "0",
		BankCommissionRateAmount:     "0",
		BinNumber:                    p.BinNumber,
		LastFourDigits:               p.LastFourDigits,
		CardHolderName:               p.CardHolderName,
		BankCardHolderName:           p.CardHolderName,
		CardType:                     cardTypeCredit,
		CardAssociation:              nullIfEmpty(p.CardAssociation),
		RefundablePrice:              json.Number(plainDecimal(p.refundable())),
		RefundStatus:                 p.refundStatus(),
		Refunds:                      refunds,
		ProductID:                    p.ProductID,
	}
	if p.Status == paymentSuccess {
		out.AuthCode = bankReference("", 100000+p.ID%900000)
		out.HostReference = bankReference("host-", p.ID)
		out.TransID = bankReference("trans-", p.ID)
		return out
	}
	e := paymentErrors[p.ErrorCode]
	out.PaymentError = &paymentErrorJSON{ErrorCode: p.ErrorCode, ErrorDescription: e.desc.in(l), ErrorGroup: e.group}
	return out
}
