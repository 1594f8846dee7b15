package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/store"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
	"linkdesk/web/qr"
)

// APMClient is the part of Paywall's APM API the payment pages call
// (*craftclient.APMService).
type APMClient interface {
	APMQuerier
	List(ctx context.Context, req craftclient.APMListRequest) ([]craftclient.APMProvider, error)
	GenerateQR(ctx context.Context, req craftclient.QRGenerateRequest) (*craftclient.QRGenerateResponse, error)
	Refund(ctx context.Context, uniqueCode string) (*craftclient.RefundResponse, error)
	RefundPartial(ctx context.Context, uniqueCode string, amount craftclient.Amount) (*craftclient.RefundResponse, error)
}

// PaymentStore is the part of the store the payment pages use.
type PaymentStore interface {
	AuditLog
	CreatePayment(ctx context.Context, p *store.Payment) error
	PaymentByCode(ctx context.Context, code string) (*store.Payment, error)
	MarkPaymentStarted(ctx context.Context, code, uniqueCode string, apmTransactionID int64, qrFormatType int, qrContent string) error
	MarkPaymentStartFailed(ctx context.Context, code, errMsg string) error
	RecordRefund(ctx context.Context, code string, amount decimal.Decimal) (*store.Payment, error)
	ListPayments(ctx context.Context, f store.PaymentFilter) ([]store.Payment, int, error)
	ForEachPayment(ctx context.Context, f store.PaymentFilter, fn func(store.Payment) error) error
	CallbacksFor(ctx context.Context, code string) ([]store.CallbackRecord, error)
	ListUsers(ctx context.Context) ([]store.User, error)
}

// PaymentsConfig is what QR payments need to know about this installation.
type PaymentsConfig struct {
	// PublicURL is how Paywall reaches the callback routes.
	PublicURL string
	// HashKey is Paywall's APM webhook hash key; empty skips the hash check.
	HashKey string
	// Timeout expires a payment still unpaid this long after it was created.
	Timeout time.Duration
}

// Payments serves the QR payment pages: start at the counter, watch it
// settle, list, export and refund.
type Payments struct {
	site      Site
	store     PaymentStore
	apm       APMClient
	rec       *Reconciler
	providers *providerCache
	qr        *qr.Cache
	publicURL string
	loc       *time.Location // the shop's zone for dates in filters and pages
	now       func() time.Time
}

// NewPayments returns the payment handlers. Codes are encoded through the
// shared QR cache; publicURL is how Paywall reaches the callback routes
// (PaymentsConfig.PublicURL); loc nil means the server's zone, now nil
// means time.Now.
func NewPayments(site Site, st PaymentStore, apm APMClient, rec *Reconciler, codes *qr.Cache,
	publicURL string, loc *time.Location, now func() time.Time) *Payments {
	if loc == nil {
		loc = time.Local
	}
	if now == nil {
		now = time.Now
	}
	return &Payments{
		site: site, store: st, apm: apm, rec: rec,
		providers: newProviderCache(apm, providerCacheTTL, now),
		qr:        codes,
		publicURL: strings.TrimRight(publicURL, "/"),
		loc:       loc,
		now:       now,
	}
}

// New renders the empty form; ?currency= preselects a currency.
func (h *Payments) New(c echo.Context) error {
	f := views.PaymentForm{Currency: c.QueryParam("currency")}
	if f.Currency == "" {
		f.Currency = views.PaymentCurrencies[0]
	}
	h.loadProviders(c, &f)
	return render(c, http.StatusOK, views.NewPaymentPage(h.site.Meta(c, "payments", "payment.title_new"), f), nil)
}

// Providers renders the provider field for ?currency= (the form's htmx
// refresh); without htmx it is the whole form.
func (h *Payments) Providers(c echo.Context) error {
	f := views.PaymentForm{Currency: c.QueryParam("currency")}
	h.loadProviders(c, &f)
	return render(c, http.StatusOK, views.NewPaymentPage(h.site.Meta(c, "payments", "payment.title_new"), f),
		views.PaymentProviderField(LocaleFrom(c), f))
}

func (h *Payments) loadProviders(c echo.Context, f *views.PaymentForm) {
	id, ok := craftclient.CurrencyID(craftclient.Currency(f.Currency))
	if !ok {
		return
	}
	list, err := h.providers.get(c.Request().Context(), id)
	if err != nil {
		LoggerFrom(c).Warn("paywall provider list failed", "currency", f.Currency, "err", err)
		f.ProvidersFailed = true
		return
	}
	f.Providers = list
}

// Create writes the payment as pending, then asks Paywall for its QR code,
// and shows the counter screen either way: a failed start is retried from
// there, on the same row.
func (h *Payments) Create(c echo.Context) error {
	f := views.PaymentForm{
		Amount: c.FormValue("amount"), Currency: c.FormValue("currency"),
		Description: c.FormValue("description"), Provider: c.FormValue("provider"),
	}
	h.loadProviders(c, &f)
	if !f.Validate() {
		return render(c, http.StatusUnprocessableEntity, views.NewPaymentPage(h.site.Meta(c, "payments", "payment.title_new"), f), nil)
	}
	p, err := newPayment(f.Input(), UserFrom(c))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.store.CreatePayment(ctx, p); err != nil {
		return err
	}
	if err := audit(c, h.store, Change{Action: "payment.start", TargetType: "payment", TargetID: p.MerchantUniqueCode, After: paymentAudit(p)}); err != nil {
		return err
	}
	if err := h.start(c, p); err != nil {
		return err
	}
	return redirect(c, string(views.PaymentURL(p.MerchantUniqueCode)))
}

// newPayment builds the row for a validated form: our code is a random
// UUID, and the callback token 32 random bytes, so neither is guessable.
func newPayment(in views.PaymentInput, u *store.User) (*store.Payment, error) {
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("payments: callback token: %w", err)
	}
	connection := in.Provider.ConnectionID
	p := &store.Payment{
		MerchantUniqueCode: uuid.NewString(),
		CallbackToken:      hex.EncodeToString(token),
		Amount:             in.Amount,
		Currency:           in.Currency,
		Description:        in.Description,
		Provider:           in.Provider.ProviderKey,
		ConnectionID:       &connection,
	}
	if u != nil {
		id := u.ID
		p.StaffID, p.StaffEmail = &id, u.Email
	}
	return p, nil
}

// start asks Paywall for the QR code of a pending payment and stores what
// came back, or why nothing did. Only the store failing is an error: a
// provider failure is shown on the counter screen with a retry button.
// A closed browser tab does not abort it half-way: the call is bounded by
// the client's timeout, and its answer is worth keeping.
func (h *Payments) start(c echo.Context, p *store.Payment) error {
	ctx := context.WithoutCancel(c.Request().Context())
	currencyID, _ := craftclient.CurrencyID(craftclient.Currency(p.Currency))
	req := craftclient.QRGenerateRequest{
		APMKey:                 p.Provider,
		APMConnectionID:        p.ConnectionID,
		CurrencyID:             currencyID,
		MerchantUniqueCode:     p.MerchantUniqueCode,
		Amount:                 craftclient.NewAmount(p.Amount),
		Description:            p.Description,
		MerchantSuccessBackURL: h.publicURL + views.PaymentCallbackPath(p.CallbackToken, store.CallbackKindSuccess),
		MerchantFailBackURL:    h.publicURL + views.PaymentCallbackPath(p.CallbackToken, store.CallbackKindFail),
	}
	resp, err := h.apm.GenerateQR(ctx, req)
	if err != nil {
		LoggerFrom(c).Warn("paywall QR start failed", "payment", p.MerchantUniqueCode, "err", err)
		return h.store.MarkPaymentStartFailed(ctx, p.MerchantUniqueCode, startProblem(err))
	}
	return h.store.MarkPaymentStarted(ctx, p.MerchantUniqueCode, resp.UniqueCode, resp.APMTransactionID,
		resp.QRDetail.FormatType, resp.QRDetail.Content)
}

// startProblem is how a failed start is stored and later shown: the
// catalog key of the explanation, then the provider's code and message.
func startProblem(err error) string {
	pr := Explain(err)
	var apiErr *craftclient.APIError
	if errors.As(err, &apiErr) && apiErr.Code != "" {
		return pr.Message + ": " + strings.TrimSpace(apiErr.Code+" "+apiErr.Description)
	}
	return pr.Message
}

func paymentAudit(p *store.Payment) map[string]string {
	return map[string]string{
		"amount": p.Amount.String(), "currency": p.Currency, "description": p.Description,
		"provider": p.Provider, "status": string(p.Status),
	}
}

// Retry starts a payment again whose start failed. It reuses the row and
// its code, so Paywall is asked first whether the earlier attempt got
// through after all; only if it did not is a new QR code generated.
func (h *Payments) Retry(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	if p.Status != store.PaymentStatusPending || p.UniqueCode != "" {
		return NewError(CodeConflict, "payment.retry_refused")
	}
	if err := audit(c, h.store, Change{Action: "payment.retry", TargetType: "payment", TargetID: p.MerchantUniqueCode}); err != nil {
		return err
	}
	tx, err := h.apm.Query(ctx, p.MerchantUniqueCode)
	switch {
	case err == nil:
		// It exists upstream: take over its ids and status. Its QR code
		// cannot be fetched again, so the screen says so.
		if _, err := h.rec.apply(ctx, p, tx, false, actorOf(c)); err != nil {
			return err
		}
		flash.Add(c, flash.KindInfo, LocaleFrom(c).T("payment.adopted"))
	case craftclient.IsNotFound(err):
		if err := h.start(c, p); err != nil {
			return err
		}
	default:
		LoggerFrom(c).Warn("paywall query before retry failed", "payment", p.MerchantUniqueCode, "err", err)
		if err := h.store.MarkPaymentStartFailed(ctx, p.MerchantUniqueCode, startProblem(err)); err != nil {
			return err
		}
	}
	return redirect(c, string(views.PaymentURL(p.MerchantUniqueCode)))
}

// Check reconciles the payment with Paywall now and says what changed.
func (h *Payments) Check(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	switch after, changed, err := h.rec.check(c.Request().Context(), p.MerchantUniqueCode, actorOf(c)); {
	case err != nil:
		LoggerFrom(c).Warn("check now failed", "payment", p.MerchantUniqueCode, "err", err)
		flash.Error(c, l.T("payment.check_unavailable"))
	case p.Status.Final():
		flash.Add(c, flash.KindInfo, l.T("payment.checked_final"))
	case changed || after.Status != p.Status:
		flash.Success(c, l.Tf("payment.checked_changed", l.T("payment.status."+string(after.Status))))
	default:
		flash.Add(c, flash.KindInfo, l.T("payment.checked_same"))
	}
	return redirect(c, string(views.PaymentURL(p.MerchantUniqueCode)))
}

// Show renders the counter screen.
func (h *Payments) Show(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	v, err := h.view(c, p)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.PaymentPage(h.site.Meta(c, "payments", "payment.title"), v), nil)
}

// Status is what the counter screen polls: the status line while the
// payment is pending, and once it settles the whole panel, swapped in
// place of the old one (which stops the polling). The pending line, the
// answer to nearly every poll, needs only the payment, not its callbacks.
func (h *Payments) Status(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	partial := htmx.Parse(c.Request()).Partial()
	if partial && !p.Status.Final() {
		line := views.PaymentStatusLine(l, *p)
		return render(c, http.StatusOK, line, line)
	}
	v, err := h.view(c, p)
	if err != nil {
		return err
	}
	page := views.PaymentPage(h.site.Meta(c, "payments", "payment.title"), v)
	if !p.Status.Final() {
		return render(c, http.StatusOK, page, nil)
	}
	if partial {
		c.Response().Header().Set(htmx.HeaderRetarget, "#"+views.IDPaymentPanel)
		c.Response().Header().Set(htmx.HeaderReswap, "outerHTML")
	}
	return render(c, http.StatusOK, page, views.PaymentPanel(l, v))
}

// sandboxWalletPath is where the embedded sandbox serves its wallet pages.
const sandboxWalletPath = "/sandbox/paywall/wallet/"

// view is p as the counter screen's page and panel show it, with its
// callbacks.
func (h *Payments) view(c echo.Context, p *store.Payment) (views.PaymentView, error) {
	callbacks, err := h.store.CallbacksFor(c.Request().Context(), p.MerchantUniqueCode)
	if err != nil {
		return views.PaymentView{}, err
	}
	u := UserFrom(c)
	v := views.PaymentView{
		Payment: *p, Callbacks: callbacks, CSRF: CSRFToken(c), Loc: h.loc,
		Staff: Allowed(u, store.RoleStaff), Owner: Allowed(u, store.RoleOwner),
	}
	// In sandbox mode the QR names the sandbox's wallet page: link to it,
	// so a person can play the customer without a phone. Known by its path,
	// not by our own URL, which callbacks may reach by another host.
	if u, err := url.Parse(p.QRContent); err == nil && h.site.Sandbox && strings.HasPrefix(u.Path, sandboxWalletPath) {
		v.WalletURL = p.QRContent
	}
	return v, nil
}

// payment loads the payment named by the :code route parameter.
func (h *Payments) payment(c echo.Context) (*store.Payment, error) {
	p, err := h.store.PaymentByCode(c.Request().Context(), c.Param("code"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, NewError(CodeNotFound, "error.404")
	}
	return p, err
}
