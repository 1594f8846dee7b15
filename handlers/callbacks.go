package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/store"
	"linkdesk/views"
)

// CallbackStore is the part of the store provider callbacks use.
type CallbackStore interface {
	PaymentByToken(ctx context.Context, token string) (*store.Payment, error)
	RecordCallback(ctx context.Context, c *store.CallbackRecord) error
}

// Callbacks receives Paywall's payment results at
// /callbacks/paywall/{token}/success|fail. The routes are public: the
// token (secret, one per payment) finds the payment, the hash proves the
// sender knows the APM webhook key, and a query to Paywall confirms the
// result before anything is settled, because the hash does not cover the
// status. Every callback is recorded, accepted or refused.
type Callbacks struct {
	site    Site
	store   CallbackStore
	apm     APMQuerier
	rec     *Reconciler
	hashKey string
}

// NewCallbacks returns the callback handlers. An empty hashKey skips the
// hash check (the callback is still confirmed with Paywall).
func NewCallbacks(site Site, st CallbackStore, apm APMQuerier, rec *Reconciler, hashKey string) *Callbacks {
	return &Callbacks{site: site, store: st, apm: apm, rec: rec, hashKey: hashKey}
}

// Success receives a result posted to the success URL.
func (h *Callbacks) Success(c echo.Context) error { return h.receive(c, store.CallbackKindSuccess) }

// Fail receives a result posted to the fail URL.
func (h *Callbacks) Fail(c echo.Context) error { return h.receive(c, store.CallbackKindFail) }

// maxStrayPayload caps what is kept of a callback whose token names no
// payment. Anyone can post one, so its row must stay small; a real
// callback (well under 1 KiB) still fits whole, should one ever arrive
// for a payment this database lost.
const maxStrayPayload = 1 << 10

// verdict is what became of one callback. reason is a stable code: it is
// stored, logged and, for a refusal, the answer's body.
type verdict struct {
	status   int
	accepted bool
	reason   string
	outcome  store.PaymentStatus // paid or failed, when accepted
}

func refuse(status int, reason string) verdict { return verdict{status: status, reason: reason} }

func accept(reason string, outcome store.PaymentStatus) verdict {
	return verdict{status: http.StatusOK, accepted: true, reason: reason, outcome: outcome}
}

func (h *Callbacks) receive(c echo.Context, kind string) error {
	ctx := c.Request().Context()
	body, readErr := io.ReadAll(io.LimitReader(c.Request().Body, craftclient.MaxCallbackBytes+1))
	rec := &store.CallbackRecord{Kind: kind, RemoteIP: c.RealIP(), Payload: string(body)}
	v, err := h.judge(c, rec, body, readErr)
	if err != nil {
		return err
	}
	rec.Accepted, rec.Reason = v.accepted, v.reason
	// The record outlives a caller that hung up: the change it explains
	// may already be made.
	if err := h.store.RecordCallback(context.WithoutCancel(ctx), rec); err != nil {
		return err
	}
	log := LoggerFrom(c).With("payment", rec.MerchantUniqueCode, "kind", rec.Kind, "reason", v.reason, "remote_ip", rec.RemoteIP)
	if v.accepted {
		log.Info("payment callback accepted")
	} else {
		log.Warn("payment callback refused")
	}
	return h.answer(c, v)
}

// judge checks a callback and, when it holds, settles the payment. It
// fills in rec's code and kind as it learns them.
func (h *Callbacks) judge(c echo.Context, rec *store.CallbackRecord, body []byte, readErr error) (verdict, error) {
	ctx := c.Request().Context()
	req := c.Request().Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	cb, parseErr := craftclient.ParsePaywallCallback(req)
	if cb != nil {
		rec.MerchantUniqueCode = cb.MerchantUniqueCode
	}
	p, err := h.store.PaymentByToken(ctx, c.Param("token"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		rec.TruncatePayload(maxStrayPayload)
		return refuse(http.StatusNotFound, "unknown_token"), nil
	case err != nil:
		return verdict{}, err
	case readErr != nil || parseErr != nil:
		rec.MerchantUniqueCode = p.MerchantUniqueCode
		return refuse(http.StatusBadRequest, "malformed"), nil
	}
	if cb.Server {
		rec.Kind = store.CallbackKindServer
	}
	if rec.MerchantUniqueCode == "" {
		rec.MerchantUniqueCode = p.MerchantUniqueCode
	}
	if reason := h.mismatch(cb, p); reason != "" {
		status := http.StatusBadRequest
		if reason == "hash_invalid" {
			status = http.StatusForbidden
		}
		return refuse(status, reason), nil
	}
	outcome := store.PaymentStatusFailed
	switch {
	case cb.Success && rec.Kind == store.CallbackKindFail:
		return refuse(http.StatusBadRequest, "status_mismatch"), nil
	case cb.Success:
		outcome = store.PaymentStatusPaid
	}
	if p.Status.Final() {
		return h.late(c, p, outcome), nil
	}
	return h.settle(c, p, outcome)
}

// mismatch compares the callback with the payment its token names and
// returns why they disagree, or "".
func (h *Callbacks) mismatch(cb *craftclient.PaywallCallback, p *store.Payment) string {
	switch {
	case cb.MerchantUniqueCode != "" && cb.MerchantUniqueCode != p.MerchantUniqueCode,
		cb.MerchantUniqueCode == "" && (p.UniqueCode == "" || !strings.EqualFold(cb.UniqueCode, p.UniqueCode)):
		return "code_mismatch"
	case !sameAmount(cb.Amount, p.Amount):
		return "amount_mismatch"
	case p.APMTransactionID != 0 && cb.APMTransactionID != strconv.FormatInt(p.APMTransactionID, 10),
		p.UniqueCode != "" && !strings.EqualFold(cb.UniqueCode, p.UniqueCode):
		return "transaction_mismatch"
	case h.hashKey != "" && !cb.VerifyHash(h.hashKey):
		return "hash_invalid"
	}
	return ""
}

func sameAmount(sent string, want decimal.Decimal) bool {
	d, err := decimal.NewFromString(strings.TrimSpace(sent))
	return err == nil && d.Equal(want)
}

// late answers a callback for a payment that is already settled: the
// same result again is a harmless repeat; a different one is refused,
// because a settled payment never changes.
func (h *Callbacks) late(c echo.Context, p *store.Payment, outcome store.PaymentStatus) verdict {
	current := p.Status
	if current == store.PaymentStatusRefunded || current == store.PaymentStatusPartiallyRefunded {
		current = store.PaymentStatusPaid
	}
	if current == outcome {
		return accept("duplicate", outcome)
	}
	if outcome == store.PaymentStatusPaid {
		// Money arrived for a payment we closed (expired or failed): a
		// person must refund it at the provider.
		LoggerFrom(c).Error("paid callback for a settled payment: refund it at the provider",
			"payment", p.MerchantUniqueCode, "status", string(p.Status))
	}
	return refuse(http.StatusConflict, "already_final")
}

// settle confirms the result with Paywall and applies it. A verified
// callback is seen through even if its sender hangs up: the query is
// bounded by the client's timeout, and the writes after it (the provider's
// ids, the status, its audit row, the callback's record) belong together.
func (h *Callbacks) settle(c echo.Context, p *store.Payment, outcome store.PaymentStatus) (verdict, error) {
	ctx := context.WithoutCancel(c.Request().Context())
	tx, err := h.apm.Query(ctx, p.MerchantUniqueCode)
	if err != nil {
		// The worker will settle it once Paywall answers again.
		LoggerFrom(c).Warn("payment callback not confirmed", "payment", p.MerchantUniqueCode, "err", err)
		return refuse(http.StatusServiceUnavailable, "confirm_unavailable"), nil
	}
	if upstream, ok := settledStatus(tx.StatusID); !ok || upstream != outcome {
		return refuse(http.StatusConflict, "not_confirmed"), nil
	}
	if err := h.rec.adopt(ctx, p, tx); err != nil {
		return verdict{}, err
	}
	changed, err := h.rec.settle(ctx, p.MerchantUniqueCode, outcome, settleSourceCallback, actor{ip: c.RealIP()})
	if err != nil {
		return verdict{}, err
	}
	if !changed {
		return accept("duplicate", outcome), nil // the worker got there first
	}
	return accept("settled", outcome), nil
}

// answer tells a browser in words and a server in a status and a code.
func (h *Callbacks) answer(c echo.Context, v verdict) error {
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMETextHTML) {
		outcome := "refused"
		if v.accepted {
			outcome = string(v.outcome)
		}
		page := views.CallbackResultPage(h.site.Meta(c, "", "callback.title"), views.CallbackResult{Outcome: outcome})
		return render(c, v.status, page, nil)
	}
	if v.accepted {
		return c.String(http.StatusOK, "OK")
	}
	return c.String(v.status, v.reason)
}
