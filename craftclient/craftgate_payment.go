package craftclient

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

const reportingPaymentsPath = "/payment-reporting/v1/payments"

// PaymentStatus is the state of a Craftgate payment.
type PaymentStatus string

const (
	PaymentStatusSuccess         PaymentStatus = "SUCCESS"
	PaymentStatusFailure         PaymentStatus = "FAILURE"
	PaymentStatusInitThreeDS     PaymentStatus = "INIT_THREEDS"     // 3-D Secure started
	PaymentStatusCallbackThreeDS PaymentStatus = "CALLBACK_THREEDS" // 3-D Secure answered, not completed
	PaymentStatusWaiting         PaymentStatus = "WAITING"
)

// PaymentSource is where a payment was started.
type PaymentSource string

const (
	PaymentSourceAPI          PaymentSource = "API"
	PaymentSourceCheckoutForm PaymentSource = "CHECKOUT_FORM"
	PaymentSourcePayByLink    PaymentSource = "PAY_BY_LINK" // a payment link (product)
	PaymentSourceHepsipay     PaymentSource = "HEPSIPAY"
	PaymentSourceJuzdan       PaymentSource = "JUZDAN"
	PaymentSourceMono         PaymentSource = "MONO"
)

// PaymentType is how a payment was paid.
type PaymentType string

const (
	PaymentTypeCardPayment            PaymentType = "CARD_PAYMENT"
	PaymentTypeWalletPayment          PaymentType = "WALLET_PAYMENT"
	PaymentTypeCardAndWalletPayment   PaymentType = "CARD_AND_WALLET_PAYMENT"
	PaymentTypeDepositPayment         PaymentType = "DEPOSIT_PAYMENT"
	PaymentTypeHepsipayDepositPayment PaymentType = "HEPSIPAY_DEPOSIT_PAYMENT"
	PaymentTypeBankTransfer           PaymentType = "BANK_TRANSFER"
	PaymentTypeAPM                    PaymentType = "APM"
)

// PaymentProvider is who took the money. Craftgate lists over forty (each
// APM is one); the constants are the common ones and the type is open.
type PaymentProvider string

const (
	PaymentProviderBank       PaymentProvider = "BANK"
	PaymentProviderCGWallet   PaymentProvider = "CG_WALLET"
	PaymentProviderMasterpass PaymentProvider = "MASTERPASS"
	PaymentProviderGarantiPay PaymentProvider = "GARANTI_PAY"
	PaymentProviderPapara     PaymentProvider = "PAPARA"
	PaymentProviderApplePay   PaymentProvider = "APPLEPAY"
	PaymentProviderGooglePay  PaymentProvider = "GOOGLEPAY"
	PaymentProviderPayPal     PaymentProvider = "PAYPAL"
	PaymentProviderOffline    PaymentProvider = "OFFLINE"
)

// PaymentRefundStatus says how much of a payment went back: the payment's
// refundStatus. (A single refund's outcome is a RefundStatus.)
type PaymentRefundStatus string

const (
	PaymentRefundStatusNoRefund        PaymentRefundStatus = "NO_REFUND" // nothing to refund (e.g. failed)
	PaymentRefundStatusNotRefunded     PaymentRefundStatus = "NOT_REFUNDED"
	PaymentRefundStatusPartialRefunded PaymentRefundStatus = "PARTIAL_REFUNDED"
	PaymentRefundStatusFullyRefunded   PaymentRefundStatus = "FULLY_REFUNDED"
)

// CardType is the kind of card paid with.
type CardType string

const (
	CardTypeCreditCard  CardType = "CREDIT_CARD"
	CardTypeDebitCard   CardType = "DEBIT_CARD"
	CardTypePrepaidCard CardType = "PREPAID_CARD"
)

// CardAssociation is the card scheme.
type CardAssociation string

const (
	CardAssociationVisa       CardAssociation = "VISA"
	CardAssociationMasterCard CardAssociation = "MASTER_CARD"
	CardAssociationAmex       CardAssociation = "AMEX"
	CardAssociationTroy       CardAssociation = "TROY"
	CardAssociationJCB        CardAssociation = "JCB"
	CardAssociationUnionPay   CardAssociation = "UNION_PAY"
	CardAssociationMaestro    CardAssociation = "MAESTRO"
	CardAssociationDiscover   CardAssociation = "DISCOVER"
	CardAssociationDinersClub CardAssociation = "DINERS_CLUB"
)

// PaymentError is why a payment (or a refund) failed, as the bank or
// Craftgate put it.
type PaymentError struct {
	ErrorCode        string `json:"errorCode"`
	ErrorDescription string `json:"errorDescription"`
	ErrorGroup       string `json:"errorGroup"` // e.g. NOT_SUFFICIENT_FUNDS
}

// ReportingPayment is a payment as Craftgate's payment reporting shows it.
// Fields Craftgate leaves out are zero.
type ReportingPayment struct {
	ID              int64               `json:"id"`
	CreatedDate     DateTime            `json:"createdDate"`
	Price           Amount              `json:"price"`     // the basket
	PaidPrice       Amount              `json:"paidPrice"` // charged, with installment interest
	Currency        Currency            `json:"currency"`
	Installment     int                 `json:"installment"`
	PaymentType     PaymentType         `json:"paymentType"`
	PaymentProvider PaymentProvider     `json:"paymentProvider"`
	PaymentSource   PaymentSource       `json:"paymentSource"`
	PaymentStatus   PaymentStatus       `json:"paymentStatus"`
	PaymentChannel  string              `json:"paymentChannel"`
	ConversationID  string              `json:"conversationId"`
	ExternalID      string              `json:"externalId"`
	OrderID         string              `json:"orderId"`
	BuyerMemberID   int64               `json:"buyerMemberId"`
	IsThreeDS       bool                `json:"isThreeDS"`
	BinNumber       string              `json:"binNumber"`
	LastFourDigits  string              `json:"lastFourDigits"`
	CardType        CardType            `json:"cardType"`
	CardAssociation CardAssociation     `json:"cardAssociation"`
	CardHolderName  string              `json:"cardHolderName"`
	RefundStatus    PaymentRefundStatus `json:"refundStatus"`
	RefundablePrice Amount              `json:"refundablePrice"`
	PaymentError    *PaymentError       `json:"paymentError"` // nil unless it failed
	// Refunds are the payment's refunds, oldest first (reporting lists
	// them without TransactionRefunds).
	Refunds []PaymentRefund `json:"refunds"`

	// ProductID is the payment link (Product.ID) the payment came through.
	// Craftgate documents no such field; it is the sandbox's documented
	// extension, and 0 when absent. Against real Craftgate, match a link's
	// OrderID, ConversationID or ExternalID instead.
	ProductID int64 `json:"productId"`
}

// PaymentSearchRequest filters SearchPayments. Every filter of Craftgate's
// search is here. Zero values are not sent (empty strings, numbers <= 0,
// nil pointers); the filters where zero or false is a meaningful bound
// are pointers. Page is zero-based; the API defaults to page 0, size 25.
type PaymentSearchRequest struct {
	Page                 int
	Size                 int
	PaymentID            int64
	PaymentTransactionID int64
	BuyerMemberID        int64
	SubMerchantMemberID  int64
	ConversationID       string
	ExternalID           string
	OrderID              string
	PaymentType          PaymentType
	PaymentProvider      PaymentProvider
	PaymentStatus        PaymentStatus
	PaymentSource        PaymentSource // PaymentSourcePayByLink: payments through links
	PaymentChannel       string
	BinNumber            string
	LastFourDigits       string
	Currency             Currency
	MinPaidPrice         *Amount
	MaxPaidPrice         *Amount
	Installment          int
	IsThreeDS            *bool // nil: either; false: only payments without 3-D Secure
	MinCreatedDate       *time.Time
	MaxCreatedDate       *time.Time
}

// paymentSearchFields are the query keys, in Encode's order; a refusal
// may name one (APIError.Field).
var paymentSearchFields = []string{
	"page", "size", "paymentId", "paymentTransactionId", "buyerMemberId", "subMerchantMemberId",
	"conversationId", "externalId", "orderId", "paymentType", "paymentProvider", "paymentStatus",
	"paymentSource", "paymentChannel", "binNumber", "lastFourDigits", "currency", "minPaidPrice",
	"maxPaidPrice", "installment", "isThreeDS", "minCreatedDate", "maxCreatedDate",
}

// Validate refuses filters that cannot match: negative numbers, a minimum
// above its maximum. It returns the first problem as a *ValidationError.
func (r PaymentSearchRequest) Validate() error {
	for _, n := range []struct {
		field string
		v     int64
	}{
		{"page", int64(r.Page)}, {"size", int64(r.Size)}, {"paymentId", r.PaymentID},
		{"paymentTransactionId", r.PaymentTransactionID}, {"buyerMemberId", r.BuyerMemberID},
		{"subMerchantMemberId", r.SubMerchantMemberID}, {"installment", int64(r.Installment)},
	} {
		if n.v < 0 {
			return invalid(n.field, "must not be negative")
		}
	}
	if r.MinPaidPrice != nil && r.MaxPaidPrice != nil && r.MinPaidPrice.GreaterThan(r.MaxPaidPrice.Decimal) {
		return invalid("minPaidPrice", "must not be above maxPaidPrice")
	}
	if r.MinCreatedDate != nil && r.MaxCreatedDate != nil && r.MinCreatedDate.After(*r.MaxCreatedDate) {
		return invalid("minCreatedDate", "must not be after maxCreatedDate")
	}
	return nil
}

// Encode returns the query string the search sends: filters in the field
// order of the official clients' SearchPaymentsRequest, spaces as %20,
// dates as DateTimeLayout in their own location, amounts in their own
// scale. Equal searches encode equally.
func (r PaymentSearchRequest) Encode() string {
	var q queryBuilder
	addInt := func(key string, n int64) {
		if n > 0 {
			q.add(key, strconv.FormatInt(n, 10))
		}
	}
	addString := func(key, value string) {
		if value != "" {
			q.add(key, value)
		}
	}
	addInt("page", int64(r.Page))
	addInt("size", int64(r.Size))
	addInt("paymentId", r.PaymentID)
	addInt("paymentTransactionId", r.PaymentTransactionID)
	addInt("buyerMemberId", r.BuyerMemberID)
	addInt("subMerchantMemberId", r.SubMerchantMemberID)
	addString("conversationId", r.ConversationID)
	addString("externalId", r.ExternalID)
	addString("orderId", r.OrderID)
	addString("paymentType", string(r.PaymentType))
	addString("paymentProvider", string(r.PaymentProvider))
	addString("paymentStatus", string(r.PaymentStatus))
	addString("paymentSource", string(r.PaymentSource))
	addString("paymentChannel", r.PaymentChannel)
	addString("binNumber", r.BinNumber)
	addString("lastFourDigits", r.LastFourDigits)
	addString("currency", string(r.Currency))
	if r.MinPaidPrice != nil {
		q.add("minPaidPrice", r.MinPaidPrice.String())
	}
	if r.MaxPaidPrice != nil {
		q.add("maxPaidPrice", r.MaxPaidPrice.String())
	}
	addInt("installment", int64(r.Installment))
	if r.IsThreeDS != nil {
		q.add("isThreeDS", strconv.FormatBool(*r.IsThreeDS))
	}
	if r.MinCreatedDate != nil {
		q.add("minCreatedDate", r.MinCreatedDate.Format(DateTimeLayout))
	}
	if r.MaxCreatedDate != nil {
		q.add("maxCreatedDate", r.MaxCreatedDate.Format(DateTimeLayout))
	}
	return q.String()
}

// PaymentPage is one page of payment search results.
type PaymentPage struct {
	Items     []ReportingPayment `json:"items"`
	Page      int                `json:"page"`
	Size      int                `json:"size"`
	TotalSize int64              `json:"totalSize"`
}

// PaymentService reads payments and refunds them. Refunds are never
// retried: a failed or timed-out refund may still have happened, so check
// PaymentRefunds before trying again.
type PaymentService struct{ c *Craftgate }

// SearchPayments returns one page of payments matching req, e.g. those
// taken through links: PaymentSearchRequest{PaymentSource: PaymentSourcePayByLink}.
func (s *PaymentService) SearchPayments(ctx context.Context, req PaymentSearchRequest) (*PaymentPage, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return do[PaymentPage](ctx, s.c, call{
		method: http.MethodGet, path: reportingPaymentsPath, query: req.Encode(), fields: paymentSearchFields,
	})
}

// RetrievePayment returns payment id.
func (s *PaymentService) RetrievePayment(ctx context.Context, id int64) (*ReportingPayment, error) {
	if id <= 0 {
		return nil, invalid("id", "must be positive")
	}
	return do[ReportingPayment](ctx, s.c, call{method: http.MethodGet, path: reportingPaymentPath(id), fields: idFields})
}

func reportingPaymentPath(id int64) string {
	return reportingPaymentsPath + "/" + strconv.FormatInt(id, 10)
}
