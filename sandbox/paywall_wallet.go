package sandbox

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The wallet simulator stands in for the payer's wallet app: the QR content opens it,
// and paying or declining settles the transaction and sends the merchant callback.

var (
	textTxNotFound     = text{"Ödeme bulunamadı.", "Payment not found."}
	textAlreadySettled = text{"Bu ödeme zaten işlendi; bildirim yeniden gönderilmedi.", "This payment was already processed; no callback was sent again."}
	textWalletPaid     = text{"Ödeme onaylandı.", "Payment approved."}
	textWalletDeclined = text{"Ödeme reddedildi.", "Payment declined."}
)

// declineErrorMessage is the callback's errorMessage when the payer declines.
const declineErrorMessage = "Müşteri ödemeyi reddetti"

type deliveryView struct {
	URL     string
	Outcome string
	OK      bool
}

type walletView struct {
	Title, Provider, Description, Amount, Currency string
	StatusTR, StatusEN                             string
	TransactionID                                  int64
	PayAction, DeclineAction, RedirectURL          string
	Pending                                        bool
	Notice                                         *notice
	Delivery                                       *deliveryView
}

func newWalletView(t apmTransaction) walletView {
	v := walletView{
		Title:         "Cüzdan / Wallet",
		Provider:      t.ProviderKey,
		Description:   t.Description,
		Amount:        money(t.Amount),
		StatusTR:      t.Status.text().tr,
		StatusEN:      t.Status.text().en,
		TransactionID: t.ID,
		PayAction:     paywallPrefix + "/wallet/" + t.UniqueCode + "/pay",
		DeclineAction: paywallPrefix + "/wallet/" + t.UniqueCode + "/decline",
		Pending:       t.Status == apmCreated,
	}
	v.Currency, _ = paywallCurrency(t.CurrencyID)
	for _, c := range apmConnections() {
		if c.connectionID == t.ConnectionID {
			v.Provider = c.name
		}
	}
	if t.Status != apmCreated {
		v.RedirectURL = t.UserRedirectURL
	}
	return v
}

func (s *Sandbox) walletPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t, err := findTransaction(ctx, s.db, "unique_code", strings.ToLower(r.PathValue("uniqueCode")))
	if err != nil {
		s.walletError(w, r, err)
		return
	}
	v := newWalletView(t)
	if v.Delivery, err = s.lastDelivery(ctx, t.ID); err != nil {
		s.walletError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, s.pages.wallet, v)
}

func (s *Sandbox) walletPay(w http.ResponseWriter, r *http.Request) { s.settleWallet(w, r, true) }

func (s *Sandbox) walletDecline(w http.ResponseWriter, r *http.Request) { s.settleWallet(w, r, false) }

// settleWallet moves a Created transaction to Successful or Failed and sends the
// callback. Repeating it changes nothing and sends nothing: it shows the state.
func (s *Sandbox) settleWallet(w http.ResponseWriter, r *http.Request, paid bool) {
	ctx := r.Context()
	next := apmFailed
	if paid {
		next = apmSuccessful
	}
	t, changed, err := s.settleTransaction(ctx, strings.ToLower(r.PathValue("uniqueCode")), next)
	if err != nil {
		s.walletError(w, r, err)
		return
	}
	v := newWalletView(t)
	if !changed {
		v.Notice = errorNotice(textAlreadySettled)
		if v.Delivery, err = s.lastDelivery(ctx, t.ID); err != nil {
			s.walletError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, s.pages.wallet, v)
		return
	}
	s.log.InfoContext(ctx, "apm transaction settled", "apm_transaction_id", t.ID, "status_id", int(t.Status))
	v.Notice = okNotice(textWalletDeclined)
	if paid {
		v.Notice = okNotice(textWalletPaid)
	}
	v.Delivery = s.sendCallback(ctx, t)
	s.render(w, r, http.StatusOK, s.pages.wallet, v)
}

// settleTransaction applies next only to a Created transaction. The conditional UPDATE
// runs first, so the transaction holds the write lock before it reads.
func (s *Sandbox) settleTransaction(ctx context.Context, uniqueCode string, next apmStatus) (apmTransaction, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return apmTransaction{}, false, fmt.Errorf("sandbox: settle apm transaction: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	res, err := tx.ExecContext(ctx, `UPDATE sandbox_apm_transactions SET status_id = ?, updated_at = ?
		WHERE unique_code = ? AND status_id = ?`,
		next, s.nowUTC().Format(dbTimeLayout), uniqueCode, apmCreated)
	if err != nil {
		return apmTransaction{}, false, fmt.Errorf("sandbox: settle apm transaction: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return apmTransaction{}, false, fmt.Errorf("sandbox: settle apm transaction: %w", err)
	}
	t, err := findTransaction(ctx, tx, "unique_code", uniqueCode)
	if err != nil {
		return apmTransaction{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return apmTransaction{}, false, fmt.Errorf("sandbox: settle apm transaction %d: commit: %w", t.ID, err)
	}
	return t, n == 1, nil
}

// callbackForm is the web callback of paywall-notes §4a, sent server-side because the
// QR payer is on another device.
func (s *Sandbox) callbackForm(t apmTransaction) url.Values {
	paid := t.Status == apmSuccessful
	amount := money(t.Amount)
	id := strconv.FormatInt(t.ID, 10)
	form := url.Values{
		"date":               {t.UpdatedAt.Format(paywallTimeLayout)},
		"status":             {strconv.FormatBool(paid)},
		"errorCode":          {"0"},
		"errorMessage":       {""},
		"uniqueCode":         {t.UniqueCode},
		"merchantUniqueCode": {t.MerchantUniqueCode},
		"amount":             {amount},
		"apmTransactionId":   {id},
	}
	if !paid {
		form.Set("errorCode", "1")
		form.Set("errorMessage", declineErrorMessage)
	}
	if s.hashKey != "" {
		form.Set("hash", callbackHash(s.hashKey, id, t.MerchantUniqueCode, amount))
	}
	return form
}

// callbackHash is lowercase hex(sha256(key###apmTransactionId###merchantUniqueCode###amount)),
// the documented Paywall hash family with the field order the notes assume for APM.
func callbackHash(key, apmTransactionID, merchantUniqueCode, amount string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{key, apmTransactionID, merchantUniqueCode, amount}, "###")))
	return hex.EncodeToString(sum[:])
}

// sendCallback POSTs the callback form and records the outcome. A failed delivery does
// not undo the settlement; the outcome is shown on the wallet page.
func (s *Sandbox) sendCallback(ctx context.Context, t apmTransaction) *deliveryView {
	target := t.FailURL
	if t.Status == apmSuccessful {
		target = t.SuccessURL
	}
	form := s.callbackForm(t).Encode()
	var (
		statusCode sql.NullInt64
		failure    string
	)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var resp *http.Response
		if resp, err = s.httpClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			statusCode = sql.NullInt64{Int64: int64(resp.StatusCode), Valid: true}
		}
	}
	if err != nil {
		failure = err.Error()
	}
	d := deliveryOutcome(target, statusCode, failure)
	// Merchants put secrets in callback URLs (Linkdesk a per-payment token),
	// so the log names only the host.
	shown := callbackOrigin(target)
	s.log.InfoContext(ctx, "apm callback sent", "apm_transaction_id", t.ID, "url", shown,
		"http_status", statusCode.Int64, "err", strings.ReplaceAll(failure, target, shown))

	// Record even when the browser went away mid-request: the callback did happen.
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO sandbox_callback_deliveries
			(transaction_id, url, form, status_code, error, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, target, form, statusCode, failure, s.nowUTC().Format(dbTimeLayout)); err != nil {
		s.log.ErrorContext(ctx, "record apm callback", "apm_transaction_id", t.ID, "err", err)
	}
	return d
}

func deliveryOutcome(url string, statusCode sql.NullInt64, failure string) *deliveryView {
	if !statusCode.Valid {
		return &deliveryView{URL: url, Outcome: "Hata / Error: " + failure}
	}
	code := int(statusCode.Int64)
	return &deliveryView{
		URL:     url,
		Outcome: fmt.Sprintf("HTTP %d %s", code, http.StatusText(code)),
		OK:      code >= 200 && code < 300,
	}
}

// lastDelivery is the newest recorded callback of a transaction, or nil.
func (s *Sandbox) lastDelivery(ctx context.Context, transactionID int64) (*deliveryView, error) {
	var (
		target, failure string
		statusCode      sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT url, status_code, error FROM sandbox_callback_deliveries
		WHERE transaction_id = ? ORDER BY id DESC LIMIT 1`, transactionID).Scan(&target, &statusCode, &failure)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: last callback of apm transaction %d: %w", transactionID, err)
	}
	return deliveryOutcome(target, statusCode, failure), nil
}

func (s *Sandbox) walletError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, pwTxNotFound) {
		s.renderMessage(w, r, http.StatusNotFound, "Bulunamadı / Not found", errorNotice(textTxNotFound))
		return
	}
	s.renderInternal(w, r, err)
}

// callbackOrigin is a callback URL reduced to scheme and host, for logs.
func callbackOrigin(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "[callback URL]"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
