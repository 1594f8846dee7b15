package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/routes"
	"linkdesk/views"
	"linkdesk/web/flash"
	"linkdesk/web/htmx"
	"linkdesk/web/qr"
)

// PaymentService is what the QR payment pages need of the core.
type PaymentService interface {
	Wallets(ctx context.Context, c app.Currency) ([]app.Wallet, error)
	Start(ctx context.Context, by app.Actor, d app.PaymentDraft) (*app.Payment, error)
	Retry(ctx context.Context, by app.Actor, code string) (bool, error)
	Check(ctx context.Context, by app.Actor, code string) (*app.Payment, bool, error)
	Refund(ctx context.Context, by app.Actor, code, amount string) (*app.Payment, decimal.Decimal, error)
	Get(ctx context.Context, code string) (*app.Payment, error)
	List(ctx context.Context, f app.PaymentFilter) ([]app.Payment, int, error)
	Each(ctx context.Context, f app.PaymentFilter, fn func(app.Payment) error) error
	Callbacks(ctx context.Context, code string) ([]app.Callback, error)
	QRImage(p *app.Payment) ([]byte, string, bool)
	StartAgain(ctx context.Context, by app.Actor, code string) (*app.Payment, error)
	Next(ctx context.Context, p *app.Payment) (*app.Payment, bool, error)
}

// Payments serves the QR payment pages: start at the counter, watch it
// settle, list, export and refund.
type Payments struct {
	site     Site
	payments PaymentService
	users    UserLister
	qr       *qr.Cache
	loc      *time.Location // the shop's zone for dates in filters and pages
	now      func() time.Time
}

// NewPayments returns the payment handlers. Codes are encoded through the
// shared QR cache; loc nil means app.DefaultLocation(), now nil time.Now.
func NewPayments(site Site, payments PaymentService, users UserLister, codes *qr.Cache, loc *time.Location, now func() time.Time) *Payments {
	loc = shopZone(loc)
	if now == nil {
		now = time.Now
	}
	return &Payments{site: site, payments: payments, users: users, qr: codes, loc: loc, now: now}
}

// New renders the empty form; ?currency= preselects a currency.
func (h *Payments) New(c echo.Context) error {
	f := views.PaymentForm{Currency: c.QueryParam("currency")}
	if f.Currency == "" {
		f.Currency = string(app.PaymentCurrencies[0])
	}
	h.loadWallets(c, &f)
	return render(c, http.StatusOK, views.NewPaymentPage(h.site.Meta(c, "payments", "payment.title_new"), f), nil)
}

// Providers renders the wallet field for ?currency= (the form's htmx
// refresh); without htmx it is the whole form.
func (h *Payments) Providers(c echo.Context) error {
	f := views.PaymentForm{Currency: c.QueryParam("currency")}
	h.loadWallets(c, &f)
	return render(c, http.StatusOK, views.NewPaymentPage(h.site.Meta(c, "payments", "payment.title_new"), f),
		views.PaymentProviderField(LocaleFrom(c), f))
}

func (h *Payments) loadWallets(c echo.Context, f *views.PaymentForm) {
	list, err := h.payments.Wallets(c.Request().Context(), app.Currency(f.Currency))
	if err != nil {
		LoggerFrom(c).Warn("paywall wallet list failed", "currency", f.Currency, "err", err)
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
	p, err := h.payments.Start(c.Request().Context(), actorOf(c), f.Draft())
	if fe := app.ErrorFields(err); fe != nil {
		f.Errors = fe
		h.loadWallets(c, &f)
		return render(c, http.StatusUnprocessableEntity, views.NewPaymentPage(h.site.Meta(c, "payments", "payment.title_new"), f), nil)
	}
	if err != nil {
		return err
	}
	return redirect(c, routes.Path(routes.PaymentShow, p.MerchantUniqueCode))
}

// Retry starts a payment again whose start failed. It reuses the row and
// its code, so Paywall is asked first whether the earlier attempt got
// through after all; only if it did not is a new QR code generated.
func (h *Payments) Retry(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	adopted, err := h.payments.Retry(c.Request().Context(), actorOf(c), p.MerchantUniqueCode)
	if err != nil {
		return err
	}
	if adopted {
		flash.Add(c, flash.KindInfo, LocaleFrom(c).T("payment.adopted"))
	}
	return redirect(c, routes.Path(routes.PaymentShow, p.MerchantUniqueCode))
}

// Check reconciles the payment with Paywall now and says what changed.
func (h *Payments) Check(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	l := LocaleFrom(c)
	switch after, changed, err := h.payments.Check(c.Request().Context(), actorOf(c), p.MerchantUniqueCode); {
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
	return redirect(c, routes.Path(routes.PaymentShow, p.MerchantUniqueCode))
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
func (h *Payments) view(c echo.Context, p *app.Payment) (views.PaymentView, error) {
	callbacks, err := h.payments.Callbacks(c.Request().Context(), p.MerchantUniqueCode)
	if err != nil {
		return views.PaymentView{}, err
	}
	u := UserFrom(c)
	v := views.PaymentView{
		Payment: *p, Callbacks: callbacks, CSRF: CSRFToken(c), Loc: h.loc,
		Staff: u.Can(app.RoleStaff), Owner: u.Can(app.RoleOwner),
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
func (h *Payments) payment(c echo.Context) (*app.Payment, error) {
	p, err := h.payments.Get(c.Request().Context(), c.Param("code"))
	if errors.Is(err, app.ErrNotFound) {
		return nil, errNotFound
	}
	return p, err
}
