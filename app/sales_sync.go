package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The catch-up reads payment reporting for link payments whose webhook
// never arrived, in windows of createdDate that it marks done one by one,
// so a long backfill makes progress across passes and several instances
// running it at once only write the same rows again.
const (
	cursorLinkPayments = "link_payments"
	// catchUpBackfill is how far back the first pass reads: the
	// overview's 30 days, and some.
	catchUpBackfill = 35 * 24 * time.Hour
	// catchUpOverlap reads again the end of the last window: a payment
	// may show in reporting a little after its createdDate.
	catchUpOverlap = 10 * time.Minute
	catchUpWindow  = 24 * time.Hour
	// catchUpMaxPages bounds one pass's reporting calls; a longer
	// backfill goes on at the next pass.
	catchUpMaxPages = 100
	catchUpPageSize = 100
)

// Run catches up at once and then every SyncInterval until ctx is done.
func (s *Sales) Run(ctx context.Context) {
	if s.provider == nil {
		return
	}
	t := time.NewTicker(s.cfg.SyncInterval)
	defer t.Stop()
	for {
		if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("sales catch-up incomplete", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CatchUp records link payments reporting has and the local record lacks
// (a lost webhook), walks every link into the local record, and finishes
// link refunds whose answer was lost. One failure does not stop the
// others; all are returned.
func (s *Sales) CatchUp(ctx context.Context) error {
	var errs []error
	if err := s.catchUpPayments(ctx); err != nil {
		errs = append(errs, fmt.Errorf("link payments: %w", err))
	}
	if err := s.links.syncAll(ctx); err != nil {
		errs = append(errs, fmt.Errorf("links: %w", err))
	}
	if err := s.finishOpenRefunds(ctx); err != nil {
		errs = append(errs, fmt.Errorf("link refunds: %w", err))
	}
	return errors.Join(errs...)
}

func (s *Sales) catchUpPayments(ctx context.Context) error {
	now := s.now()
	cursor, err := s.store.SyncCursor(ctx, cursorLinkPayments)
	if err != nil {
		return err
	}
	if cursor.IsZero() {
		cursor = now.Add(-catchUpBackfill)
	}
	pages := 0
	for from := cursor.Add(-catchUpOverlap); from.Before(now); {
		to := from.Add(catchUpWindow)
		if to.After(now) {
			to = now
		}
		done, err := s.readWindow(ctx, from, to, &pages)
		if err != nil || !done {
			return err
		}
		if err := s.store.AdvanceSyncCursor(ctx, cursorLinkPayments, to); err != nil {
			return err
		}
		from = to
	}
	return nil
}

// readWindow records every link payment created from from to to; done is
// false when the pass's page budget ran out first.
func (s *Sales) readWindow(ctx context.Context, from, to time.Time, pages *int) (done bool, err error) {
	for page := 0; ; page++ {
		if *pages >= catchUpMaxPages {
			return false, nil
		}
		*pages++
		res, err := s.provider.LinkPayments(ctx, LinkPaymentSearch{From: from, To: to, Page: page, Size: catchUpPageSize})
		if err != nil {
			return false, err
		}
		for i := range res.Payments {
			if _, _, err := s.record(ctx, &res.Payments[i], nil, System); err != nil {
				return false, err
			}
		}
		if len(res.Payments) < catchUpPageSize || int64((page+1)*catchUpPageSize) >= res.Total {
			return true, nil
		}
	}
}

// record stores what reporting says of a link payment: matched to its
// link, its status from Craftgate's and its refunds', the totals moved by
// the difference from what was stored, the link's summary rebuilt, in one
// transaction with the webhook that brought it (ev, if any). A payment not
// taken through a link is not recorded. duplicate says ev was recorded
// before, and so nothing changed.
func (s *Sales) record(ctx context.Context, rp *ReportedPayment, ev *WebhookRecord, by Actor) (p *LinkPayment, duplicate bool, err error) {
	if !rp.ByLink {
		return nil, false, nil
	}
	ctx = context.WithoutCancel(ctx) // what it changes belongs together
	if ev == nil {
		// The catch-up reads every payment of its window again: skip
		// those already stored as they are without a write.
		stored, err := s.store.LinkPayment(ctx, rp.Payment.ID)
		if err == nil && sameIgnoringLink(stored, &rp.Payment) {
			return stored, false, nil
		}
	}
	p = &rp.Payment
	changed := false
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, salesLock); err != nil {
			return err
		}
		if ev != nil {
			fresh, err := tx.RecordWebhook(ctx, ev)
			if err != nil || !fresh {
				duplicate = !fresh
				return err
			}
		}
		var err error
		changed, err = recordPayment(ctx, tx, s.loc, p, by)
		return err
	})
	if err == nil && changed {
		s.links.announce(ctx, 0) // the list's revenue column, here and on the other instances
	}
	return p, duplicate, err
}

// recordPayment stores p inside tx and moves everything that follows from
// it; changed is false when it was stored so already.
func recordPayment(ctx context.Context, tx Tx, loc *time.Location, p *LinkPayment, by Actor) (changed bool, err error) {
	before, err := tx.LinkPayment(ctx, p.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		before = nil
	case err != nil:
		return false, err
	}
	if p.LinkID, err = MatchLink(ctx, tx, p); err != nil {
		return false, err
	}
	if p.LinkID == 0 && before != nil {
		p.LinkID = before.LinkID // matched once: its link's ids may have been edited since
	}
	applyRefunds(p)
	if before != nil && samePayment(before, p) {
		return false, nil
	}
	if err := tx.SaveLinkPayment(ctx, p); err != nil {
		return false, err
	}
	if err := addEntries(ctx, tx, loc, entriesDiff(linkEntries(before), linkEntries(p))...); err != nil {
		return false, err
	}
	for _, id := range linkIDs(before, p) {
		if err := tx.RecomputeLinkSales(ctx, id, SaleStatuses); err != nil {
			return false, err
		}
	}
	if p.LinkID == 0 && before == nil {
		// Money arrived that no link claims: a person should look.
		return true, appendAudit(ctx, tx, by, change{Action: "sales.payment_unmatched", TargetType: "link_payment",
			TargetID: strconv.FormatInt(p.ID, 10), After: paymentRefs(p)})
	}
	return true, nil
}

// applyRefunds sets a payment's refunded total and status from its
// refunds: a sale refunded wholly or in part says so.
func applyRefunds(p *LinkPayment) {
	slices.SortStableFunc(p.Refunds, func(a, b ProviderRefund) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	p.Refunded = decimal.Zero
	for _, r := range p.Refunds {
		if r.Succeeded {
			p.Refunded = p.Refunded.Add(r.Amount)
		}
	}
	if !IsSale(p.Status) {
		return
	}
	switch {
	case !p.Refunded.IsPositive():
		p.Status = PaymentStatusPaid
	case p.Refunded.GreaterThanOrEqual(p.PaidPrice):
		p.Status, p.Refunded = PaymentStatusRefunded, p.PaidPrice
	default:
		p.Status = PaymentStatusPartiallyRefunded
	}
}

// linkIDs are the links whose summaries a change of a payment touches.
func linkIDs(before, after *LinkPayment) []int64 {
	var ids []int64
	for _, p := range []*LinkPayment{before, after} {
		if p != nil && p.LinkID != 0 && !slices.Contains(ids, p.LinkID) {
			ids = append(ids, p.LinkID)
		}
	}
	return ids
}

// paymentText is a payment as compared for changes: every field Craftgate
// sets, amounts in canonical form.
func paymentText(p *LinkPayment) string {
	var b strings.Builder
	for _, s := range []string{strconv.FormatInt(p.ID, 10), p.CreatedAt.UTC().Format(time.RFC3339), p.Price.String(),
		p.PaidPrice.String(), string(p.Currency), strconv.Itoa(p.Installment), string(p.Status), p.Refunded.String(),
		p.Payer, p.CardBIN, p.CardLastFour, p.CardAssociation, p.ErrorCode, p.ErrorGroup, p.OrderID,
		p.ConversationID, p.ExternalID, strconv.FormatInt(p.ProductID, 10)} {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	for _, r := range p.Refunds {
		fmt.Fprintf(&b, "|%d %s %s %t", r.ID, r.CreatedAt.UTC().Format(time.RFC3339), r.Amount.String(), r.Succeeded)
	}
	return b.String()
}

func samePayment(a, b *LinkPayment) bool {
	return a.LinkID == b.LinkID && paymentText(a) == paymentText(b)
}

// sameIgnoringLink compares a stored payment with one just reported (its
// link not matched yet, its status not derived from refunds yet).
func sameIgnoringLink(stored *LinkPayment, reported *LinkPayment) bool {
	r := *reported
	r.Refunds = slices.Clone(reported.Refunds)
	applyRefunds(&r)
	r.LinkID = stored.LinkID
	return samePayment(stored, &r)
}

func paymentRefs(p *LinkPayment) map[string]string {
	return map[string]string{"orderId": p.OrderID, "conversationId": p.ConversationID, "externalId": p.ExternalID,
		"productId": strconv.FormatInt(p.ProductID, 10), "paidPrice": p.PaidPrice.String(), "currency": string(p.Currency)}
}
