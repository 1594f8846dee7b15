package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// apmStatus is the StatusId of an APM transaction. The real enum is unpublished;
// these ids are the sandbox's assumption (paywall-notes §4).
type apmStatus int

const (
	apmCreated           apmStatus = 1
	apmSuccessful        apmStatus = 2
	apmFailed            apmStatus = 3
	apmRefunded          apmStatus = 4
	apmPartiallyRefunded apmStatus = 5
)

func (st apmStatus) text() text {
	switch st {
	case apmCreated:
		return text{"Oluşturuldu", "Created"}
	case apmSuccessful:
		return text{"Başarılı", "Successful"}
	case apmFailed:
		return text{"Başarısız", "Failed"}
	case apmRefunded:
		return text{"İade", "Refunded"}
	case apmPartiallyRefunded:
		return text{"Kısmi İade", "Partially refunded"}
	}
	return text{"Bilinmiyor", "Unknown"}
}

// refundable: money was taken and not all of it went back.
func (st apmStatus) refundable() bool { return st == apmSuccessful || st == apmPartiallyRefunded }

// paywallTimeLayout is the naive date-time of query responses and callbacks (UTC here).
const paywallTimeLayout = "2006-01-02T15:04:05.000000"

// qrFormatText is QrDetail.FormatType for "Content is text to encode as a QR"; the
// real Formatlar table is unpublished (paywall-notes §1).
const qrFormatText = 1

// apmTransaction is an APM payment as stored; ID is the ApmTransactionId.
type apmTransaction struct {
	ID                 int64
	UniqueCode         string
	MerchantUniqueCode string
	ProviderKey        string
	ConnectionID       int64
	CurrencyID         int
	Amount             decimal.Decimal
	Refunded           decimal.Decimal
	Description        string
	SuccessURL         string
	FailURL            string
	UserRedirectURL    string
	Status             apmStatus
	IP                 string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// money formats an APM amount: two decimals with a dot, e.g. 12.50.
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// validAmount: positive with at most two decimals, as every Paywall currency has.
func validAmount(d *decimal.Decimal) bool {
	return d != nil && d.IsPositive() && d.Equal(d.Round(2))
}

func absoluteHTTPURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

type qrGenerateRequest struct {
	ApmKey                 *string          `json:"ApmKey"`
	ApmConnectionID        *int64           `json:"ApmConnectionId"`
	CurrencyID             *int             `json:"CurrencyId"`
	MerchantUniqueCode     string           `json:"MerchantUniqueCode"`
	Amount                 *decimal.Decimal `json:"Amount"`
	Description            string           `json:"Description"`
	UserRedirectURL        string           `json:"UserRedirectUrl"`
	MerchantSuccessBackURL string           `json:"MerchantSuccessBackUrl"`
	MerchantFailBackURL    string           `json:"MerchantFailBackUrl"`
}

type qrDetail struct {
	FormatType int    `json:"FormatType"`
	Content    string `json:"Content"`
}

// transactionBody names a transaction in generate and refund answers.
type transactionBody struct {
	ApmKey             string      `json:"ApmKey"`
	ApmConnectionID    int64       `json:"ApmConnectionId"`
	ApmTransactionID   int64       `json:"ApmTransactionId"`
	UniqueCode         string      `json:"UniqueCode"`
	MerchantUniqueCode string      `json:"MerchantUniqueCode"`
	Amount             json.Number `json:"Amount"`
}

// body is the transaction's answer naming amount (the whole, or a refund).
func (t *apmTransaction) body(amount decimal.Decimal) transactionBody {
	return transactionBody{
		ApmKey:             t.ProviderKey,
		ApmConnectionID:    t.ConnectionID,
		ApmTransactionID:   t.ID,
		UniqueCode:         t.UniqueCode,
		MerchantUniqueCode: t.MerchantUniqueCode,
		Amount:             json.Number(money(amount)),
	}
}

type qrGenerateBody struct {
	transactionBody
	QrDetail qrDetail `json:"QrDetail"`
}

// validate checks the request fields in a fixed order; the first failure wins.
func (req qrGenerateRequest) validate() error {
	code := strings.TrimSpace(req.MerchantUniqueCode)
	switch {
	case code == "":
		return pwMerchantCode
	case utf8.RuneCountInString(code) > maxMerchantUniqueCode:
		return pwCodeTooLong
	case !validAmount(req.Amount):
		return pwAmount
	case strings.TrimSpace(req.Description) == "":
		return pwDescription
	case !absoluteHTTPURL(req.MerchantSuccessBackURL):
		return pwSuccessURL
	case !absoluteHTTPURL(req.MerchantFailBackURL):
		return pwFailURL
	case req.UserRedirectURL != "" && !absoluteHTTPURL(req.UserRedirectURL):
		return pwRedirectURL
	case req.CurrencyID == nil:
		return pwCurrencyMissing
	}
	if _, ok := paywallCurrency(*req.CurrencyID); !ok {
		return pwCurrencyInvalid
	}
	return nil
}

// resolveConnection picks the connection to pay through. ApmConnectionId wins over
// ApmKey; a key picks the provider's first QR connection that supports the currency.
func (req qrGenerateRequest) resolveConnection() (apmConnection, error) {
	var candidates []apmConnection
	if req.ApmConnectionID != nil && *req.ApmConnectionID != 0 {
		for _, c := range apmConnections() {
			if c.connectionID == *req.ApmConnectionID {
				candidates = append(candidates, c)
			}
		}
		if len(candidates) == 0 {
			return apmConnection{}, pwConnection
		}
	} else {
		key := strings.TrimSpace(deref(req.ApmKey))
		for _, c := range apmConnections() {
			if key != "" && strings.EqualFold(c.key, key) {
				candidates = append(candidates, c)
			}
		}
		if len(candidates) == 0 {
			return apmConnection{}, pwProvider
		}
	}
	var qr []apmConnection
	for _, c := range candidates {
		if c.features.QrBased {
			qr = append(qr, c)
		}
	}
	if len(qr) == 0 {
		return apmConnection{}, pwNotQR
	}
	for _, c := range qr {
		if c.supports(*req.CurrencyID) {
			return c, nil
		}
	}
	return apmConnection{}, pwProviderCcy
}

// apmQRGenerate serves POST apm/pay/qr/generate: it creates a Created transaction whose
// QR content is the wallet simulator's URL.
func (s *Sandbox) apmQRGenerate(r *http.Request, body []byte) (any, error) {
	var req qrGenerateRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, pwInvalidJSON
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	conn, err := req.resolveConnection()
	if err != nil {
		return nil, err
	}
	now := s.nowUTC().Format(dbTimeLayout)
	t := apmTransaction{
		UniqueCode:         uuid.NewString(),
		MerchantUniqueCode: strings.TrimSpace(req.MerchantUniqueCode),
		ProviderKey:        conn.key,
		ConnectionID:       conn.connectionID,
		CurrencyID:         *req.CurrencyID,
		Amount:             *req.Amount,
		Status:             apmCreated,
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	// ON CONFLICT DO NOTHING makes the uniqueness check race-free without matching
	// driver error texts: zero affected rows means the code is taken.
	res, err := s.db.ExecContext(r.Context(), `INSERT INTO sandbox_apm_transactions (
			unique_code, merchant_unique_code, provider_key, connection_id, currency_id, amount,
			description, success_url, fail_url, user_redirect_url, status_id, ip, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (merchant_unique_code) DO NOTHING`,
		t.UniqueCode, t.MerchantUniqueCode, t.ProviderKey, t.ConnectionID, t.CurrencyID, money(t.Amount),
		strings.TrimSpace(req.Description), strings.TrimSpace(req.MerchantSuccessBackURL),
		strings.TrimSpace(req.MerchantFailBackURL), strings.TrimSpace(req.UserRedirectURL),
		t.Status, ip, now, now)
	if err != nil {
		return nil, fmt.Errorf("sandbox: create apm transaction: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("sandbox: create apm transaction: %w", err)
	} else if n == 0 {
		return nil, pwDuplicateCode
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("sandbox: create apm transaction: %w", err)
	}
	s.log.InfoContext(r.Context(), "apm transaction created",
		"apm_transaction_id", t.ID, "unique_code", t.UniqueCode, "provider", t.ProviderKey)
	return qrGenerateBody{
		transactionBody: t.body(t.Amount),
		QrDetail:        qrDetail{FormatType: qrFormatText, Content: walletURL(s.baseURL(r), t.UniqueCode)},
	}, nil
}

func walletURL(base, uniqueCode string) string {
	return base + paywallPrefix + "/wallet/" + uniqueCode
}

type apmQueryBody struct {
	ApmConnectionID        int64       `json:"ApmConnectionId"`
	ApmProviderKey         string      `json:"ApmProviderKey"`
	ApmTransactionID       int64       `json:"ApmTransactionId"`
	CurrencyID             int         `json:"CurrencyId"`
	MerchantUniqueCode     string      `json:"MerchantUniqueCode"`
	UniqueCode             string      `json:"UniqueCode"`
	MerchantSuccessBackURL string      `json:"MerchantSuccessBackUrl"`
	MerchantFailBackURL    string      `json:"MerchantFailBackUrl"`
	Amount                 json.Number `json:"Amount"`
	Description            string      `json:"Description"`
	ChannelType            int         `json:"ChannelType"`
	StatusID               int         `json:"StatusId"`
	Status                 string      `json:"Status"`
	TypeID                 int         `json:"TypeId"`
	Type                   string      `json:"Type"`
	IP                     string      `json:"Ip"`
	DateTime               string      `json:"DateTime"`
}

// apmQuery serves GET apm/query with the merchantuniquecode header.
func (s *Sandbox) apmQuery(r *http.Request, _ []byte) (any, error) {
	code := strings.TrimSpace(r.Header.Get("merchantuniquecode"))
	if code == "" {
		return nil, pwMerchantCode
	}
	t, err := findTransaction(r.Context(), s.db, "merchant_unique_code", code)
	if err != nil {
		return nil, err
	}
	l := parseLang(r.Header.Get("locale"))
	return apmQueryBody{
		ApmConnectionID:        t.ConnectionID,
		ApmProviderKey:         t.ProviderKey,
		ApmTransactionID:       t.ID,
		CurrencyID:             t.CurrencyID,
		MerchantUniqueCode:     t.MerchantUniqueCode,
		UniqueCode:             t.UniqueCode,
		MerchantSuccessBackURL: t.SuccessURL,
		MerchantFailBackURL:    t.FailURL,
		Amount:                 json.Number(money(t.Amount)),
		Description:            t.Description,
		ChannelType:            1,
		StatusID:               int(t.Status),
		Status:                 t.Status.text().in(l),
		TypeID:                 1,
		Type:                   text{"Satış", "Sale"}.in(l),
		IP:                     t.IP,
		DateTime:               t.CreatedAt.Format(paywallTimeLayout),
	}, nil
}

// refundBody is the Body of apm/refund and apm/refund/partial: the transaction, the
// amount this call refunded and the provider's answer as Paywall relays it (the .NET
// SDK's ApmRefundResponse, paywall-notes §4 Refund).
type refundBody struct {
	transactionBody
	ProviderDummyResponse providerDummyResponse `json:"ProviderDummyResponse"`
}

// providerDummyResponse is the APM provider's own answer to the refund. Every field is
// sent with a value of its declared type: the SDK's System.Text.Json model fails on a
// null int.
type providerDummyResponse struct {
	ErrorCode int                `json:"ErrorCode"`
	HTTPCode  int                `json:"HttpCode"`
	Body      providerRefundBody `json:"Body"`
}

// providerRefundBody is the provider's refund result, with the field names of the SDK's
// refund Body model. The sandbox's provider always approves, so the values describe an
// approved refund of the sale SaleRefCode.
type providerRefundBody struct {
	ResponseCode    int    `json:"ResponseCode"`
	ResponseMessage string `json:"ResponseMessage"`
	MerchantCode    string `json:"MerchantCode"`
	TerminalCode    string `json:"TerminalCode"`
	SaleRefCode     string `json:"SaleRefCode"`
	TransactionID   int64  `json:"TransactionId"`
	ReturnType      int    `json:"ReturnType"`
}

// approvedRefund is the sandbox provider's answer: it approves every refund. ResponseCode
// 0 means approved and ReturnType 1 a refund; the real codes depend on the provider and
// are unpublished (README.md).
func approvedRefund(t apmTransaction, refundID int64) providerDummyResponse {
	return providerDummyResponse{
		ErrorCode: 0,
		HTTPCode:  http.StatusOK,
		Body: providerRefundBody{
			ResponseCode:    0,
			ResponseMessage: "Approved",
			MerchantCode:    "SANDBOX",
			TerminalCode:    "SANDBOX-" + strconv.FormatInt(t.ConnectionID, 10),
			SaleRefCode:     t.UniqueCode,
			TransactionID:   refundID,
			ReturnType:      1,
		},
	}
}

type refundRequest struct {
	UniqueCode string           `json:"UniqueCode"`
	Amount     *decimal.Decimal `json:"Amount"`
}

// apmRefund serves POST apm/refund: it refunds whatever is left.
func (s *Sandbox) apmRefund(r *http.Request, body []byte) (any, error) {
	var req refundRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, pwInvalidJSON
	}
	return s.refund(r.Context(), req.UniqueCode, nil)
}

// apmPartialRefund serves POST apm/refund/partial.
func (s *Sandbox) apmPartialRefund(r *http.Request, body []byte) (any, error) {
	var req refundRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, pwInvalidJSON
	}
	if !validAmount(req.Amount) {
		return nil, pwAmount
	}
	return s.refund(r.Context(), req.UniqueCode, req.Amount)
}

// refund takes amount (nil: all that is left) back from a successful transaction.
// Touching the row first takes SQLite's write lock before the read, so two refunds
// cannot both pass the remaining-amount check.
func (s *Sandbox) refund(ctx context.Context, uniqueCode string, amount *decimal.Decimal) (refundBody, error) {
	uniqueCode = strings.ToLower(strings.TrimSpace(uniqueCode))
	if uniqueCode == "" {
		return refundBody{}, pwUniqueCode
	}
	now := s.nowUTC().Format(dbTimeLayout)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return refundBody{}, fmt.Errorf("sandbox: refund: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit; undoes the touch on refusal
	if _, err := tx.ExecContext(ctx,
		`UPDATE sandbox_apm_transactions SET updated_at = ? WHERE unique_code = ?`, now, uniqueCode); err != nil {
		return refundBody{}, fmt.Errorf("sandbox: refund: %w", err)
	}
	t, err := findTransaction(ctx, tx, "unique_code", uniqueCode)
	if err != nil {
		return refundBody{}, err
	}
	if !t.Status.refundable() {
		return refundBody{}, pwTxStatus
	}
	remaining := t.Amount.Sub(t.Refunded)
	refund := remaining
	if amount != nil {
		if amount.GreaterThan(remaining) {
			return refundBody{}, pwRefundTooMuch
		}
		refund = *amount
	}
	t.Refunded = t.Refunded.Add(refund)
	t.Status = apmPartiallyRefunded
	if t.Refunded.Equal(t.Amount) {
		t.Status = apmRefunded
	}
	if _, err := tx.ExecContext(ctx,
		`UPDATE sandbox_apm_transactions SET status_id = ?, refunded_amount = ? WHERE id = ?`,
		t.Status, money(t.Refunded), t.ID); err != nil {
		return refundBody{}, fmt.Errorf("sandbox: refund %d: %w", t.ID, err)
	}
	res, err := tx.ExecContext(ctx,
		`INSERT INTO sandbox_apm_refunds (transaction_id, amount, partial, created_at) VALUES (?, ?, ?, ?)`,
		t.ID, money(refund), amount != nil, now)
	if err != nil {
		return refundBody{}, fmt.Errorf("sandbox: refund %d: %w", t.ID, err)
	}
	refundID, err := res.LastInsertId()
	if err != nil {
		return refundBody{}, fmt.Errorf("sandbox: refund %d: %w", t.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return refundBody{}, fmt.Errorf("sandbox: refund %d: commit: %w", t.ID, err)
	}
	s.log.InfoContext(ctx, "apm transaction refunded", "apm_transaction_id", t.ID,
		"amount", money(refund), "status_id", int(t.Status))
	return refundBody{transactionBody: t.body(refund), ProviderDummyResponse: approvedRefund(t, refundID)}, nil
}

const transactionColumns = `id, unique_code, merchant_unique_code, provider_key, connection_id,
	currency_id, amount, refunded_amount, description, success_url, fail_url, user_redirect_url,
	status_id, ip, created_at, updated_at`

// findTransaction reads one transaction by a unique column.
func findTransaction(ctx context.Context, q rowQuerier, column, value string) (apmTransaction, error) {
	if column != "unique_code" && column != "merchant_unique_code" {
		return apmTransaction{}, fmt.Errorf("sandbox: find apm transaction by %q: not a unique column", column)
	}
	var (
		t                                  apmTransaction
		amount, refunded, created, updated string
	)
	err := q.QueryRowContext(ctx, `SELECT `+transactionColumns+
		` FROM sandbox_apm_transactions WHERE `+column+` = ?`, value).Scan(
		&t.ID, &t.UniqueCode, &t.MerchantUniqueCode, &t.ProviderKey, &t.ConnectionID, &t.CurrencyID,
		&amount, &refunded, &t.Description, &t.SuccessURL, &t.FailURL, &t.UserRedirectURL,
		&t.Status, &t.IP, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return t, pwTxNotFound
	}
	if err != nil {
		return t, fmt.Errorf("sandbox: find apm transaction by %s: %w", column, err)
	}
	if t.Amount, err = decimal.NewFromString(amount); err != nil {
		return t, fmt.Errorf("sandbox: apm transaction %d amount: %w", t.ID, err)
	}
	if t.Refunded, err = decimal.NewFromString(refunded); err != nil {
		return t, fmt.Errorf("sandbox: apm transaction %d refunded amount: %w", t.ID, err)
	}
	if t.CreatedAt, err = time.Parse(dbTimeLayout, created); err != nil {
		return t, fmt.Errorf("sandbox: apm transaction %d created_at: %w", t.ID, err)
	}
	if t.UpdatedAt, err = time.Parse(dbTimeLayout, updated); err != nil {
		return t, fmt.Errorf("sandbox: apm transaction %d updated_at: %w", t.ID, err)
	}
	return t, nil
}
