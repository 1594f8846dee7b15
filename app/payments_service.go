package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

// PaymentsConfig tunes QR payments; zero fields take the defaults.
type PaymentsConfig struct {
	// CallbackURLs builds the absolute URLs the provider posts a payment's
	// result to, from its secret token (the web layer owns the routes).
	CallbackURLs func(token string) (success, fail string)
	// Timeout expires a payment still unpaid this long after it was created.
	Timeout time.Duration
	// ReconcileInterval is the time between reconciler passes.
	ReconcileInterval time.Duration
	// ReconcileMinAge leaves a fresh payment to its callback: the customer
	// is still scanning, and its start may still be in flight.
	ReconcileMinAge time.Duration
}

// Defaults of PaymentsConfig.
const (
	DefaultPaymentTimeout    = 15 * time.Minute
	DefaultReconcileInterval = 5 * time.Second
	DefaultReconcileMinAge   = 3 * time.Second
	// walletsTTL is how long a currency's wallet list is reused: it changes
	// only when the merchant edits connections in Paywall's panel.
	walletsTTL = time.Minute
)

// Payments takes APM QR payments: start at the counter, settle from a
// verified callback or the reconciler, refund, list and export.
type Payments struct {
	store    Store
	provider PaymentProvider
	cfg      PaymentsConfig
	now      func() time.Time
	log      *slog.Logger
	observer Observer
	loc      *time.Location // the shop's zone, for the sales totals
	wallets  *expirable.LRU[Currency, []Wallet]
	// instance names this process among those sharing the database: the
	// owner of the leases it takes on payments it works on.
	instance string
}

func newPayments(st Store, p PaymentProvider, cfg PaymentsConfig, loc *time.Location, instance string, now func() time.Time, log *slog.Logger, observer Observer) *Payments {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultPaymentTimeout
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = DefaultReconcileInterval
	}
	if cfg.ReconcileMinAge <= 0 {
		cfg.ReconcileMinAge = DefaultReconcileMinAge
	}
	return &Payments{store: st, provider: p, cfg: cfg, now: now, log: log, observer: observer, loc: loc,
		wallets: expirable.NewLRU[Currency, []Wallet](len(PaymentCurrencies), nil, walletsTTL), instance: instance}
}

// Timeout is how long a payment may stay unpaid.
func (s *Payments) Timeout() time.Duration { return s.cfg.Timeout }

// Wallets lists the wallets that take QR payments in a currency, kept for
// a minute so the form and its refreshes do not call Paywall each time.
// Failures are not kept.
func (s *Payments) Wallets(ctx context.Context, c Currency) ([]Wallet, error) {
	if !c.ValidPayment() {
		return nil, nil
	}
	if ws, ok := s.wallets.Get(c); ok {
		return ws, nil
	}
	ws, err := s.provider.Wallets(ctx, c)
	if err != nil {
		return nil, err
	}
	s.wallets.Add(c, ws)
	return ws, nil
}

// Get returns the payment with our code.
func (s *Payments) Get(ctx context.Context, code string) (*Payment, error) {
	return s.store.PaymentByCode(ctx, code)
}

// List returns one page of matching payments, newest first, and how many
// match in all.
func (s *Payments) List(ctx context.Context, f PaymentFilter) ([]Payment, int, error) {
	return s.store.ListPayments(ctx, f)
}

// Each calls fn with every matching payment, newest first, streamed.
func (s *Payments) Each(ctx context.Context, f PaymentFilter, fn func(Payment) error) error {
	return s.store.ForEachPayment(ctx, f, fn)
}

// CountByStatus counts the stored payments by status (the metrics).
func (s *Payments) CountByStatus(ctx context.Context) (map[PaymentStatus]int, error) {
	return s.store.CountPaymentsByStatus(ctx)
}

// Callbacks returns the callbacks recorded for a payment, oldest first.
func (s *Payments) Callbacks(ctx context.Context, code string) ([]Callback, error) {
	return s.store.CallbacksFor(ctx, code)
}

// Start writes a payment as pending with its audit row, then asks the
// provider for its QR code and records what came back, or why nothing did:
// a failed start is retried from the counter screen, on the same row. The
// row is written with this instance's lease on it, so no reconciler takes
// the start for lost while it waits for the provider. The returned
// payment is as stored after the attempt. Only a store failure is an
// error once the row exists.
func (s *Payments) Start(ctx context.Context, by Actor, d PaymentDraft) (*Payment, error) {
	ws, wErr := s.Wallets(ctx, Currency(d.Currency))
	if wErr != nil {
		s.log.Warn("paywall wallet list failed", "currency", d.Currency, "err", wErr)
	}
	in, fe := d.Parse(ws, wErr)
	if err := fe.err(); err != nil {
		return nil, err
	}
	p, err := newPayment(in, by.User)
	if err != nil {
		return nil, err
	}
	until := s.now().Add(leaseFor)
	p.LeaseOwner, p.LeaseUntil = s.instance, &until
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreatePayment(ctx, p); err != nil {
			return err
		}
		return appendAudit(ctx, tx, by, change{Action: "payment.start", TargetType: "payment", TargetID: p.MerchantUniqueCode, After: paymentState(p)})
	})
	if err != nil {
		return nil, err
	}
	err = s.startUpstream(ctx, p)
	s.release(ctx, p.MerchantUniqueCode)
	if err != nil {
		return nil, err
	}
	return s.store.PaymentByCode(context.WithoutCancel(ctx), p.MerchantUniqueCode)
}

// release ends this instance's lease on a payment it worked on. A failure
// is only logged: the lease then ends by itself at its time.
func (s *Payments) release(ctx context.Context, code string) {
	if err := s.store.ReleasePayment(context.WithoutCancel(ctx), code, s.instance); err != nil {
		s.log.Warn("payment lease not released; it ends by itself", "payment", code, "err", err)
	}
}

// newPayment builds the row for a valid input: our code is a random UUID
// and the callback token 32 random bytes, so neither can be guessed.
func newPayment(in PaymentInput, u *User) (*Payment, error) {
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("payments: callback token: %w", err)
	}
	connection := in.Wallet.ConnectionID
	p := &Payment{
		MerchantUniqueCode: uuid.NewString(),
		CallbackToken:      hex.EncodeToString(token),
		Amount:             in.Amount,
		Currency:           in.Currency,
		Description:        in.Description,
		Provider:           in.Wallet.Key,
		ConnectionID:       &connection,
	}
	if u != nil {
		id := u.ID
		p.StaffID, p.StaffEmail = &id, u.Email
	}
	return p, nil
}

func paymentState(p *Payment) map[string]string {
	return map[string]string{
		"amount": p.Amount.String(), "currency": string(p.Currency), "description": p.Description,
		"provider": p.Provider, "status": string(p.Status),
	}
}

// startUpstream asks the provider for the QR code of a pending payment and
// stores the answer or the problem. A closed browser tab does not abort it
// half-way: the call is bounded by the client's timeout, and its answer is
// worth keeping.
func (s *Payments) startUpstream(ctx context.Context, p *Payment) error {
	ctx = context.WithoutCancel(ctx)
	req := QRRequest{
		Code: p.MerchantUniqueCode, Wallet: p.Provider, ConnectionID: p.ConnectionID,
		Amount: p.Amount, Currency: p.Currency, Description: p.Description,
	}
	req.SuccessURL, req.FailURL = s.cfg.CallbackURLs(p.CallbackToken)
	started, err := s.provider.StartQR(ctx, req)
	if err != nil {
		s.log.Warn("paywall QR start failed", "payment", p.MerchantUniqueCode, "err", err)
		return s.store.MarkPaymentStartFailed(ctx, p.MerchantUniqueCode, StartProblem(err))
	}
	return s.store.MarkPaymentStarted(ctx, p.MerchantUniqueCode, *started)
}

// StartProblem is how a failed provider call is stored and later shown:
// the catalog key of the explanation, then the provider's code and text.
func StartProblem(err error) string {
	key := ProblemKey(err)
	if pe, ok := AsProviderError(err); ok && pe.Code != "" {
		return key + ": " + strings.TrimSpace(pe.Code+" "+pe.Description)
	}
	return key
}

// ProblemKey is the catalog key explaining why a provider call failed.
func ProblemKey(err error) string {
	k, ok := providerKind(err)
	switch {
	case !ok:
		return "error.500"
	case k == ProviderTimeout:
		return "error.504"
	case k == ProviderUnreachable:
		return "error.503"
	case k == ProviderNotFound:
		return "error.404"
	}
	return "error.502"
}

// ErrRetryRefused refuses to start again a payment that is settled or was
// started already.
var ErrRetryRefused = &Error{Code: CodeConflict, Message: "payment.retry_refused"}

// ErrPaymentBusy refuses to start again a payment that some instance is
// starting or asking the provider about right now.
var ErrPaymentBusy = &Error{Code: CodeConflict, Message: "payment.busy"}

// Retry starts again a payment whose start failed, reusing the row and its
// code: the provider is asked first whether the earlier attempt got through
// after all, and only if it did not is a new QR code generated. adopted
// reports that it had got through (its QR code cannot be fetched again).
func (s *Payments) Retry(ctx context.Context, by Actor, code string) (adopted bool, err error) {
	p, err := s.store.PaymentByCode(ctx, code)
	if err != nil {
		return false, err
	}
	if p.Status != PaymentStatusPending || p.UniqueCode != "" {
		return false, ErrRetryRefused
	}
	claimed, err := s.store.ClaimPayment(ctx, code, s.instance, s.now().Add(leaseFor))
	if err != nil {
		return false, err
	}
	if !claimed {
		return false, ErrPaymentBusy
	}
	defer s.release(ctx, code)
	err = s.store.InTx(ctx, func(tx Tx) error {
		return appendAudit(ctx, tx, by, change{Action: "payment.retry", TargetType: "payment", TargetID: code})
	})
	if err != nil {
		return false, err
	}
	upstream, err := s.provider.Query(ctx, code)
	switch {
	case err == nil:
		_, err := s.apply(ctx, p, upstream, false, by)
		return true, err
	case IsProviderNotFound(err):
		return false, s.startUpstream(ctx, p)
	default:
		s.log.Warn("paywall query before retry failed", "payment", code, "err", err)
		return false, s.store.MarkPaymentStartFailed(ctx, code, StartProblem(err))
	}
}

// Check reconciles a payment with the provider now, whatever its age
// ("check now"), and returns it as it is afterwards with whether its status
// changed. A settled payment is returned as it is, and so is one another
// worker (a start, a reconciler, on any instance) is on right now.
func (s *Payments) Check(ctx context.Context, by Actor, code string) (*Payment, bool, error) {
	p, err := s.store.PaymentByCode(ctx, code)
	if err != nil || p.Status.Final() {
		return p, false, err
	}
	claimed, err := s.store.ClaimPayment(ctx, code, s.instance, s.now().Add(leaseFor))
	if err != nil || !claimed {
		return p, false, err
	}
	defer s.release(ctx, code)
	changed, err := s.reconcile(ctx, p, s.now(), by)
	if err != nil {
		return p, false, err
	}
	p, err = s.store.PaymentByCode(ctx, code)
	return p, changed, err
}

// QRImage is the image a payment's QR detail carries, if it is one.
func (s *Payments) QRImage(p *Payment) ([]byte, string, bool) {
	return s.provider.QRImage(p.QRFormatType, p.QRContent)
}

// settle moves a pending payment to its final status with its audit row
// and, when a callback caused it, the callback's record, in one
// transaction. changed is false when it was settled already: callbacks,
// the worker and "check now" may race, and exactly one of them wins and
// audits. The caller hanging up cancels none of it.
func (s *Payments) settle(ctx context.Context, code string, to PaymentStatus, source string, by Actor, cb *Callback) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	changed := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if changed, err = tx.SettlePayment(ctx, code, to); err != nil {
			return err
		}
		if cb != nil {
			cb.Accepted, cb.Reason = true, "duplicate"
			if changed {
				cb.Reason = "settled"
			}
			if _, err := tx.RecordCallback(ctx, cb); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		if err := countQRSettled(ctx, tx, s.loc, code, to); err != nil {
			return err
		}
		return appendAudit(ctx, tx, by, change{Action: "payment.settle", TargetType: "payment", TargetID: code,
			Before: map[string]string{"status": string(PaymentStatusPending)},
			After:  map[string]string{"status": string(to), "source": source}})
	})
	if err == nil && changed {
		s.log.Info("payment settled", "payment", code, "status", string(to), "source", source)
	}
	return changed, err
}
