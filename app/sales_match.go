package app

import (
	"context"
	"strconv"
)

// This file holds the two choices Craftgate's documentation leaves open
// (craftgate-notes §6, §8; sandbox/README.md, "OPEN (a)" and "OPEN (b)").
// Everything else follows from them, so correcting them against the live
// API means changing this file alone.

// Webhook event types the core acts on.
const (
	// webhookLinkPayment is the event a link payment fires: Craftgate
	// documents none for links, and the sandbox sends its hosted
	// checkout's event, with payloadId = the payment's id and status
	// SUCCESS or FAILURE (declines fire too).
	webhookLinkPayment = "CHECKOUTFORM_AUTH"
	// webhookRefund fires after a refund, with payloadId = the refund's id.
	webhookRefund = "REFUND"
)

// webhookPaymentID is the payment a link payment's event names. Real
// checkout-form events may carry a checkout token instead of a number; such
// an event names no payment the core can read, and the catch-up finds the
// payment through reporting instead.
func webhookPaymentID(ev *WebhookEvent) (int64, bool) {
	id, err := strconv.ParseInt(ev.PayloadID, 10, 64)
	return id, err == nil && id > 0
}

// MatchLink names the link a payment was taken through, or 0. Reporting
// documents no link field: the sandbox adds productId (the link's id), which
// wins when present; otherwise a payment copies its link's orderId,
// conversationId and externalId, and the one local link carrying them
// matches. Several links sharing an id match none: guessing would credit
// the wrong link.
func MatchLink(ctx context.Context, tx Tx, p *LinkPayment) (int64, error) {
	if p.ProductID > 0 {
		return p.ProductID, nil
	}
	if p.OrderID == "" && p.ConversationID == "" && p.ExternalID == "" {
		return 0, nil
	}
	candidates, err := tx.LinksByRefs(ctx, p.OrderID, p.ConversationID, p.ExternalID)
	if err != nil {
		return 0, err
	}
	var match int64
	for _, l := range candidates {
		if l.OrderID == p.OrderID && l.ConversationID == p.ConversationID && l.ExternalID == p.ExternalID {
			if match != 0 {
				return 0, nil
			}
			match = l.ID
		}
	}
	return match, nil
}
