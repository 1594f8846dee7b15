package craftclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Provider names carried in APIError.Provider.
const (
	ProviderCraftgate = "craftgate"
	ProviderPaywall   = "paywall"
)

// maxExcerpt bounds how much of an unparseable body ends up in an error.
const maxExcerpt = 200

// APIError is an error answer from Craftgate or Paywall: a non-2xx status, a
// Craftgate 2xx carrying "errors", or a Paywall envelope with ErrorCode != 0
// or Result false. When the body is not the provider's envelope (HTML from a
// proxy, empty, truncated), Code is empty and Description holds a short
// excerpt of the body or the status text.
type APIError struct {
	Provider        string // ProviderCraftgate or ProviderPaywall
	HTTPStatus      int
	Code            string // Craftgate errorCode, or Paywall ErrorCode in decimal
	Description     string
	Group           string // Craftgate errorGroup (payment errors only)
	ProviderCode    string // acquirer/APM code from Craftgate providerError
	ProviderMessage string
	Method          string
	Path            string // request path without query
}

// Error is the name the issue tracker uses for APIError.
type Error = APIError

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "craftclient: %s %s %s: HTTP %d", e.Provider, e.Method, e.Path, e.HTTPStatus)
	if e.Code != "" {
		b.WriteString(" code " + e.Code)
	}
	if e.Group != "" {
		b.WriteString(" (" + e.Group + ")")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.ProviderCode != "" || e.ProviderMessage != "" {
		b.WriteString(" (provider error " + strings.TrimSpace(e.ProviderCode+" "+e.ProviderMessage) + ")")
	}
	return b.String()
}

// ErrMalformedResponse is wrapped by every error for a 2xx answer the client
// could not read: not JSON, truncated, the wrong shape, or without data. The
// provider (or a proxy) misbehaved, so callers treat it like a bad gateway,
// not like a bug of their own. Test with errors.Is.
var ErrMalformedResponse = errors.New("malformed response")

// malformed wraps ErrMalformedResponse with the call and, when there is one,
// the decoder's error.
func malformed(method, path, what string, err error) error {
	if err == nil {
		return fmt.Errorf("craftclient: %s %s: %w: %s", method, path, ErrMalformedResponse, what)
	}
	return fmt.Errorf("craftclient: %s %s: %w: %s: %w", method, path, ErrMalformedResponse, what, err)
}

// ValidationError reports a request the client refused to send because it
// breaks an invariant. Field is the field's wire (JSON) name, e.g. "price" or
// "MerchantUniqueCode", so callers can map it onto a form field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	return "craftclient: invalid " + e.Field + ": " + e.Message
}

func invalid(field, message string) *ValidationError {
	return &ValidationError{Field: field, Message: message}
}

// Paywall ErrorCode values the helpers classify (from the official .NET SDK's
// ErrorCodes enum). The list is open; unknown business codes count as
// validation errors.
const (
	paywallUnsuccessful           = 1
	paywallNoData                 = 3
	paywallHeaderMissing          = 4
	paywallException              = 5
	paywallPaymentNotFound        = 56
	paywallAPMProviderNotFound    = 281
	paywallAPMConnectionNotFound  = 286
	paywallAPMTransactionNotFound = 296
)

func asAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// paywallCode returns the numeric Paywall ErrorCode, if err is one.
func paywallCode(e *APIError) (int, bool) {
	if e.Provider != ProviderPaywall || e.Code == "" {
		return 0, false
	}
	n, err := strconv.Atoi(e.Code)
	return n, err == nil
}

// IsNotFound reports whether err says the resource does not exist: HTTP 404,
// or a Paywall "not found" code (3, 56, 281, 286, 296, 404).
func IsNotFound(err error) bool {
	e, ok := asAPIError(err)
	if !ok {
		return false
	}
	if e.HTTPStatus == http.StatusNotFound {
		return true
	}
	code, ok := paywallCode(e)
	return ok && isPaywallNotFound(code)
}

func isPaywallNotFound(code int) bool {
	switch code {
	case paywallNoData, paywallPaymentNotFound, paywallAPMProviderNotFound,
		paywallAPMConnectionNotFound, paywallAPMTransactionNotFound, http.StatusNotFound:
		return true
	}
	return false
}

// IsAuth reports whether the credentials were missing or rejected: HTTP 401 or
// 403, or Paywall codes 4 (HeaderMissing), 401 and 403.
func IsAuth(err error) bool {
	e, ok := asAPIError(err)
	if !ok {
		return false
	}
	if e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden {
		return true
	}
	code, ok := paywallCode(e)
	return ok && isPaywallAuth(code)
}

func isPaywallAuth(code int) bool {
	return code == paywallHeaderMissing || code == http.StatusUnauthorized || code == http.StatusForbidden
}

// IsValidation reports whether the request was refused as invalid: a
// client-side *ValidationError, Craftgate HTTP 400 or 422, or a Paywall
// business code. Paywall codes that mean auth, not found, or a server fault
// (codes up to 1, 5, 500-504) are not validation errors.
func IsValidation(err error) bool {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return true
	}
	e, ok := asAPIError(err)
	if !ok {
		return false
	}
	if code, ok := paywallCode(e); ok {
		switch {
		case code <= paywallUnsuccessful,
			code == paywallException,
			code >= http.StatusInternalServerError && code <= http.StatusGatewayTimeout,
			isPaywallAuth(code), isPaywallNotFound(code):
			return false
		}
		return true
	}
	return e.HTTPStatus == http.StatusBadRequest || e.HTTPStatus == http.StatusUnprocessableEntity
}

// IsTimeout reports whether err is a deadline: the caller's context deadline
// or the http.Client timeout. A cancelled context is not a timeout.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// excerpt turns an unparseable body into a short, printable description.
func excerpt(status int, body []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(body), "?"))
	if s == "" {
		return http.StatusText(status)
	}
	if len(s) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
