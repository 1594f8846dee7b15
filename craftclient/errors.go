package craftclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
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

	// Field is the request field (its JSON name, e.g. "price" or
	// "enabledInstallments") a validation refusal concerns, like
	// stripe-go's Error.Param; "" when the answer does not say. Neither
	// provider publishes per-field codes, so it is read from Description
	// (see refusalField): only for validation refusals (IsValidation),
	// only the fields of the call that was refused. Real Craftgate words
	// its errors in Turkish unless asked otherwise, so clients that map
	// Field onto a form should send WithLang("en"); the sandbox's Turkish
	// texts are matched too.
	Field string
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
	if e.Field != "" {
		b.WriteString(" (field " + e.Field + ")")
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
	return ok && e.isValidation()
}

func (e *APIError) isValidation() bool {
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

// ErrorField returns the request field err concerns: the Field of a
// *ValidationError (refused before sending) or of an *APIError (refused
// by the provider), or "" when err names none. It is the one call a form
// handler needs to put an error next to its input.
func ErrorField(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Field
	}
	if e, ok := asAPIError(err); ok {
		return e.Field
	}
	return ""
}

// setField fills Field from description, which must be the provider's own
// text (never an excerpt of a body), for validation refusals only.
func (e *APIError) setField(description string, fields []string) {
	if len(fields) > 0 && description != "" && e.isValidation() {
		e.Field = refusalField(description, fields)
	}
}

// refusalField is the one place a provider's refusal is mapped to a
// request field. The rule: of fields (the JSON names of the refused call's
// request fields), the one named earliest in description, compared
// case-insensitively, as a whole word ("price must be greater than 0!" is
// price; "stock must be 1 when orderId is given!" is stock); a Turkish
// alias from fieldAliases counts as naming its field where it starts a
// word ("Fiyat sıfırdan büyük olmalıdır!" is price). At the same position
// the longer name wins. No name found gives "".
func refusalField(description string, fields []string) string {
	text := strings.ToLower(description)
	best, bestAt := "", len(text)
	consider := func(field string, at int) {
		if at >= 0 && (at < bestAt || at == bestAt && len(field) > len(best)) {
			best, bestAt = field, at
		}
	}
	for _, f := range fields {
		consider(f, indexWord(text, strings.ToLower(f), true))
	}
	for _, a := range fieldAliases {
		for _, name := range a.fields {
			if i := slices.IndexFunc(fields, func(f string) bool { return strings.EqualFold(f, name) }); i >= 0 {
				consider(fields[i], indexWord(text, a.alias, false))
				break
			}
		}
	}
	return best
}

// fieldAliases are the words the sandbox's Turkish descriptions (see
// sandbox/craftgate.go and sandbox/paywall.go) use for request fields,
// lower-cased, each with the field names it may stand for, first match
// wins. Turkish adds suffixes ("taksitler", "fiyatı"), so an alias only
// has to start a word.
var fieldAliases = []struct {
	alias  string
	fields []string
}{
	{"link adı", []string{"name"}},
	{"açıklama", []string{"description"}},
	{"fiyat", []string{"price"}},
	{"para birimi", []string{"currency", "currencyId"}},
	{"taksit", []string{"enabledInstallments", "installment"}},
	{"stok", []string{"stock"}},
	{"link durumu", []string{"status"}},
	{"son geçerlilik", []string{"expiresAt"}},
	{"sayfa büyüklüğü", []string{"size"}},
	{"tutar", []string{"refundPrice", "amount"}},
}

// indexWord returns the index of the first occurrence of word in s that
// starts a word (is not preceded by a letter or digit) and, when whole,
// also ends one; -1 if there is none.
func indexWord(s, word string, whole bool) int {
	if word == "" {
		return -1
	}
	for from := 0; from < len(s); {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(word):])
		if (i == 0 || !isWordRune(before)) && (!whole || i+len(word) == len(s) || !isWordRune(after)) {
			return i
		}
		from = i + 1
	}
	return -1
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

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
