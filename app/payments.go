package app

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// PaymentStatus is where a QR payment stands. The values are stable
// machine values, used as they are in the CSV export.
type PaymentStatus string

// Payment statuses. Only pending is open; every other status is settled.
const (
	PaymentStatusPending           PaymentStatus = "pending"
	PaymentStatusPaid              PaymentStatus = "paid"
	PaymentStatusFailed            PaymentStatus = "failed"
	PaymentStatusExpired           PaymentStatus = "expired"
	PaymentStatusRefunded          PaymentStatus = "refunded"
	PaymentStatusPartiallyRefunded PaymentStatus = "partially_refunded"
)

// PaymentStatuses lists every status, for filters.
var PaymentStatuses = []PaymentStatus{
	PaymentStatusPending, PaymentStatusPaid, PaymentStatusFailed, PaymentStatusExpired,
	PaymentStatusRefunded, PaymentStatusPartiallyRefunded,
}

// Valid reports whether s is a known status.
func (s PaymentStatus) Valid() bool {
	switch s {
	case PaymentStatusPending, PaymentStatusPaid, PaymentStatusFailed, PaymentStatusExpired,
		PaymentStatusRefunded, PaymentStatusPartiallyRefunded:
		return true
	}
	return false
}

// Final reports whether the payment is settled: every known status but pending.
func (s PaymentStatus) Final() bool { return s.Valid() && s != PaymentStatusPending }

// Refundable reports whether money can still be given back from this status.
func (s PaymentStatus) Refundable() bool {
	return s == PaymentStatusPaid || s == PaymentStatusPartiallyRefunded
}

// Payment is one APM QR payment taken at the counter. It is written as
// pending before the provider is called, so none is ever lost.
type Payment struct {
	ID                 int64
	MerchantUniqueCode string // our code, unique; sent to the provider
	CallbackToken      string // unique and unguessable, in the callback URLs
	Amount             decimal.Decimal
	Currency           Currency
	Description        string
	Provider           string // the wallet's key
	ConnectionID       *int
	StaffID            *int64
	StaffEmail         string // kept as it was at the time
	Status             PaymentStatus
	UniqueCode         string // the provider's code, once started
	APMTransactionID   int64
	QRFormatType       int
	QRContent          string
	LastError          string // why the last start attempt failed; empty after a success
	RefundedAmount     decimal.Decimal
	Attempts           int // start attempts, successful or not
	CreatedAt          time.Time
	UpdatedAt          time.Time
	StartedAt          *time.Time
	SettledAt          *time.Time
	CheckedAt          *time.Time // last reconciliation query
	// LeaseOwner is the instance working on the payment (starting it or
	// asking the provider about it) until LeaseUntil; nil when none is.
	LeaseOwner string
	LeaseUntil *time.Time
}

// Remaining is the amount that can still be refunded.
func (p *Payment) Remaining() decimal.Decimal { return p.Amount.Sub(p.RefundedAmount) }

// Refundable reports whether money can go back from p now.
func (p *Payment) Refundable() bool { return p.Status.Refundable() && p.UniqueCode != "" }

// MinCallbackTokenLen is the shortest callback token a store accepts: the
// token is what protects the public callback URL.
const MinCallbackTokenLen = 16

// MaxPaymentDescriptionLen is the longest payment description, in runes.
const MaxPaymentDescriptionLen = 200

// PaymentDraft is a QR payment as staff typed it.
type PaymentDraft struct {
	Amount      string
	Currency    string
	Description string
	Wallet      string // the chosen wallet's connection id
}

// PaymentInput is a valid payment to start.
type PaymentInput struct {
	Amount      decimal.Decimal
	Currency    Currency
	Description string
	Wallet      Wallet
}

// Parse checks the draft against the rules and the wallets offered for
// its currency, returning the problems by field ("amount", "currency",
// "description", "provider"). walletsErr is why the wallets could not be
// listed, if they could not.
func (d PaymentDraft) Parse(wallets []Wallet, walletsErr error) (PaymentInput, FieldErrors) {
	var (
		in PaymentInput
		fe FieldErrors
	)
	if a, key := checkAmount(d.Amount); key != "" {
		fe.Add("amount", "payment."+key)
	} else {
		in.Amount = a
	}
	in.Currency = Currency(d.Currency)
	if !in.Currency.ValidPayment() {
		fe.Add("currency", "payment.currency_invalid")
	}
	in.Description = strings.TrimSpace(d.Description)
	switch n := utf8.RuneCountInString(in.Description); {
	case n == 0:
		fe.Add("description", "payment.description_required")
	case n > MaxPaymentDescriptionLen:
		fe.Add("description", "payment.description_too_long")
	}
	switch w, ok := findWallet(wallets, d.Wallet); {
	case d.Wallet == "":
		fe.Add("provider", "payment.provider_required")
	case walletsErr != nil:
		fe.Add("provider", "payment.providers_unavailable")
	case !ok:
		fe.Add("provider", "payment.provider_unavailable")
	default:
		in.Wallet = w
	}
	return in, fe
}

func findWallet(ws []Wallet, connectionID string) (Wallet, bool) {
	for _, w := range ws {
		if strconv.Itoa(w.ConnectionID) == connectionID {
			return w, true
		}
	}
	return Wallet{}, false
}

// checkAmount parses a typed amount for Paywall, which takes at most two
// decimals, and returns the problem as a catalog key suffix.
func checkAmount(s string) (decimal.Decimal, string) {
	if len(s) > 64 {
		return decimal.Zero, "amount_invalid"
	}
	d, err := ParseMoney(s)
	switch {
	case err != nil:
		return d, "amount_invalid"
	case d.Sign() <= 0:
		return d, "amount_positive"
	case d.Exponent() < -2 && !d.Equal(d.Truncate(2)):
		return d, "amount_decimals"
	case d.Cmp(maxAmount) >= 0:
		return d, "amount_too_large"
	}
	// "12.500" is fine, but is sent as "12.50": Paywall refuses a third decimal.
	return d.Truncate(2), ""
}

// PaymentFilter selects payments; zero fields do not filter. From is
// inclusive and To exclusive, on CreatedAt. The amount bounds are
// inclusive. Limit 0 means DefaultPageSize, capped at MaxPageSize.
type PaymentFilter struct {
	Status               PaymentStatus
	From, To             time.Time
	MinAmount, MaxAmount *decimal.Decimal
	StaffID              *int64
	Limit, Offset        int
}

// Callback kinds: a browser form posted to the success or fail URL, or the
// provider's server-to-server JSON notification.
const (
	CallbackKindSuccess = "success"
	CallbackKindFail    = "fail"
	CallbackKindServer  = "server"
)

// MaxCallbackPayload caps a stored callback's payload in bytes: callback
// routes are public, so a huge body must not become a huge row. Paywall's
// are well under 1 KiB, so a real one is kept whole.
const MaxCallbackPayload = 4 << 10

// Callback is one provider callback as received, accepted or refused.
type Callback struct {
	ID                 int64
	Key                string // unique per distinct callback: a repeat is recorded once
	At                 time.Time
	MerchantUniqueCode string // the payment it concerns
	Kind               string // CallbackKindSuccess, CallbackKindFail or CallbackKindServer
	Accepted           bool
	Reason             string // why it was refused, or what it changed
	RemoteIP           string
	Payload            string // the raw body, truncated to MaxCallbackPayload
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RefundStatus is where a refund intent stands.
type RefundStatus string

// Refund statuses: open until the provider's answer is recorded.
const (
	RefundOpen RefundStatus = "open"
	RefundDone RefundStatus = "done"
	// RefundFailed: the provider refused it, or says it never happened.
	RefundFailed RefundStatus = "failed"
	// RefundUnresolved: the provider's answer was lost and its status
	// cannot tell whether this refund happened; a person must look.
	RefundUnresolved RefundStatus = "unresolved"
)

// Refund is the intent to give money back, written before the provider is
// asked, then finished with what it answered.
type Refund struct {
	ID          int64
	PaymentCode string
	Amount      decimal.Decimal // asked for
	Whole       bool            // everything that remained
	Status      RefundStatus
	Refunded    decimal.Decimal // what the provider refunded, once done
	Problem     string          // why it failed, a catalog key and the provider's code
	ActorID     *int64
	ActorEmail  string
	IP          string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
