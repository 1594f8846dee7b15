package app

import (
	"context"
	"errors"
	"strconv"
)

// maxStrayWebhooks is how many webhooks that were not accepted are kept
// (the newest), for diagnosis: anyone can post one, so they must not grow
// without bound.
const maxStrayWebhooks = 200

// WebhookInput is a webhook as posted to /callbacks/craftgate.
type WebhookInput struct {
	Body      []byte
	Signature string // the x-cg-signature-v1 header
	RemoteIP  string
	// ReadFailed says the body could not be read whole (too large, cut).
	ReadFailed bool
}

// WebhookVerdict is what became of one webhook. Reason is a stable code:
// it is stored, logged and, for a refusal, the answer's body.
type WebhookVerdict struct {
	Accepted bool
	Reason   string
	Payment  int64 // the link payment it concerned, if any
}

// Webhook reasons.
const (
	WebhookRecorded    = "recorded"    // a payment or refund recorded
	WebhookDuplicate   = "duplicate"   // the same event again: nothing changed
	WebhookIgnored     = "ignored"     // verified, but about nothing the core keeps
	WebhookMalformed   = "malformed"   // not a webhook
	WebhookForged      = "forged"      // the signature does not verify
	WebhookUnknown     = "unknown"     // verified, but reporting has no such payment or refund
	WebhookUnavailable = "unavailable" // reporting could not be asked; Craftgate retries
)

// ReceiveWebhook judges a Craftgate webhook and, when it holds, records
// the payment it names. The signature proves Craftgate sent it; the
// payment is then read from payment reporting, because an event only says
// that something happened. Each verified event is recorded once under its
// key, in the transaction that records its payment, so a retry or a replay
// changes nothing. Webhooks that do not verify are kept apart (bounded),
// and verified ones naming something reporting does not know are audited.
func (s *Sales) ReceiveWebhook(ctx context.Context, in WebhookInput) (WebhookVerdict, error) {
	ctx = context.WithoutCancel(ctx) // what it changes belongs together
	stray := &WebhookRecord{RemoteIP: in.RemoteIP, Payload: truncate(string(in.Body), maxStrayPayload)}
	if in.ReadFailed {
		return s.refuse(ctx, stray, WebhookMalformed)
	}
	ev, err := s.provider.ParseWebhook(in.Body, in.Signature)
	switch {
	case errors.Is(err, ErrWebhookForged):
		return s.refuse(ctx, stray, WebhookForged)
	case err != nil:
		return s.refuse(ctx, stray, WebhookMalformed)
	}
	rec := &WebhookRecord{Key: ev.Key, Type: ev.Type, PayloadID: ev.PayloadID, RemoteIP: in.RemoteIP}
	if seen, err := s.store.WebhookSeen(ctx, ev.Key); err != nil || seen {
		return WebhookVerdict{Accepted: true, Reason: WebhookDuplicate}, err
	}
	id, ok, err := s.paymentOf(ctx, ev)
	switch {
	case err != nil && IsProviderNotFound(err):
		return s.unknown(ctx, rec, ev)
	case err != nil:
		s.log.Warn("craftgate webhook: reporting unavailable", "event_type", ev.Type, "payload_id", ev.PayloadID, "err", err)
		return WebhookVerdict{Reason: WebhookUnavailable}, nil
	case !ok:
		return s.accept(ctx, rec, WebhookIgnored, 0)
	}
	rp, err := s.provider.LinkPayment(ctx, id)
	switch {
	case err != nil && IsProviderNotFound(err):
		return s.unknown(ctx, rec, ev)
	case err != nil:
		s.log.Warn("craftgate webhook: reporting unavailable", "payment", id, "err", err)
		return WebhookVerdict{Reason: WebhookUnavailable, Payment: id}, nil
	case !rp.ByLink:
		return s.accept(ctx, rec, WebhookIgnored, id)
	}
	rec.Reason = WebhookRecorded
	p, duplicate, err := s.record(ctx, rp, rec, Actor{Name: ActorCraftgate, IP: in.RemoteIP})
	if err != nil {
		return WebhookVerdict{}, err
	}
	if duplicate {
		return WebhookVerdict{Accepted: true, Reason: WebhookDuplicate, Payment: id}, nil
	}
	s.refreshLink(ctx, p)
	return WebhookVerdict{Accepted: true, Reason: WebhookRecorded, Payment: id}, nil
}

// paymentOf is the payment an event concerns; ok is false for events the
// core does not act on.
func (s *Sales) paymentOf(ctx context.Context, ev *WebhookEvent) (id int64, ok bool, err error) {
	switch ev.Type {
	case webhookLinkPayment:
		id, ok = webhookPaymentID(ev)
		return id, ok, nil
	case webhookRefund:
		refundID, err := strconv.ParseInt(ev.PayloadID, 10, 64)
		if err != nil || refundID <= 0 {
			return 0, false, nil
		}
		id, err = s.provider.RefundPaymentID(ctx, refundID)
		return id, err == nil, err
	}
	return 0, false, nil
}

// refreshLink reads the payment's link again, so its sold count and stock
// show the sale; a failure leaves that to the next read.
func (s *Sales) refreshLink(ctx context.Context, p *LinkPayment) {
	if p == nil || p.LinkID == 0 {
		return
	}
	if _, err := s.links.Get(ctx, p.LinkID); err != nil && !IsProviderNotFound(err) {
		s.log.Warn("link not refreshed after its payment", "link_id", p.LinkID, "err", err)
	}
}

// refuse keeps a webhook that did not verify apart, bounded.
func (s *Sales) refuse(ctx context.Context, rec *WebhookRecord, reason string) (WebhookVerdict, error) {
	rec.Reason = reason
	return WebhookVerdict{Reason: reason}, s.store.RecordStrayWebhook(ctx, rec, maxStrayWebhooks)
}

// accept records a verified event the core has nothing to do for.
func (s *Sales) accept(ctx context.Context, rec *WebhookRecord, reason string, payment int64) (WebhookVerdict, error) {
	rec.Reason = reason
	if _, err := s.store.RecordWebhook(ctx, rec); err != nil {
		return WebhookVerdict{}, err
	}
	return WebhookVerdict{Accepted: true, Reason: reason, Payment: payment}, nil
}

// unknown answers a verified event naming a payment or refund reporting
// does not have (yet: Craftgate retries it). It is not recorded as done,
// so a retry is judged again; each one is audited, since Craftgate itself
// signed it.
func (s *Sales) unknown(ctx context.Context, rec *WebhookRecord, ev *WebhookEvent) (WebhookVerdict, error) {
	err := s.store.InTx(ctx, func(tx Tx) error {
		return appendAudit(ctx, tx, Actor{Name: ActorCraftgate, IP: rec.RemoteIP}, change{Action: "sales.webhook_unknown",
			TargetType: "webhook", TargetID: ev.PayloadID, After: map[string]string{"eventType": ev.Type, "status": ev.Status}})
	})
	return WebhookVerdict{Reason: WebhookUnknown}, err
}
