package sandbox

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// paywallError is answered in Paywall's envelope with Result false. Codes come from the
// official SDK's ErrorCodes enum (paywall-notes §5). Business errors travel in HTTP 200,
// as the SDK expects; only credential, routing and internal failures use another status.
type paywallError struct {
	status int
	code   int
	msg    text
}

func (e *paywallError) Error() string { return fmt.Sprintf("paywall %d: %s", e.code, e.msg.en) }

func business(code int, tr, en string) *paywallError {
	return &paywallError{http.StatusOK, code, text{tr, en}}
}

var (
	pwHeaderMissing   = &paywallError{http.StatusUnauthorized, 4, text{"apikeypublic ve apiclientpublic başlıkları zorunludur.", "The apikeypublic and apiclientpublic headers are required."}}
	pwUnauthorized    = &paywallError{http.StatusUnauthorized, 401, text{"Geçersiz API anahtarı.", "Invalid API credentials."}}
	pwEndpoint        = &paywallError{http.StatusNotFound, 404, text{"İstek adresi bulunamadı.", "Endpoint not found."}}
	pwMethod          = &paywallError{http.StatusMethodNotAllowed, 400, text{"Bu HTTP metodu desteklenmiyor.", "This HTTP method is not supported."}}
	pwBodyTooLarge    = &paywallError{http.StatusRequestEntityTooLarge, 400, text{"İstek gövdesi çok büyük.", "Request body is too large."}}
	pwException       = &paywallError{http.StatusInternalServerError, 5, text{"Beklenmeyen bir hata oluştu.", "An unexpected error occurred."}}
	pwInvalidJSON     = business(2, "İstek gövdesi geçerli bir JSON değil.", "The request body is not valid JSON.")
	pwCurrencyMissing = business(2, "currencyid zorunludur ve tam sayı olmalıdır.", "currencyid is required and must be an integer.")
	pwBoolInvalid     = business(2, "distinctduplicates true veya false olmalıdır.", "distinctduplicates must be true or false.")
	pwDescription     = business(2, "Açıklama zorunludur.", "Description is required.")
	pwRedirectURL     = business(2, "UserRedirectUrl geçerli bir http(s) adresi olmalıdır.", "UserRedirectUrl must be an absolute http(s) URL.")
	pwUniqueCode      = business(2, "UniqueCode zorunludur.", "UniqueCode is required.")
	pwAmount          = business(51, "Tutar sıfırdan büyük olmalı ve en fazla iki ondalık basamak içermelidir.", "Amount must be greater than 0 with at most two decimals.")
	pwCurrencyInvalid = business(53, "Geçersiz para birimi.", "Invalid currency.")
	pwMerchantCode    = business(101, "MerchantUniqueCode zorunludur.", "MerchantUniqueCode is required.")
	pwSuccessURL      = business(102, "MerchantSuccessBackUrl geçerli bir http(s) adresi olmalıdır.", "MerchantSuccessBackUrl must be an absolute http(s) URL.")
	pwFailURL         = business(103, "MerchantFailBackUrl geçerli bir http(s) adresi olmalıdır.", "MerchantFailBackUrl must be an absolute http(s) URL.")
	pwDuplicateCode   = business(119, "Bu MerchantUniqueCode ile bir işlem zaten var.", "A transaction with this MerchantUniqueCode already exists.")
	pwProvider        = business(281, "APM sağlayıcısı bulunamadı.", "APM provider not found.")
	pwConnection      = business(286, "APM bağlantısı bulunamadı.", "APM connection not found.")
	pwProviderCcy     = business(287, "APM sağlayıcısı bu para birimini desteklemiyor.", "The APM provider does not support this currency.")
	pwCodeTooLong     = business(290, "MerchantUniqueCode en fazla 100 karakter olabilir.", "MerchantUniqueCode must be at most 100 characters.")
	pwNotQR           = business(295, "APM sağlayıcısı QR ile ödemeyi desteklemiyor.", "The APM provider does not support QR payments.")
	pwTxNotFound      = business(296, "APM işlemi bulunamadı.", "APM transaction not found.")
	pwTxStatus        = business(359, "İşlemin durumu bu işlem için uygun değil.", "The transaction status does not allow this operation.")
	pwRefundTooMuch   = business(373, "Kısmi iade tutarı kalan tutardan büyük.", "The partial refund amount exceeds the remaining amount.")
	pwExternalID      = business(394, "ExternalId 10 karakterden kısa olmalıdır.", "ExternalId must be shorter than 10 characters.")
	pwFocusedFeature  = business(540, "Geçersiz focusedfeature değeri.", "Invalid focusedfeature value.")
)

// maxMerchantUniqueCode is the sandbox's limit for error 290 (the real limit is unpublished).
const maxMerchantUniqueCode = 100

// paywallEnvelope is every Paywall response: {ErrorCode, Result, Message, Body}.
type paywallEnvelope struct {
	ErrorCode int    `json:"ErrorCode"`
	Result    bool   `json:"Result"`
	Message   string `json:"Message"`
	Body      any    `json:"Body"`
}

// paywallHandler serves one authenticated API call and returns the envelope's Body.
type paywallHandler func(r *http.Request, body []byte) (any, error)

type paywallEndpoint struct {
	method  string
	handler paywallHandler
}

// paywallEndpoints maps the path after /api/paywall/ (lower case) to its handler.
func (s *Sandbox) paywallEndpoints() map[string]paywallEndpoint {
	return map[string]paywallEndpoint{
		"apm/list":            {http.MethodGet, s.apmList},
		"apm/pay/qr/generate": {http.MethodPost, s.apmQRGenerate},
		"apm/query":           {http.MethodGet, s.apmQuery},
		"apm/refund":          {http.MethodPost, s.apmRefund},
		"apm/refund/partial":  {http.MethodPost, s.apmPartialRefund},
	}
}

// paywallAPI authenticates, then routes by the path after /api/paywall/, which it serves
// at the root and under paywallPrefix. Paths match case-insensitively and with an
// optional trailing slash, like the ASP.NET original.
func (s *Sandbox) paywallAPI(endpoints map[string]paywallEndpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, paywallPrefix), paywallAPIRoot)
		route = strings.Trim(strings.ToLower(route), "/")
		result, err := s.paywallCall(w, r, endpoints[route])
		if err != nil {
			s.writePaywallError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, paywallEnvelope{Result: true, Body: result})
	})
}

func (s *Sandbox) paywallCall(w http.ResponseWriter, r *http.Request, ep paywallEndpoint) (any, error) {
	if err := authenticatePaywall(r); err != nil {
		return nil, err
	}
	if ep.handler == nil {
		return nil, pwEndpoint
	}
	if r.Method != ep.method && !(ep.method == http.MethodGet && r.Method == http.MethodHead) {
		return nil, pwMethod
	}
	body, err := readBody(w, r)
	if isTooLarge(err) {
		return nil, pwBodyTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: read paywall body: %w", err)
	}
	return ep.handler(r, body)
}

// authenticatePaywall checks the public header pair; extra headers (the SDK also sends
// the private pair) are ignored.
func authenticatePaywall(r *http.Request) error {
	key, client := r.Header.Get("apikeypublic"), r.Header.Get("apiclientpublic")
	if key == "" || client == "" {
		return pwHeaderMissing
	}
	keyOK := subtle.ConstantTimeCompare([]byte(key), []byte(PaywallPublicKey))
	clientOK := subtle.ConstantTimeCompare([]byte(client), []byte(PaywallPublicClient))
	if keyOK&clientOK != 1 {
		return pwUnauthorized
	}
	return nil
}

func (s *Sandbox) paywallNotFound(w http.ResponseWriter, r *http.Request) {
	s.writePaywallError(w, r, pwEndpoint)
}

func (s *Sandbox) writePaywallError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *paywallError
	if !errors.As(err, &pe) {
		s.log.ErrorContext(r.Context(), "paywall request failed",
			"method", r.Method, "path", r.URL.Path, "err", err)
		pe = pwException
	}
	writeJSON(w, pe.status, paywallEnvelope{
		ErrorCode: pe.code,
		Message:   pe.msg.in(parseLang(r.Header.Get("locale"))),
	})
}

// paywallCurrency maps a CurrencyId to its ISO code (paywall-notes §2).
func paywallCurrency(id int) (string, bool) {
	switch id {
	case 1:
		return "TRY", true
	case 2:
		return "USD", true
	case 3:
		return "EUR", true
	case 4:
		return "BAM", true
	case 5:
		return "MKD", true
	}
	return "", false
}

// apmFeatures is the Features object of apm/list.
type apmFeatures struct {
	OtpBased       bool `json:"OtpBased"`
	QrBased        bool `json:"QrBased"`
	CheckoutBased  bool `json:"CheckoutBased"`
	DirectPayBased bool `json:"DirectPayBased"`
}

// apmConnection is one activated provider connection of the sandbox merchant.
type apmConnection struct {
	providerID        int
	key, name         string
	connectionID      int64
	externalIDSupport bool
	externalID        string
	currencies        []int
	features          apmFeatures
}

// apmConnections is the sandbox merchant's fixed provider table, ordered by
// connection id. Only Papara is a real provider key; the others are invented, and
// connection 65 duplicates Papara so that distinctduplicates has an effect.
func apmConnections() []apmConnection {
	return []apmConnection{
		{1, "papara", "Papara", 62, true, "", []int{1, 2, 3}, apmFeatures{QrBased: true, CheckoutBased: true}},
		{2, "qrcuzdan", "QR Cüzdan", 63, false, "", []int{1}, apmFeatures{QrBased: true}},
		{3, "otpcuzdan", "OTP Cüzdan", 64, false, "", []int{1}, apmFeatures{OtpBased: true, DirectPayBased: true}},
		{1, "papara", "Papara", 65, true, "SUBE2", []int{1}, apmFeatures{QrBased: true, CheckoutBased: true}},
	}
}

func (c apmConnection) supports(currencyID int) bool {
	return slices.Contains(c.currencies, currencyID)
}

func (c apmConnection) hasFeature(feature string) bool {
	switch feature {
	case "":
		return true
	case "qr":
		return c.features.QrBased
	case "otp":
		return c.features.OtpBased
	case "checkout":
		return c.features.CheckoutBased
	case "directpay":
		return c.features.DirectPayBased
	}
	return false
}

func validFocusedFeature(f string) bool {
	switch f {
	case "", "qr", "otp", "checkout", "directpay":
		return true
	}
	return false
}

type apmListItem struct {
	ProviderID        int         `json:"ProviderId"`
	ProviderKey       string      `json:"ProviderKey"`
	ProviderName      string      `json:"ProviderName"`
	CategoryName      string      `json:"CategoryName"`
	ConnectionID      int64       `json:"ConnectionId"`
	ExternalIDSupport bool        `json:"ExternalIdSupport"`
	ExternalID        string      `json:"ExternalId"`
	Logo              string      `json:"Logo"`
	Features          apmFeatures `json:"Features"`
}

// apmList serves GET apm/list; its parameters are headers, as in the real API.
func (s *Sandbox) apmList(r *http.Request, _ []byte) (any, error) {
	currencyID, err := strconv.Atoi(strings.TrimSpace(r.Header.Get("currencyid")))
	if err != nil {
		return nil, pwCurrencyMissing
	}
	if _, ok := paywallCurrency(currencyID); !ok {
		return nil, pwCurrencyInvalid
	}
	feature := strings.ToLower(strings.TrimSpace(r.Header.Get("focusedfeature")))
	if !validFocusedFeature(feature) {
		return nil, pwFocusedFeature
	}
	externalID := strings.TrimSpace(r.Header.Get("externalid"))
	if utf8.RuneCountInString(externalID) >= 10 {
		return nil, pwExternalID
	}
	distinct := false
	if v := strings.TrimSpace(r.Header.Get("distinctduplicates")); v != "" {
		if distinct, err = strconv.ParseBool(strings.ToLower(v)); err != nil {
			return nil, pwBoolInvalid
		}
	}

	base := s.baseURL(r)
	seen := map[int]bool{}
	items := []apmListItem{}
	for _, c := range apmConnections() {
		if !c.supports(currencyID) || !c.hasFeature(feature) ||
			(externalID != "" && c.externalID != externalID) || (distinct && seen[c.providerID]) {
			continue
		}
		seen[c.providerID] = true
		items = append(items, apmListItem{
			ProviderID:        c.providerID,
			ProviderKey:       c.key,
			ProviderName:      c.name,
			CategoryName:      "Cüzdan",
			ConnectionID:      c.connectionID,
			ExternalIDSupport: c.externalIDSupport,
			ExternalID:        c.externalID,
			Logo:              base + paywallPrefix + "/logo/" + c.key + ".svg",
			Features:          c.features,
		})
	}
	return items, nil
}

// providerLogo serves a generated placeholder logo for each provider in the table.
func (s *Sandbox) providerLogo(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	for _, c := range apmConnections() {
		if ok && c.key == key {
			initials := string([]rune(c.name)[:2])
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Header().Set("Cache-Control", "public, max-age=86400")
			_, _ = fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">`+
				`<rect width="64" height="64" rx="12" fill="#2b4c7e"/>`+
				`<text x="32" y="41" font-family="sans-serif" font-size="24" fill="#fff" text-anchor="middle">%s</text></svg>`,
				html.EscapeString(initials))
			return
		}
	}
	http.NotFound(w, r)
}
