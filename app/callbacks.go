package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// maxStrayPayload caps what is kept of a callback whose token names no
// payment: anyone can post one, so its row must stay small.
const maxStrayPayload = 1 << 10

// maxStrayCallbacks is how many callbacks naming no payment are kept (the
// newest), for diagnosis; anyone can send them, so they must not grow
// without bound.
const maxStrayCallbacks = 200

// storable is s as kept for people to read: bytes that are not UTF-8 and
// NUL, which no database stores alike (ErrBadText), become U+FFFD.
func storable(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// CallbackInput is a result a provider posted to one of our callback URLs.
type CallbackInput struct {
	Token       string // from the URL: the payment's secret
	Kind        string // CallbackKindSuccess or CallbackKindFail, from the URL
	Body        []byte
	ContentType string
	RemoteIP    string
	// ReadFailed says the body could not be read whole (too large, cut).
	ReadFailed bool
}

// Verdict is what became of one callback. Reason is a stable code: it is
// stored, logged and, for a refusal, the answer's body.
type Verdict struct {
	Accepted bool
	Reason   string
	Outcome  PaymentStatus // paid or failed, when accepted
	Payment  string        // the payment it concerned, if any
}

func refused(p *Payment, reason string) Verdict {
	v := Verdict{Reason: reason}
	if p != nil {
		v.Payment = p.MerchantUniqueCode
	}
	return v
}

func accepted(p *Payment, reason string, outcome PaymentStatus) Verdict {
	return Verdict{Accepted: true, Reason: reason, Outcome: outcome, Payment: p.MerchantUniqueCode}
}

// ReceiveCallback judges a provider's callback and, when it holds, settles
// the payment. The token (secret, one per payment) finds the payment; the
// hash proves the sender knows the webhook key; and a query to the provider
// confirms the result before anything is settled, because the hash does not
// cover the status. Every callback is recorded under a key unique to its
// content, so a repeat is recorded once and changes nothing; the settlement,
// its audit row and the callback's record commit together. A callback
// naming no payment is kept apart (bounded), never attached to one.
func (s *Payments) ReceiveCallback(ctx context.Context, in CallbackInput) (Verdict, error) {
	ctx = context.WithoutCancel(ctx) // what it changes belongs together
	rec := &Callback{Key: callbackKey(in), Kind: in.Kind, RemoteIP: in.RemoteIP, Payload: truncate(storable(string(in.Body)), MaxCallbackPayload)}
	p, err := s.store.PaymentByToken(ctx, in.Token)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadText) { // no token holds bytes that cannot be stored
		rec.Payload, rec.Reason = truncate(rec.Payload, maxStrayPayload), "unknown_token"
		return refused(nil, "unknown_token"), s.store.RecordStrayCallback(ctx, rec, maxStrayCallbacks)
	}
	if err != nil {
		return Verdict{}, err
	}
	rec.MerchantUniqueCode = p.MerchantUniqueCode
	v, recorded, err := s.judge(ctx, p, in, rec)
	if err != nil || recorded {
		return v, err
	}
	rec.Accepted, rec.Reason = v.Accepted, v.Reason
	if _, err := s.store.RecordCallback(ctx, rec); err != nil {
		return Verdict{}, err
	}
	return v, nil
}

// callbackKey identifies a callback by what was sent, where: a replay of
// the same post is the same key.
func callbackKey(in CallbackInput) string {
	h := sha256.New()
	h.Write([]byte(in.Token + "\x00" + in.Kind + "\x00"))
	h.Write(in.Body)
	return hex.EncodeToString(h.Sum(nil))
}

// judge checks a callback against its payment and, when it holds,
// settles the payment; recorded says rec was stored with the settlement.
func (s *Payments) judge(ctx context.Context, p *Payment, in CallbackInput, rec *Callback) (v Verdict, recorded bool, err error) {
	v.Payment = p.MerchantUniqueCode
	if in.ReadFailed {
		return refused(p, "malformed"), false, nil
	}
	cb, err := s.provider.ParseCallback(in.Body, in.ContentType)
	if err != nil {
		return refused(p, "malformed"), false, nil
	}
	if cb.Server {
		rec.Kind = CallbackKindServer
	}
	if reason := mismatch(cb, p); reason != "" {
		return refused(p, reason), false, nil
	}
	outcome := PaymentStatusFailed
	switch {
	case cb.Success && rec.Kind == CallbackKindFail:
		return refused(p, "status_mismatch"), false, nil
	case cb.Success:
		outcome = PaymentStatusPaid
	}
	if p.Status.Final() {
		return s.late(p, outcome), false, nil
	}
	return s.confirm(ctx, p, outcome, rec, in.RemoteIP)
}

// mismatch compares a callback with the payment its token names and
// returns why they disagree, or "".
func mismatch(cb *ProviderCallback, p *Payment) string {
	switch {
	case cb.MerchantUniqueCode != "" && cb.MerchantUniqueCode != p.MerchantUniqueCode,
		cb.MerchantUniqueCode == "" && (p.UniqueCode == "" || !strings.EqualFold(cb.UniqueCode, p.UniqueCode)):
		return "code_mismatch"
	case !sameAmount(cb.Amount, p.Amount):
		return "amount_mismatch"
	case p.APMTransactionID != 0 && cb.APMTransactionID != strconv.FormatInt(p.APMTransactionID, 10),
		p.UniqueCode != "" && !strings.EqualFold(cb.UniqueCode, p.UniqueCode):
		return "transaction_mismatch"
	case cb.HashInvalid:
		return "hash_invalid"
	}
	return ""
}

func sameAmount(sent string, want decimal.Decimal) bool {
	d, err := decimal.NewFromString(strings.TrimSpace(sent))
	return err == nil && d.Equal(want)
}

// late answers a callback for a payment that is settled already: the same
// result again is a harmless repeat; a different one is refused, because a
// settled payment never changes.
func (s *Payments) late(p *Payment, outcome PaymentStatus) Verdict {
	current := p.Status
	if current == PaymentStatusRefunded || current == PaymentStatusPartiallyRefunded {
		current = PaymentStatusPaid
	}
	if current == outcome {
		return accepted(p, "duplicate", outcome)
	}
	if outcome == PaymentStatusPaid {
		// Money arrived for a payment we closed (expired or failed): a
		// person must refund it at the provider.
		s.log.Error("paid callback for a settled payment: refund it at the provider",
			"payment", p.MerchantUniqueCode, "status", string(p.Status))
	}
	return refused(p, "already_final")
}

// confirm asks the provider whether the callback's result holds and, if it
// does, settles the payment with the callback's record and audit row.
func (s *Payments) confirm(ctx context.Context, p *Payment, outcome PaymentStatus, rec *Callback, ip string) (Verdict, bool, error) {
	upstream, err := s.provider.Query(ctx, p.MerchantUniqueCode)
	if err != nil {
		// The reconciler will settle it once the provider answers again.
		s.log.Warn("payment callback not confirmed", "payment", p.MerchantUniqueCode, "err", err)
		return refused(p, "confirm_unavailable"), false, nil
	}
	if upstreamOutcome(upstream.Status) != outcome {
		return refused(p, "not_confirmed"), false, nil
	}
	if err := s.adopt(ctx, p, upstream); err != nil {
		return Verdict{}, false, err
	}
	changed, err := s.settle(ctx, p.MerchantUniqueCode, outcome, settleSourceCallback, Actor{Name: ActorPaywall, IP: ip}, rec)
	if err != nil {
		return Verdict{}, false, err
	}
	if !changed {
		return accepted(p, "duplicate", outcome), true, nil // the worker got there first
	}
	return accepted(p, "settled", outcome), true, nil
}

// upstreamOutcome is the final sale status a provider status means, or ""
// while it is open.
func upstreamOutcome(st ProviderStatus) PaymentStatus {
	switch st {
	case ProviderPaid:
		return PaymentStatusPaid
	case ProviderFailed:
		return PaymentStatusFailed
	}
	return ""
}
