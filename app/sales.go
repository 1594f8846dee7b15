package app

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// SaleSource says how a sale was taken.
type SaleSource string

// Sale sources: through a Craftgate payment link, or as a Paywall QR
// payment at the counter.
const (
	SaleSourceLink SaleSource = "link"
	SaleSourceQR   SaleSource = "qr"
)

// SaleSources lists the sources, for filters.
var SaleSources = []SaleSource{SaleSourceLink, SaleSourceQR}

// Valid reports whether s is a known source.
func (s SaleSource) Valid() bool { return slices.Contains(SaleSources, s) }

// SaleStatuses are the statuses of a sale that brought money in: paid, or
// paid and then refunded (wholly or in part). A sale's revenue is what was
// paid less what went back.
var SaleStatuses = []PaymentStatus{PaymentStatusPaid, PaymentStatusPartiallyRefunded, PaymentStatusRefunded}

// IsSale reports whether a payment in status s took money.
func IsSale(s PaymentStatus) bool { return slices.Contains(SaleStatuses, s) }

// LinkPayment is a payment made through a Craftgate payment link, as
// Craftgate's payment reporting shows it, kept in the local record.
type LinkPayment struct {
	ID          int64 // Craftgate's payment id
	LinkID      int64 // the link it was paid through (MatchLink); 0 when none matched
	CreatedAt   time.Time
	Price       decimal.Decimal // the link's price
	PaidPrice   decimal.Decimal // what was charged, installment interest included
	Currency    Currency
	Installment int
	// Status is paid, failed or pending from Craftgate's payment status,
	// then refunded or partially_refunded from its refunds.
	Status          PaymentStatus
	Refunded        decimal.Decimal // the refunds' total
	Payer           string          // the cardholder's name as typed
	CardBIN         string          // the card's first six digits
	CardLastFour    string
	CardAssociation string // VISA, MASTER_CARD…
	ErrorCode       string // why it failed, as Craftgate coded it
	ErrorGroup      string
	// What ties the payment to its link (see MatchLink).
	OrderID, ConversationID, ExternalID string
	ProductID                           int64
	Refunds                             []ProviderRefund // oldest first
	SyncedAt                            time.Time        // when it was last read from Craftgate
}

// Remaining is what can still be refunded.
func (p *LinkPayment) Remaining() decimal.Decimal {
	if !IsSale(p.Status) {
		return decimal.Zero
	}
	return p.PaidPrice.Sub(p.Refunded)
}

// Refundable reports whether money can still go back from p.
func (p *LinkPayment) Refundable() bool { return p.Status.Refundable() && p.Remaining().IsPositive() }

// ProviderRefund is a refund Craftgate made of a link payment, from
// Linkdesk or from Craftgate's own panel.
type ProviderRefund struct {
	ID        int64 // Craftgate's refund id
	PaymentID int64
	CreatedAt time.Time
	Amount    decimal.Decimal
	Succeeded bool // false: Craftgate reports it failed, so nothing went back
}

// Sale is one payment of either source, as the sales list shows it.
type Sale struct {
	Source SaleSource
	// Ref names the payment: our merchant unique code for a QR payment,
	// Craftgate's payment id for a link payment.
	Ref         string
	LinkID      int64  // link payments: the link, 0 when unmatched
	LinkName    string // as the local record has it
	CreatedAt   time.Time
	Amount      decimal.Decimal // paid (link: with installment interest)
	Refunded    decimal.Decimal
	Currency    Currency
	Status      PaymentStatus
	Installment int    // link payments
	Payer       string // link payments: the cardholder
	Description string // QR payments: what staff typed
	Staff       string // QR payments: who took it
}

// Revenue is what the sale brought in: paid less refunded, zero unless it
// took money.
func (s *Sale) Revenue() decimal.Decimal {
	if !IsSale(s.Status) {
		return decimal.Zero
	}
	return s.Amount.Sub(s.Refunded)
}

// SaleFilter selects sales; zero fields do not filter. From is inclusive
// and To exclusive, on the payment's time. Limit 0 means DefaultPageSize,
// capped at MaxPageSize.
type SaleFilter struct {
	From, To      time.Time
	Source        SaleSource
	Status        PaymentStatus
	Currency      Currency
	LinkID        int64
	Limit, Offset int
}

// SalesConfig tunes the sales service; zero fields take the defaults.
type SalesConfig struct {
	// SyncInterval is the time between catch-up passes (DefaultSyncInterval).
	SyncInterval time.Duration
}

// Sales follows what the shop earns: link payments recorded from
// Craftgate's webhooks and a periodic catch-up through payment reporting,
// QR payments as they settle, per-day totals kept as they change, the
// overview, the sales list and refunds of link payments.
//
// Freshness: a link payment is recorded when its webhook arrives (seconds
// after the payer pays); if the webhook is lost, the next catch-up pass
// records it, so the local record is at most SyncInterval (plus one pass)
// behind Craftgate. Links are refreshed on every read from Craftgate (list,
// detail, create, edit) and after each of their payments; a change made in
// Craftgate's own panel to a link nobody opens reaches the local record by
// the next pass's walk over every link.
type Sales struct {
	store    Store
	provider SalesProvider
	links    *Links
	cfg      SalesConfig
	loc      *time.Location // the shop's zone: where days begin
	now      func() time.Time
	log      *slog.Logger
}

func newSales(st Store, p SalesProvider, links *Links, cfg SalesConfig, loc *time.Location, now func() time.Time, log *slog.Logger) *Sales {
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = DefaultSyncInterval
	}
	return &Sales{store: st, provider: p, links: links, cfg: cfg, loc: loc, now: now, log: log}
}

// DefaultSyncInterval is the time between catch-up passes.
const DefaultSyncInterval = 2 * time.Minute

// DefaultLocation is the shop's time zone unless configured: Europe/Istanbul
// (UTC when the system has no zone data). Every layer that is given no
// zone takes this one, never the host's, so days begin at one midnight
// everywhere. Loaded once: LoadLocation reads the zone file each time.
var DefaultLocation = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		return time.UTC
	}
	return loc
})

// Prepare makes the per-day totals follow the shop's zone: when it is not
// the zone they were kept in (a new zone, or an older database), they are
// rebuilt from the quarter hours, under the sales lock, which every writer
// of sales takes. Every instance must run in one zone.
func (s *Sales) Prepare(ctx context.Context) error {
	zone, err := s.store.SalesDaysZone(ctx)
	if err != nil || zone == s.loc.String() {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, salesLock); err != nil {
			return err
		}
		if zone, err := tx.SalesDaysZone(ctx); err != nil || zone == s.loc.String() {
			return err // another instance rebuilt them meanwhile
		}
		if err := tx.RebuildSalesDays(ctx, s.loc); err != nil {
			return err
		}
		return tx.BumpSalesVersion(ctx)
	})
}

// Version changes whenever a sale, a failed attempt or a refund is
// recorded, by any instance: pages poll it and render again only when it
// moved.
func (s *Sales) Version(ctx context.Context) (int64, error) { return s.store.SalesVersion(ctx) }

// List returns one page of matching sales of both sources, newest first,
// and how many match in all.
func (s *Sales) List(ctx context.Context, f SaleFilter) ([]Sale, int, error) {
	return s.store.ListSales(ctx, f)
}

// Each calls fn with every matching sale, newest first, streamed (the CSV
// export).
func (s *Sales) Each(ctx context.Context, f SaleFilter, fn func(Sale) error) error {
	return s.store.ForEachSale(ctx, f, fn)
}

// Payment returns a link payment from the local record.
func (s *Sales) Payment(ctx context.Context, id int64) (*LinkPayment, error) {
	return s.store.LinkPayment(ctx, id)
}

// LinkSalesView is a link's sales as its page shows them.
type LinkSalesView struct {
	Version int64
	// Link is the link as the local record has it (nil when it has none).
	Link       *Link
	Summary    LinkSales
	Payments   []Sale // the newest first
	Total      int    // how many payments the link has
	Days       []time.Time
	Currencies []CurrencyOverview // the last 30 days per currency (no top links)
}

// linkPaymentsShown is how many payments a link's page lists; the sales
// page, filtered by the link, lists them all.
const linkPaymentsShown = 20

// ForLink returns a link's sales: its summary, its newest payments and its
// last 30 days, from the local record (no Craftgate call, so its page can
// poll it).
func (s *Sales) ForLink(ctx context.Context, id int64) (*LinkSalesView, error) {
	version, err := s.store.SalesVersion(ctx)
	if err != nil {
		return nil, err
	}
	v := &LinkSalesView{Version: version, Days: lastDays(s.now(), s.loc, OverviewDays)}
	switch v.Link, err = s.store.LocalLink(ctx, id); {
	case errors.Is(err, ErrNotFound):
		v.Link = nil
	case err != nil:
		return nil, err
	}
	sums, err := s.store.LinkSales(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	v.Summary = sums[id]
	if v.Payments, v.Total, err = s.store.ListSales(ctx, SaleFilter{LinkID: id, Limit: linkPaymentsShown}); err != nil {
		return nil, err
	}
	recent, err := s.store.LinkPaymentsSince(ctx, id, v.Days[0])
	if err != nil {
		return nil, err
	}
	var entries []SalesEntry
	for i := range recent {
		entries = append(entries, linkEntries(&recent[i])...)
	}
	v.Currencies = summarise(v.Days, entries)
	return v, nil
}

// LocalLink returns a link as the local record has it.
func (s *Sales) LocalLink(ctx context.Context, id int64) (*Link, error) {
	return s.store.LocalLink(ctx, id)
}
