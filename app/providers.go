package app

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// LinkProvider is Craftgate's payment-link API as the core uses it
// (package providers adapts craftclient to it).
type LinkProvider interface {
	Search(ctx context.Context, q LinkSearch) (*LinkPage, error)
	Get(ctx context.Context, id int64) (*Link, error)
	Create(ctx context.Context, in LinkInput) (*Link, error)
	// Update replaces every field of link id (Craftgate has no partial update).
	Update(ctx context.Context, id int64, in LinkInput) (*Link, error)
	Delete(ctx context.Context, id int64) error
}

// PaymentProvider is Paywall's APM QR API as the core uses it.
type PaymentProvider interface {
	// Wallets lists the wallets that take QR payments in a currency.
	Wallets(ctx context.Context, currency Currency) ([]Wallet, error)
	// StartQR asks for a payment's QR code.
	StartQR(ctx context.Context, req QRRequest) (*PaymentStart, error)
	// Query asks where a payment stands; unknown there is a ProviderError
	// of kind ProviderNotFound.
	Query(ctx context.Context, code string) (*ProviderPayment, error)
	// Refund returns amount of a payment (whole: everything that remains)
	// and says how much the provider refunded.
	Refund(ctx context.Context, uniqueCode string, amount decimal.Decimal, whole bool) (decimal.Decimal, error)
	// ParseCallback reads a result the provider posted and checks its hash
	// when a hash key is configured.
	ParseCallback(body []byte, contentType string) (*ProviderCallback, error)
	// QRImage returns the image a QR detail carries, if it is one (rather
	// than text or a URL to encode).
	QRImage(formatType int, content string) (data []byte, mime string, ok bool)
}

// Wallet is a payment app a QR code can be paid with (a Paywall APM
// provider connection).
type Wallet struct {
	Key          string // the provider's key, sent when starting
	Name         string
	ConnectionID int
	ExternalID   string // tells connections of one provider apart
	Logo         string
}

// QRRequest starts one QR payment.
type QRRequest struct {
	Code         string // our merchant unique code
	Wallet       string // Wallet.Key
	ConnectionID *int
	Amount       decimal.Decimal
	Currency     Currency
	Description  string
	SuccessURL   string // where the provider posts a success
	FailURL      string // where it posts a failure
}

// PaymentStart is what the provider returned for a started payment.
type PaymentStart struct {
	UniqueCode       string // the provider's code; refunds need it
	APMTransactionID int64
	QRFormatType     int
	QRContent        string
}

// ProviderStatus is where a payment stands at the provider.
type ProviderStatus int

// Provider statuses the core acts on; anything else is still open.
const (
	ProviderOpen ProviderStatus = iota
	ProviderPaid
	ProviderFailed
	ProviderRefunded
	ProviderPartiallyRefunded
)

// ProviderPayment is the provider's answer about one payment.
type ProviderPayment struct {
	Status           ProviderStatus
	UniqueCode       string
	APMTransactionID int64
}

// ProviderCallback is a result the provider posted, as sent.
type ProviderCallback struct {
	MerchantUniqueCode string
	UniqueCode         string
	APMTransactionID   string
	Amount             string
	Success            bool
	// Server says it came from the provider's server (JSON), not a
	// browser form.
	Server bool
	// HashInvalid says a hash key is configured and the callback's hash
	// does not match it (or is missing).
	HashInvalid bool
}

// ProviderErrorKind classifies a failed provider call by what the person
// can do about it.
type ProviderErrorKind int

// Kinds of provider failures.
const (
	ProviderFailedCall  ProviderErrorKind = iota // an error answer: auth, a business rule
	ProviderTimeout                              // no answer in time: the call may have happened
	ProviderUnreachable                          // no connection: it did not happen
	ProviderBadAnswer                            // an answer that could not be read
	ProviderNotFound                             // the record does not exist there
	ProviderRefused                              // the request was refused as invalid
)

// ProviderError is a failed call to Craftgate or Paywall, classified in
// one place (package providers) so the core and the pages never look at a
// client's own error types.
type ProviderError struct {
	Provider    string // "craftgate" or "paywall"
	Kind        ProviderErrorKind
	Code        string // the provider's error code, if it sent one
	Description string // the provider's error text
	// Field is the request field a refusal concerns (Craftgate's JSON
	// name), when the answer names one.
	Field string
	// Status is the HTTP status of an error answer (0 without one): 429
	// and 5xx say "later", which bulk work waits for and retries.
	Status int
	Err    error
}

func (e *ProviderError) Error() string {
	s := e.Provider + " call failed"
	if e.Code != "" {
		s += ": code " + e.Code
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ProviderError) Unwrap() error { return e.Err }

// AsProviderError returns the *ProviderError in err's chain.
func AsProviderError(err error) (*ProviderError, bool) {
	var pe *ProviderError
	ok := errors.As(err, &pe)
	return pe, ok
}

// Busy reports an answer that asks to come back later: throttled (429)
// or a server error (5xx). Nothing was refused, so the call may be tried
// again after a wait.
func (e *ProviderError) Busy() bool {
	return e.Status == 429 || e.Status >= 500
}

// providerKind is err's kind when it is a provider failure.
func providerKind(err error) (ProviderErrorKind, bool) {
	pe, ok := AsProviderError(err)
	if !ok {
		return 0, false
	}
	return pe.Kind, true
}

// IsProviderNotFound reports a provider saying the record does not exist.
func IsProviderNotFound(err error) bool {
	k, ok := providerKind(err)
	return ok && k == ProviderNotFound
}

// outcomeUnknown reports a failure after which the call may still have
// happened at the provider: anything but an answer that refused it.
func outcomeUnknown(err error) bool {
	k, ok := providerKind(err)
	return !ok || k == ProviderTimeout || k == ProviderBadAnswer || k == ProviderUnreachable
}

// SalesProvider is Craftgate's payment reporting, refunds and webhooks as
// the core uses them (package providers adapts craftclient to it).
type SalesProvider interface {
	// LinkPayment reads one payment with its refunds; unknown there is a
	// ProviderError of kind ProviderNotFound.
	LinkPayment(ctx context.Context, id int64) (*ReportedPayment, error)
	// LinkPayments returns one page of the payments taken through links
	// between From and To (both inclusive, to the second).
	LinkPayments(ctx context.Context, q LinkPaymentSearch) (*ReportedPage, error)
	// RefundPaymentID names the payment a refund was of.
	RefundPaymentID(ctx context.Context, refundID int64) (int64, error)
	// Refund gives amount of a payment back (whole: everything that
	// remains) and returns the refund Craftgate made.
	Refund(ctx context.Context, paymentID int64, amount decimal.Decimal, whole bool) (*ProviderRefund, error)
	// ParseWebhook reads a webhook and checks its signature: errors wrap
	// ErrWebhookMalformed or ErrWebhookForged.
	ParseWebhook(body []byte, signature string) (*WebhookEvent, error)
}

// ReportedPayment is a payment as reporting shows it: LinkID is left for
// the core to match (MatchLink).
type ReportedPayment struct {
	Payment LinkPayment
	// ByLink says it was taken through a payment link (PAY_BY_LINK), not
	// by an API or checkout integration of the merchant's.
	ByLink bool
}

// LinkPaymentSearch selects link payments by time; Page is zero-based.
type LinkPaymentSearch struct {
	From, To   time.Time
	Page, Size int
}

// ReportedPage is one page of a payment search.
type ReportedPage struct {
	Payments []ReportedPayment
	Total    int64
}

// WebhookEvent is a verified Craftgate webhook: it only says something
// happened to a payload, which the core reads from reporting before acting.
type WebhookEvent struct {
	// Key identifies the event by what Craftgate signed: a repeat of it,
	// Craftgate's retry or someone's replay, has the same key.
	Key       string
	Type      string
	Status    string
	PayloadID string
	At        time.Time
}

// Why a webhook is not accepted.
var (
	ErrWebhookMalformed = errors.New("webhook: malformed")
	ErrWebhookForged    = errors.New("webhook: signature does not verify")
)
