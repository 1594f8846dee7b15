package craftclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CurrencyID maps a currency to Paywall's numeric CurrencyId. Only TRY, USD
// and EUR are confirmed (the official WooCommerce plugin's table); Paywall's
// list is open and longer, so unknown currencies report false rather than a
// guess.
func CurrencyID(c Currency) (int, bool) {
	switch c {
	case CurrencyTRY:
		return 1, true
	case CurrencyUSD:
		return 2, true
	case CurrencyEUR:
		return 3, true
	}
	return 0, false
}

// APMListRequest filters apm/list. CurrencyID is required; the rest are sent
// only when set.
type APMListRequest struct {
	CurrencyID         int
	ExternalID         string
	FocusedFeature     string // e.g. "qr": only providers that support QR
	DistinctDuplicates bool   // collapse several connections of one provider
}

// APMProvider is one APM connection the merchant enabled for API listing.
type APMProvider struct {
	ProviderID        int         `json:"ProviderId"`
	ProviderKey       string      `json:"ProviderKey"` // use as QRGenerateRequest.APMKey
	ProviderName      string      `json:"ProviderName"`
	CategoryName      string      `json:"CategoryName"`
	ConnectionID      int         `json:"ConnectionId"` // use as QRGenerateRequest.APMConnectionID
	ExternalIDSupport bool        `json:"ExternalIdSupport"`
	ExternalID        string      `json:"ExternalId"`
	Logo              string      `json:"Logo"`
	Features          APMFeatures `json:"Features"`
}

// APMFeatures says which payment flows a provider supports.
type APMFeatures struct {
	OtpBased       bool `json:"OtpBased"`
	QrBased        bool `json:"QrBased"`
	CheckoutBased  bool `json:"CheckoutBased"`
	DirectPayBased bool `json:"DirectPayBased"`
}

// QRGenerateRequest starts a QR payment. Identify the provider by APMKey or
// APMConnectionID (Paywall documents both as conditional; when both are set
// the connection is assumed to win).
type QRGenerateRequest struct {
	APMKey                 string
	APMConnectionID        *int
	CurrencyID             int
	MerchantUniqueCode     string // also the key for APMService.Query
	Amount                 Amount
	Description            string
	UserRedirectURL        string // optional
	MerchantSuccessBackURL string
	MerchantFailBackURL    string
}

// qrGenerateWire is the documented body. Provider is "not active for QR" and
// always null; optional strings go as null rather than "".
type qrGenerateWire struct {
	ApmKey                 *string   `json:"ApmKey"`
	ApmConnectionID        *int      `json:"ApmConnectionId"`
	CurrencyID             int       `json:"CurrencyId"`
	MerchantUniqueCode     string    `json:"MerchantUniqueCode"`
	Amount                 Amount    `json:"Amount"`
	Description            string    `json:"Description"`
	Provider               *struct{} `json:"Provider"`
	UserRedirectURL        *string   `json:"UserRedirectUrl"`
	MerchantSuccessBackURL string    `json:"MerchantSuccessBackUrl"`
	MerchantFailBackURL    string    `json:"MerchantFailBackUrl"`
}

// MarshalJSON writes Paywall's PascalCase body.
func (r QRGenerateRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(qrGenerateWire{
		ApmKey:                 nullIfEmpty(r.APMKey),
		ApmConnectionID:        r.APMConnectionID,
		CurrencyID:             r.CurrencyID,
		MerchantUniqueCode:     r.MerchantUniqueCode,
		Amount:                 r.Amount,
		Description:            r.Description,
		UserRedirectURL:        nullIfEmpty(r.UserRedirectURL),
		MerchantSuccessBackURL: r.MerchantSuccessBackURL,
		MerchantFailBackURL:    r.MerchantFailBackURL,
	})
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Validate checks the documented required fields. Field names in the
// returned *ValidationError are the JSON names.
func (r QRGenerateRequest) Validate() error {
	switch {
	case strings.TrimSpace(r.APMKey) == "" && r.APMConnectionID == nil:
		return invalid("ApmKey", "set ApmKey or ApmConnectionId")
	case r.APMConnectionID != nil && *r.APMConnectionID <= 0:
		return invalid("ApmConnectionId", "must be positive")
	case r.CurrencyID <= 0:
		return invalid("CurrencyId", "is required")
	case strings.TrimSpace(r.MerchantUniqueCode) == "":
		return invalid("MerchantUniqueCode", "is required")
	case !r.Amount.IsPositive():
		return invalid("Amount", "must be greater than 0")
	case strings.TrimSpace(r.Description) == "":
		return invalid("Description", "is required")
	case !isHTTPURL(r.MerchantSuccessBackURL):
		return invalid("MerchantSuccessBackUrl", "must be an absolute http(s) URL")
	case !isHTTPURL(r.MerchantFailBackURL):
		return invalid("MerchantFailBackUrl", "must be an absolute http(s) URL")
	case r.UserRedirectURL != "" && !isHTTPURL(r.UserRedirectURL):
		return invalid("UserRedirectUrl", "must be an absolute http(s) URL")
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// QRGenerateResponse is the Body of a successful apm/pay/qr/generate.
type QRGenerateResponse struct {
	APMKey             string   `json:"ApmKey"`
	APMConnectionID    int      `json:"ApmConnectionId"`
	APMTransactionID   int64    `json:"ApmTransactionId"`
	UniqueCode         string   `json:"UniqueCode"` // Paywall's code; needed for refunds
	MerchantUniqueCode string   `json:"MerchantUniqueCode"`
	Amount             Amount   `json:"Amount"`
	QRDetail           QRDetail `json:"QrDetail"`
}

// QRDetail carries the QR payload as Paywall sent it. The FormatType values
// ("Formatlar") are not published, so Kind inspects Content instead.
type QRDetail struct {
	FormatType int    `json:"FormatType"`
	Content    string `json:"Content"`
}

// QRContentKind says how to show a QRDetail.
type QRContentKind int

const (
	QRContentText  QRContentKind = iota // encode Content into a QR code
	QRContentURL                        // Content is an http(s) URL (image or hosted page)
	QRContentImage                      // Content is an image; see QRDetail.Image
)

// ErrNotImage is returned by QRDetail.Image when Content holds no image.
var ErrNotImage = errors.New("craftclient: QR content is not an image")

// Kind classifies Content: a data: URI or base64 PNG/JPEG/GIF is an image,
// an absolute http(s) URL is a URL, anything else is text.
func (d QRDetail) Kind() QRContentKind {
	if _, _, err := d.Image(); err == nil {
		return QRContentImage
	}
	if isHTTPURL(strings.TrimSpace(d.Content)) {
		return QRContentURL
	}
	return QRContentText
}

// Image decodes Content when it is a data: URI or base64 image data and
// returns the bytes with their MIME type. Otherwise it returns ErrNotImage.
func (d QRDetail) Image() ([]byte, string, error) {
	s := strings.TrimSpace(d.Content)
	if rest, ok := cutPrefixFold(s, "data:"); ok {
		return decodeDataURI(rest)
	}
	data, err := decodeBase64(s)
	if err != nil {
		return nil, "", ErrNotImage
	}
	mimeType, ok := imageMIME(data)
	if !ok {
		return nil, "", ErrNotImage
	}
	return data, mimeType, nil
}

// decodeDataURI decodes the part after "data:": "[mime][;base64],payload".
func decodeDataURI(s string) ([]byte, string, error) {
	meta, payload, ok := strings.Cut(s, ",")
	if !ok {
		return nil, "", ErrNotImage
	}
	mimeType, isBase64 := meta, false
	if m, ok := cutSuffixFold(meta, ";base64"); ok {
		mimeType, isBase64 = m, true
	}
	var data []byte
	if isBase64 {
		b, err := decodeBase64(payload)
		if err != nil {
			return nil, "", ErrNotImage
		}
		data = b
	} else {
		p, err := url.PathUnescape(payload)
		if err != nil {
			return nil, "", ErrNotImage
		}
		data = []byte(p)
	}
	if sniffed, ok := imageMIME(data); ok {
		return data, sniffed, nil
	}
	if mimeType, _, _ = strings.Cut(mimeType, ";"); strings.HasPrefix(strings.ToLower(mimeType), "image/") {
		return data, mimeType, nil // e.g. SVG, which has no magic bytes
	}
	return nil, "", ErrNotImage
}

func decodeBase64(s string) ([]byte, error) {
	// Providers wrap long base64 at 76 columns.
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// imageMIME recognises the raster formats a QR image comes in.
func imageMIME(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg", true
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif", true
	}
	return "", false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// APMStatus is Paywall's APM StatusId. The values are an ASSUMPTION (the
// status table is not published; 1 = "Oluşturuldu" is the only one seen in
// the docs), and the set is open: show APMTransaction.Status text for
// anything unknown.
type APMStatus int

const (
	APMStatusCreated           APMStatus = 1
	APMStatusSuccessful        APMStatus = 2
	APMStatusFailed            APMStatus = 3
	APMStatusRefunded          APMStatus = 4
	APMStatusPartiallyRefunded APMStatus = 5
)

// APMTransaction is the Body of apm/query.
type APMTransaction struct {
	APMConnectionID        int       `json:"ApmConnectionId"`
	APMProviderKey         string    `json:"ApmProviderKey"`
	APMTransactionID       int64     `json:"ApmTransactionId"`
	CurrencyID             int       `json:"CurrencyId"`
	MerchantUniqueCode     string    `json:"MerchantUniqueCode"`
	UniqueCode             string    `json:"UniqueCode"`
	MerchantSuccessBackURL string    `json:"MerchantSuccessBackUrl"`
	MerchantFailBackURL    string    `json:"MerchantFailBackUrl"`
	Amount                 Amount    `json:"Amount"`
	Description            string    `json:"Description"`
	ChannelType            int       `json:"ChannelType"`
	StatusID               APMStatus `json:"StatusId"`
	Status                 string    `json:"Status"` // localised name, e.g. "Oluşturuldu"
	TypeID                 int       `json:"TypeId"`
	Type                   string    `json:"Type"`
	IP                     string    `json:"Ip"`
	DateTime               DateTime  `json:"DateTime"`
}

// RefundResponse is the Body of apm/refund and apm/refund/partial.
type RefundResponse struct {
	APMKey             string `json:"ApmKey"`
	APMConnectionID    int    `json:"ApmConnectionId"`
	APMTransactionID   int64  `json:"ApmTransactionId"`
	UniqueCode         string `json:"UniqueCode"`
	MerchantUniqueCode string `json:"MerchantUniqueCode"`
	Amount             Amount `json:"Amount"`
	// ProviderDummyResponse is the APM provider's own answer, kept raw
	// because its shape depends on the provider.
	ProviderDummyResponse json.RawMessage `json:"ProviderDummyResponse"`
}

// The names a refusal of each APM call may concern (APIError.Field): the
// headers of the GET calls, the JSON body fields of the others.
var (
	apmListFields    = []string{"currencyid", "externalid", "focusedfeature", "distinctduplicates"}
	apmQueryFields   = []string{"merchantuniquecode"}
	apmRefundFields  = []string{"UniqueCode", "Amount"}
	qrGenerateFields = []string{
		"ApmKey", "ApmConnectionId", "CurrencyId", "MerchantUniqueCode", "Amount", "Description",
		"UserRedirectUrl", "MerchantSuccessBackUrl", "MerchantFailBackUrl",
	}
)

// APMService runs APM (alternative payment method) QR payments.
// Refunds are never retried: re-query before trying again.
type APMService struct{ p *Paywall }

// List returns the merchant's APM connections for a currency.
func (s *APMService) List(ctx context.Context, req APMListRequest) ([]APMProvider, error) {
	if req.CurrencyID <= 0 {
		return nil, invalid("currencyid", "is required")
	}
	h := http.Header{}
	h.Set("currencyid", strconv.Itoa(req.CurrencyID))
	if req.ExternalID != "" {
		h.Set("externalid", req.ExternalID)
	}
	if req.FocusedFeature != "" {
		h.Set("focusedfeature", req.FocusedFeature)
	}
	if req.DistinctDuplicates {
		h.Set("distinctduplicates", "true")
	}
	providers, err := paywallDo[[]APMProvider](ctx, s.p, http.MethodGet, "apm/list", h, nil, apmListFields)
	if err != nil {
		return nil, err
	}
	return *providers, nil
}

// GenerateQR validates req and starts a QR payment.
func (s *APMService) GenerateQR(ctx context.Context, req QRGenerateRequest) (*QRGenerateResponse, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return paywallDo[QRGenerateResponse](ctx, s.p, http.MethodPost, "apm/pay/qr/generate", nil, req, qrGenerateFields)
}

// Query returns the transaction started with merchantUniqueCode.
func (s *APMService) Query(ctx context.Context, merchantUniqueCode string) (*APMTransaction, error) {
	if strings.TrimSpace(merchantUniqueCode) == "" {
		return nil, invalid("merchantuniquecode", "is required")
	}
	h := http.Header{}
	h.Set("merchantuniquecode", merchantUniqueCode)
	return paywallDo[APMTransaction](ctx, s.p, http.MethodGet, "apm/query", h, nil, apmQueryFields)
}

type refundWire struct {
	UniqueCode string  `json:"UniqueCode"`
	Amount     *Amount `json:"Amount,omitempty"`
}

// Refund refunds the whole payment identified by Paywall's uniqueCode.
func (s *APMService) Refund(ctx context.Context, uniqueCode string) (*RefundResponse, error) {
	return s.refund(ctx, "apm/refund", refundWire{UniqueCode: uniqueCode})
}

// RefundPartial refunds amount of the payment identified by uniqueCode.
func (s *APMService) RefundPartial(ctx context.Context, uniqueCode string, amount Amount) (*RefundResponse, error) {
	if !amount.IsPositive() {
		return nil, invalid("Amount", "must be greater than 0")
	}
	return s.refund(ctx, "apm/refund/partial", refundWire{UniqueCode: uniqueCode, Amount: &amount})
}

func (s *APMService) refund(ctx context.Context, endpoint string, req refundWire) (*RefundResponse, error) {
	if strings.TrimSpace(req.UniqueCode) == "" {
		return nil, invalid("UniqueCode", "is required")
	}
	return paywallDo[RefundResponse](ctx, s.p, http.MethodPost, endpoint, nil, req, apmRefundFields)
}
