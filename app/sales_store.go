package app

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// SalesTx is what the sales service and the local record of links read and
// write; it is part of Tx.
type SalesTx interface {
	// The local record of links, as last read from Craftgate.

	// SaveLinks stores links as Craftgate showed them at seen, bringing
	// back any marked deleted; every one is marked seen (the catch-up's
	// walk finds deleted links by what it did not see).
	SaveLinks(ctx context.Context, links []Link, seen time.Time) error
	// RefreshLinks stores the links that differ from the record (new,
	// changed or marked deleted) as SaveLinks does; the others keep their
	// seen time.
	RefreshLinks(ctx context.Context, links []Link, seen time.Time) error
	// LocalLink returns a link from the record, deleted or not.
	LocalLink(ctx context.Context, id int64) (*Link, error)
	MarkLinkDeleted(ctx context.Context, id int64) error
	// UnseenLinks returns up to limit links not deleted and not seen
	// since seenBefore, oldest seen first.
	UnseenLinks(ctx context.Context, seenBefore time.Time, limit int) ([]int64, error)
	// SearchLinks finds links of the record that are not deleted: Name
	// matches folded names (FoldName) anywhere, the other filters as
	// Craftgate's search does; sorted by q.Sort (newest first when empty).
	SearchLinks(ctx context.Context, q LinkSearch) ([]Link, int64, error)
	// LinksByRefs returns the links carrying any of the non-empty ids.
	LinksByRefs(ctx context.Context, orderID, conversationID, externalID string) ([]Link, error)
	// LinkSales returns the sales summaries of links (none for a link
	// without sales).
	LinkSales(ctx context.Context, ids []int64) (map[int64]LinkSales, error)
	// RecomputeLinkSales rebuilds a link's summary from its payments in
	// statuses counted.
	RecomputeLinkSales(ctx context.Context, linkID int64, counted []PaymentStatus) error
	// TopLinks returns up to n links with the most revenue in currency,
	// most first.
	TopLinks(ctx context.Context, currency Currency, n int) ([]TopLink, error)

	// Link payments, with their refunds.

	LinkPayment(ctx context.Context, id int64) (*LinkPayment, error)
	// SaveLinkPayment stores p and its refunds under p.ID, replacing what
	// was stored: a payment read twice is stored once.
	SaveLinkPayment(ctx context.Context, p *LinkPayment) error
	// LinkPaymentsSince returns a link's payments created from from on,
	// with their refunds, oldest first.
	LinkPaymentsSince(ctx context.Context, linkID int64, from time.Time) ([]LinkPayment, error)

	// Refund intents of link payments, written before Craftgate is asked.
	CreateLinkRefund(ctx context.Context, r *LinkRefund) error
	// FinishLinkRefund moves an open intent to done or failed: a
	// compare-and-set on open, false when it was finished already.
	FinishLinkRefund(ctx context.Context, r *LinkRefund) (bool, error)
	LinkRefundsOf(ctx context.Context, paymentID int64) ([]LinkRefund, error)
	OpenLinkRefunds(ctx context.Context, createdBefore time.Time) ([]LinkRefund, error)

	// Sales of both sources.

	// AddSales adds e to the totals of its quarter hour and of its day in
	// zone.
	AddSales(ctx context.Context, e SalesEntry, zone *time.Location) error
	// SalesDays returns the totals of the days in zone from the day of
	// from to the day before to's; each entry's At is its day's midnight.
	SalesDays(ctx context.Context, zone *time.Location, from, to time.Time) ([]SalesEntry, error)
	// SalesDaysZone names the zone the days are kept in ("" before any).
	SalesDaysZone(ctx context.Context) (string, error)
	// RebuildSalesDays rebuilds the days in zone from the quarter hours.
	RebuildSalesDays(ctx context.Context, zone *time.Location) error
	// BumpSalesVersion moves the version every change to sales moves.
	BumpSalesVersion(ctx context.Context) error
	SalesVersion(ctx context.Context) (int64, error)
	// ListSales returns one page of matching sales of both sources, newest
	// first, and the number of all matching.
	ListSales(ctx context.Context, f SaleFilter) ([]Sale, int, error)
	ForEachSale(ctx context.Context, f SaleFilter, fn func(Sale) error) error
	// LatestSales returns the n newest sales of both sources.
	LatestSales(ctx context.Context, n int) ([]Sale, error)

	// The catch-up's progress: how far it has read, by name; zero when
	// it never ran. It never moves backwards.
	SyncCursor(ctx context.Context, name string) (time.Time, error)
	AdvanceSyncCursor(ctx context.Context, name string, to time.Time) error

	// Craftgate webhooks.

	// RecordWebhook stores a verified event under its key: false (no
	// error) when it was recorded before.
	RecordWebhook(ctx context.Context, w *WebhookRecord) (bool, error)
	WebhookSeen(ctx context.Context, key string) (bool, error)
	// RecordStrayWebhook keeps a webhook that was not accepted, keeping
	// only the newest keep.
	RecordStrayWebhook(ctx context.Context, w *WebhookRecord, keep int) error
}

// LinkSales sums a link's sales.
type LinkSales struct {
	Revenue    []Money // per currency: paid less refunded
	Sales      int     // payments that took money
	LastSaleAt *time.Time
}

// Money is an amount in a currency.
type Money struct {
	Amount   decimal.Decimal
	Currency Currency
}

// TopLink is a link among those with the most revenue in a currency.
type TopLink struct {
	LinkID  int64
	Name    string
	Revenue Money
	Sales   int
}

// SalesEntry changes the totals of one quarter hour, source and currency:
// sales that took money, failed attempts and refunds, each counted when it
// happened. Quarter hours let a day begin at any time zone's midnight.
type SalesEntry struct {
	At           time.Time // the start of its quarter hour (SalesBucketStart)
	Source       SaleSource
	Currency     Currency
	Sales        int
	SalesAmount  decimal.Decimal
	Failed       int
	Refunds      int
	RefundAmount decimal.Decimal
}

// salesBucket is the span the totals are kept in.
const salesBucket = 15 * time.Minute

// SalesBucketStart is the start of t's quarter hour, in UTC.
func SalesBucketStart(t time.Time) time.Time { return t.UTC().Truncate(salesBucket) }

// LinkRefund is the intent to give money back from a link payment,
// written before Craftgate is asked, then finished with its answer.
type LinkRefund struct {
	ID         int64
	PaymentID  int64
	Amount     decimal.Decimal
	Whole      bool // everything that remained
	Status     RefundStatus
	RefundID   int64  // Craftgate's refund, once done
	Problem    string // why it failed: a catalog key and Craftgate's code
	ActorID    *int64
	ActorEmail string
	IP         string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// WebhookRecord is a Craftgate webhook as received: accepted ones under
// their event's key, the others apart (bounded).
type WebhookRecord struct {
	ID        int64
	Key       string // the event's key; empty for one not verified
	At        time.Time
	Type      string
	PayloadID string
	Reason    string // what became of it
	RemoteIP  string
	Payload   string // the raw body, truncated (strays only)
}
