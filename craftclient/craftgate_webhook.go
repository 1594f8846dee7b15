package craftclient

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MaxWebhookBytes bounds a Craftgate webhook body; real ones are a few
// hundred bytes, a payload included.
const MaxWebhookBytes = 64 << 10

// WebhookSignatureHeader carries a webhook's signature (WebhookSignature).
const WebhookSignatureHeader = "x-cg-signature-v1"

// WebhookEventType is what a Craftgate webhook reports.
type WebhookEventType string

// The event types of the official clients. Craftgate documents none for
// payment links: a link payment is expected to arrive as an API or
// checkout-form payment event.
const (
	WebhookEventTypeAPIAuth                       WebhookEventType = "API_AUTH"
	WebhookEventTypeAPIVerifyAndAuth              WebhookEventType = "API_VERIFY_AND_AUTH"
	WebhookEventTypeCheckoutFormAuth              WebhookEventType = "CHECKOUTFORM_AUTH"
	WebhookEventTypeThreeDSVerify                 WebhookEventType = "THREEDS_VERIFY"
	WebhookEventTypeRefund                        WebhookEventType = "REFUND"
	WebhookEventTypeRefundTx                      WebhookEventType = "REFUND_TX"
	WebhookEventTypePayoutCompleted               WebhookEventType = "PAYOUT_COMPLETED"
	WebhookEventTypeAutopilot                     WebhookEventType = "AUTOPILOT"
	WebhookEventTypeWalletCreated                 WebhookEventType = "WALLET_CREATED"
	WebhookEventTypeWalletTxCreated               WebhookEventType = "WALLET_TX_CREATED"
	WebhookEventTypeBNPLNotification              WebhookEventType = "BNPL_NOTIFICATION"
	WebhookEventTypeBankAccountTrackingRecord     WebhookEventType = "BANK_ACCOUNT_TRACKING_RECORD"
	WebhookEventTypeBKMExpressPaymentNotification WebhookEventType = "BKM_EXPRESS_PAYMENT_NOTIFICATION"
	WebhookEventTypeMultiPaymentCompleted         WebhookEventType = "MULTI_PAYMENT_COMPLETED"
	WebhookEventTypeMultiPaymentExpired           WebhookEventType = "MULTI_PAYMENT_EXPIRED"
	WebhookEventTypeReportCreated                 WebhookEventType = "REPORT_CREATED"
)

// WebhookStatus is the outcome a webhook reports.
type WebhookStatus string

const (
	WebhookStatusSuccess WebhookStatus = "SUCCESS"
	WebhookStatusFailure WebhookStatus = "FAILURE"
)

// Errors from ParseWebhook and VerifyWebhookRequest; test with errors.Is.
var (
	ErrWebhookMethod    = errors.New("craftclient: craftgate webhook: method must be POST")
	ErrWebhookTooLarge  = errors.New("craftclient: craftgate webhook: body too large")
	ErrWebhookMalformed = errors.New("craftclient: craftgate webhook: malformed")
	ErrWebhookSignature = errors.New("craftclient: craftgate webhook: signature does not verify")
)

// WebhookEvent is a notification Craftgate posted. It says only what
// happened to which payload; fetch the payload (e.g. RetrievePayment)
// before acting on it.
type WebhookEvent struct {
	EventType      WebhookEventType
	EventTime      DateTime // Craftgate's local time; zero if absent or unreadable
	EventTimestamp int64    // Unix seconds
	Status         WebhookStatus
	PayloadID      string          // e.g. a payment ID or checkout token, as sent
	Payload        json.RawMessage // the optional payload object; nil if absent or null
}

// webhookWire reads the body. The signed values are kept as the text
// Craftgate sent: payloadId may come as a number, eventTimestamp as a
// string. eventTime is not signed, so a form DateTime cannot read does not
// cost the merchant a genuine event.
type webhookWire struct {
	EventType      looseString     `json:"eventType"`
	EventTime      json.RawMessage `json:"eventTime"`
	EventTimestamp looseString     `json:"eventTimestamp"`
	Status         looseString     `json:"status"`
	PayloadID      looseString     `json:"payloadId"`
	Payload        json.RawMessage `json:"payload"`
}

// ParseWebhook reads a webhook body. It does not verify the signature (see
// VerifyWebhook, or VerifyWebhookRequest for both steps); failures wrap
// ErrWebhookTooLarge or ErrWebhookMalformed.
func ParseWebhook(body []byte) (*WebhookEvent, error) {
	if len(body) > MaxWebhookBytes {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrWebhookTooLarge, MaxWebhookBytes)
	}
	var w webhookWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebhookMalformed, err)
	}
	for _, f := range []struct {
		name  string
		value looseString
	}{{"eventType", w.EventType}, {"eventTimestamp", w.EventTimestamp}, {"status", w.Status}, {"payloadId", w.PayloadID}} {
		if f.value == "" {
			return nil, fmt.Errorf("%w: field %q is missing", ErrWebhookMalformed, f.name)
		}
	}
	ts, err := strconv.ParseInt(string(w.EventTimestamp), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: eventTimestamp %q is not a whole number of seconds", ErrWebhookMalformed, string(w.EventTimestamp))
	}
	ev := &WebhookEvent{
		EventType:      WebhookEventType(w.EventType),
		EventTimestamp: ts,
		Status:         WebhookStatus(w.Status),
		PayloadID:      string(w.PayloadID),
	}
	if len(w.EventTime) > 0 && ev.EventTime.UnmarshalJSON(w.EventTime) != nil {
		ev.EventTime = DateTime{}
	}
	if len(w.Payload) > 0 && string(w.Payload) != "null" {
		ev.Payload = w.Payload
	}
	return ev, nil
}

// WebhookSignature returns the signature Craftgate sends with ev in
// WebhookSignatureHeader: base64 (standard, padded) of HMAC-SHA256 keyed
// with the merchant's webhook key over eventType + eventTimestamp (decimal)
// + status + payloadId. A nil ev has no signature ("").
func WebhookSignature(key string, ev *WebhookEvent) string {
	if ev == nil {
		return ""
	}
	sum := webhookDigest(key, ev)
	return base64.StdEncoding.EncodeToString(sum)
}

func webhookDigest(key string, ev *WebhookEvent) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	io.WriteString(mac, string(ev.EventType))
	io.WriteString(mac, strconv.FormatInt(ev.EventTimestamp, 10))
	io.WriteString(mac, string(ev.Status))
	io.WriteString(mac, ev.PayloadID)
	return mac.Sum(nil)
}

// VerifyWebhook reports whether signature (the WebhookSignatureHeader
// value) is ev's signature under key, comparing in constant time. An empty
// key or signature, or a nil ev, never verifies.
func VerifyWebhook(key, signature string, ev *WebhookEvent) bool {
	if key == "" || ev == nil {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, webhookDigest(key, ev))
}

// VerifyWebhookRequest reads a webhook from r (POST, at most
// MaxWebhookBytes), parses it and checks its WebhookSignatureHeader under
// key. Failures wrap ErrWebhookMethod, ErrWebhookTooLarge,
// ErrWebhookMalformed or ErrWebhookSignature; answer those with a 4xx, and
// a verified event with 2xx once it is safely recorded.
func VerifyWebhookRequest(r *http.Request, key string) (*WebhookEvent, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w (got %s)", ErrWebhookMethod, r.Method)
	}
	if r.Body == nil {
		return nil, fmt.Errorf("%w: empty body", ErrWebhookMalformed)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %v", ErrWebhookMalformed, err)
	}
	ev, err := ParseWebhook(body)
	if err != nil {
		return nil, err
	}
	if !VerifyWebhook(key, r.Header.Get(WebhookSignatureHeader), ev) {
		return nil, ErrWebhookSignature
	}
	return ev, nil
}
