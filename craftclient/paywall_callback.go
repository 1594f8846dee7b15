package craftclient

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// MaxCallbackBytes bounds a Paywall callback body; real ones are well under 1 KiB.
const MaxCallbackBytes = 64 << 10

// Errors from ParsePaywallCallback; test with errors.Is.
var (
	ErrCallbackMethod      = errors.New("craftclient: paywall callback: method must be POST")
	ErrCallbackContentType = errors.New("craftclient: paywall callback: unsupported content type")
	ErrCallbackTooLarge    = errors.New("craftclient: paywall callback: body too large")
	ErrCallbackMalformed   = errors.New("craftclient: paywall callback: malformed")
)

// PaywallCallback is a payment result Paywall posted to the merchant, either
// as the documented browser form (Server false) or as the JSON server
// callback (Server true). All values are kept as received; Amount in
// particular stays raw because the hash is computed over its text.
type PaywallCallback struct {
	Date               string
	Status             string // as sent: "true"/"false", "Success"/"Unsuccessful"
	ErrorCode          string
	ErrorMessage       string
	UniqueCode         string
	MerchantUniqueCode string
	Amount             string
	APMTransactionID   string
	Hash               string
	Success            bool
	Server             bool
}

// ParsePaywallCallback reads a callback from r: a form
// (application/x-www-form-urlencoded, fields date, status, errorCode,
// errorMessage, uniqueCode, merchantUniqueCode, amount, apmTransactionId,
// hash) or JSON (Id, Result, ResultMessage, Amount, UniqueCode,
// MerchantUniqueCode, Hash, Date, …). Names match case-insensitively. The
// callback is unauthenticated input: verify it with VerifyHash and confirm
// with APMService.Query before fulfilling anything.
func ParsePaywallCallback(r *http.Request) (*PaywallCallback, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w (got %s)", ErrCallbackMethod, r.Method)
	}
	if r.Body == nil {
		return nil, fmt.Errorf("%w: empty body", ErrCallbackMalformed)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxCallbackBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %v", ErrCallbackMalformed, err)
	}
	if len(body) > MaxCallbackBytes {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrCallbackTooLarge, MaxCallbackBytes)
	}

	isJSON, err := callbackIsJSON(r.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, err
	}
	if isJSON {
		return parseJSONCallback(body)
	}
	return parseFormCallback(body)
}

// callbackIsJSON picks the decoder from Content-Type, sniffing the body only
// when the header is missing.
func callbackIsJSON(contentType string, body []byte) (bool, error) {
	if contentType == "" {
		return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")), nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		return false, fmt.Errorf("%w: %q", ErrCallbackContentType, contentType)
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return true, nil
	case mt == "application/x-www-form-urlencoded":
		return false, nil
	}
	return false, fmt.Errorf("%w: %q", ErrCallbackContentType, mt)
}

// callbackFields holds the received values under lower-cased names.
type callbackFields map[string]string

func (f callbackFields) get(name string) string { return f[strings.ToLower(name)] }

func parseFormCallback(body []byte) (*PaywallCallback, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: form: %v", ErrCallbackMalformed, err)
	}
	f := callbackFields{}
	for k, v := range values {
		if len(v) > 0 {
			f[strings.ToLower(k)] = v[0]
		}
	}
	cb := &PaywallCallback{
		Date:               f.get("date"),
		Status:             f.get("status"),
		ErrorCode:          f.get("errorCode"),
		ErrorMessage:       f.get("errorMessage"),
		UniqueCode:         f.get("uniqueCode"),
		MerchantUniqueCode: f.get("merchantUniqueCode"),
		Amount:             f.get("amount"),
		APMTransactionID:   f.get("apmTransactionId"),
		Hash:               f.get("hash"),
	}
	if cb.Status == "" {
		return nil, fmt.Errorf("%w: field %q is missing", ErrCallbackMalformed, "status")
	}
	success, ok := parseCallbackStatus(cb.Status)
	if !ok {
		return nil, fmt.Errorf("%w: status %q is not true/false/Success/Unsuccessful", ErrCallbackMalformed, cb.Status)
	}
	cb.Success = success
	return cb, requireCallbackCode(cb)
}

func parseJSONCallback(body []byte) (*PaywallCallback, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrCallbackMalformed, err)
	}
	f := callbackFields{}
	for k, v := range raw {
		s, err := jsonScalarText(v)
		if err != nil {
			return nil, fmt.Errorf("%w: JSON field %q: %v", ErrCallbackMalformed, k, err)
		}
		f[strings.ToLower(k)] = s
	}
	cb := &PaywallCallback{
		Date:               f.get("Date"),
		Status:             f.get("ResultMessage"),
		ErrorCode:          f.get("ErrorCode"),
		ErrorMessage:       f.get("ErrorMessage"),
		UniqueCode:         f.get("UniqueCode"),
		MerchantUniqueCode: f.get("MerchantUniqueCode"),
		Amount:             f.get("Amount"),
		APMTransactionID:   f.get("Id"),
		Hash:               f.get("Hash"),
		Server:             true,
	}
	// Result is authoritative; ResultMessage is its text twin.
	status := f.get("Result")
	if status == "" {
		status = cb.Status
	}
	success, ok := parseCallbackStatus(status)
	if !ok {
		return nil, fmt.Errorf("%w: Result %q is missing or not a boolean", ErrCallbackMalformed, status)
	}
	cb.Success = success
	if cb.Status == "" {
		cb.Status = status
	}
	return cb, requireCallbackCode(cb)
}

// requireCallbackCode rejects callbacks that name no payment at all.
func requireCallbackCode(cb *PaywallCallback) error {
	if cb.MerchantUniqueCode == "" && cb.UniqueCode == "" {
		return fmt.Errorf("%w: neither merchantUniqueCode nor uniqueCode is set", ErrCallbackMalformed)
	}
	return nil
}

func parseCallbackStatus(s string) (success, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "success":
		return true, true
	case "false", "unsuccessful":
		return false, true
	}
	return false, false
}

// jsonScalarText returns a JSON scalar's text: strings unquoted, numbers
// exactly as written (so "Amount": 12.50 stays "12.50"), null as "".
func jsonScalarText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case v[0] == '{' || v[0] == '[':
		return "", errors.New("want a string, number or boolean")
	}
	return string(v), nil
}

// PaywallCallbackHash computes the APM callback hash: lowercase hex of
// SHA-256 over hashKey###apmTransactionID###merchantUniqueCode###amount,
// amount being the exact text sent (e.g. "12.50").
//
// ASSUMPTION: Paywall publishes this "###" layout for 3D, checkout and bulk
// payments but not the APM field order; this order is the documented
// payment layout with the APM transaction id, and the sandbox uses the same.
func PaywallCallbackHash(hashKey, apmTransactionID, merchantUniqueCode, amount string) string {
	sum := callbackDigest(hashKey, apmTransactionID, merchantUniqueCode, amount)
	return hex.EncodeToString(sum[:])
}

func callbackDigest(hashKey, apmTransactionID, merchantUniqueCode, amount string) [sha256.Size]byte {
	return sha256.Sum256([]byte(hashKey + "###" + apmTransactionID + "###" + merchantUniqueCode + "###" + amount))
}

// VerifyHash reports whether cb.Hash matches PaywallCallbackHash over the
// callback's own fields. It accepts the digest hex-encoded (any case) or
// base64-encoded, because the docs describe hex while their form example
// looks like base64. An empty key or hash never verifies.
func (cb *PaywallCallback) VerifyHash(hashKey string) bool {
	if hashKey == "" || cb.Hash == "" {
		return false
	}
	want := callbackDigest(hashKey, cb.APMTransactionID, cb.MerchantUniqueCode, cb.Amount)
	got, ok := decodeDigest(strings.TrimSpace(cb.Hash))
	return ok && subtle.ConstantTimeCompare(got, want[:]) == 1
}

func decodeDigest(s string) ([]byte, bool) {
	if len(s) == hex.EncodedLen(sha256.Size) {
		if b, err := hex.DecodeString(s); err == nil {
			return b, true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}
