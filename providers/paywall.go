package providers

import (
	"bytes"
	"context"
	"net/http"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
)

// Payments adapts Paywall's APM QR API (craftclient.APMService). hashKey
// is the APM webhook hash key callbacks are checked with; empty skips the
// hash check (results are still confirmed with Paywall).
type Payments struct {
	apm     *craftclient.APMService
	hashKey string
}

var _ app.PaymentProvider = (*Payments)(nil)

// NewPayments adapts p's APM service.
func NewPayments(p *craftclient.Paywall, hashKey string) *Payments {
	return &Payments{apm: p.APM, hashKey: hashKey}
}

func paywallErr(err error) error { return classify(craftclient.ProviderPaywall, err) }

// Wallets lists the QR-capable wallets of a currency.
func (p *Payments) Wallets(ctx context.Context, c app.Currency) ([]app.Wallet, error) {
	id, ok := craftclient.CurrencyID(craftclient.Currency(c))
	if !ok {
		return nil, nil
	}
	list, err := p.apm.List(ctx, craftclient.APMListRequest{CurrencyID: id, FocusedFeature: "qr"})
	if err != nil {
		return nil, paywallErr(err)
	}
	ws := make([]app.Wallet, len(list))
	for i, w := range list {
		ws[i] = app.Wallet{Key: w.ProviderKey, Name: w.ProviderName, ConnectionID: w.ConnectionID, ExternalID: w.ExternalID, Logo: w.Logo}
	}
	return ws, nil
}

// StartQR asks for a payment's QR code.
func (p *Payments) StartQR(ctx context.Context, r app.QRRequest) (*app.PaymentStart, error) {
	currencyID, _ := craftclient.CurrencyID(craftclient.Currency(r.Currency))
	resp, err := p.apm.GenerateQR(ctx, craftclient.QRGenerateRequest{
		APMKey: r.Wallet, APMConnectionID: r.ConnectionID, CurrencyID: currencyID,
		MerchantUniqueCode: r.Code, Amount: craftclient.NewAmount(r.Amount), Description: r.Description,
		MerchantSuccessBackURL: r.SuccessURL, MerchantFailBackURL: r.FailURL,
	})
	if err != nil {
		return nil, paywallErr(err)
	}
	return &app.PaymentStart{UniqueCode: resp.UniqueCode, APMTransactionID: resp.APMTransactionID,
		QRFormatType: resp.QRDetail.FormatType, QRContent: resp.QRDetail.Content}, nil
}

// Query asks where a payment stands.
func (p *Payments) Query(ctx context.Context, code string) (*app.ProviderPayment, error) {
	tx, err := p.apm.Query(ctx, code)
	if err != nil {
		return nil, paywallErr(err)
	}
	return &app.ProviderPayment{Status: status(tx.StatusID), UniqueCode: tx.UniqueCode, APMTransactionID: tx.APMTransactionID}, nil
}

func status(s craftclient.APMStatus) app.ProviderStatus {
	switch s {
	case craftclient.APMStatusSuccessful:
		return app.ProviderPaid
	case craftclient.APMStatusFailed:
		return app.ProviderFailed
	case craftclient.APMStatusRefunded:
		return app.ProviderRefunded
	case craftclient.APMStatusPartiallyRefunded:
		return app.ProviderPartiallyRefunded
	}
	return app.ProviderOpen
}

// Refund refunds the whole remainder with apm/refund, less with
// apm/refund/partial, and returns what Paywall says it refunded (zero when
// it does not say).
func (p *Payments) Refund(ctx context.Context, uniqueCode string, amount decimal.Decimal, whole bool) (decimal.Decimal, error) {
	var (
		resp *craftclient.RefundResponse
		err  error
	)
	if whole {
		resp, err = p.apm.Refund(ctx, uniqueCode)
	} else {
		resp, err = p.apm.RefundPartial(ctx, uniqueCode, craftclient.NewAmount(amount))
	}
	if err != nil {
		return decimal.Zero, paywallErr(err)
	}
	return resp.Amount.Decimal, nil
}

// ParseCallback reads a posted result, form or JSON, and checks its hash
// against the configured key.
func (p *Payments) ParseCallback(body []byte, contentType string) (*app.ProviderCallback, error) {
	req, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	cb, err := craftclient.ParsePaywallCallback(req)
	if err != nil {
		return nil, err
	}
	return &app.ProviderCallback{
		MerchantUniqueCode: cb.MerchantUniqueCode, UniqueCode: cb.UniqueCode, APMTransactionID: cb.APMTransactionID,
		Amount: cb.Amount, Success: cb.Success, Server: cb.Server,
		HashInvalid: p.hashKey != "" && !cb.VerifyHash(p.hashKey),
	}, nil
}

// QRImage returns the image a QR detail carries, decoded, if it is one.
func (p *Payments) QRImage(formatType int, content string) ([]byte, string, bool) {
	data, mime, err := craftclient.QRDetail{FormatType: formatType, Content: content}.Image()
	return data, mime, err == nil
}
