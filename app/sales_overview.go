package app

import (
	"context"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// OverviewDays is how many days the overview's chart shows, today included.
const OverviewDays = 30

// Periods of the overview's totals, in days ending today.
var overviewPeriods = [...]int{1, 7, OverviewDays}

// Overview is what the shop earned lately, per currency.
type Overview struct {
	Version    int64       // the sales version it was built at
	Days       []time.Time // the chart's days, oldest first: midnights in the shop's zone
	Currencies []CurrencyOverview
	Latest     []Sale // the newest payments of both sources
}

// CurrencyOverview is one currency's part of the overview.
type CurrencyOverview struct {
	Currency Currency
	// Periods are today, the last 7 days and the last 30 days.
	Periods [len(overviewPeriods)]PeriodTotals
	Daily   []DayTotals // one per Overview.Days
	Top     []TopLink   // the links with the most revenue in it, all time
}

// PeriodTotals splits a period's totals by source.
type PeriodTotals struct {
	Days     int
	Link, QR SourceTotals
}

// Total adds both sources.
func (p PeriodTotals) Total() SourceTotals { return p.Link.plus(p.QR) }

// SourceTotals is what one source took in a span.
type SourceTotals struct {
	Sales    int             // payments that took money
	Paid     decimal.Decimal // what they took
	Failed   int             // attempts that failed
	Refunds  int
	Refunded decimal.Decimal
}

// Revenue is what was paid less what was refunded.
func (t SourceTotals) Revenue() decimal.Decimal { return t.Paid.Sub(t.Refunded) }

func (t SourceTotals) plus(o SourceTotals) SourceTotals {
	return SourceTotals{Sales: t.Sales + o.Sales, Paid: t.Paid.Add(o.Paid), Failed: t.Failed + o.Failed,
		Refunds: t.Refunds + o.Refunds, Refunded: t.Refunded.Add(o.Refunded)}
}

func (t *SourceTotals) add(e SalesEntry) {
	t.Sales += e.Sales
	t.Paid = t.Paid.Add(e.SalesAmount)
	t.Failed += e.Failed
	t.Refunds += e.Refunds
	t.Refunded = t.Refunded.Add(e.RefundAmount)
}

// DayTotals is one day of the chart.
type DayTotals struct {
	Day      time.Time
	Link, QR SourceTotals
}

// overviewLatest and overviewTop size the overview's lists.
const (
	overviewLatest = 10
	overviewTop    = 5
)

// Overview sums the last 30 days of sales, link and QR, per currency, in
// the shop's days, with the newest payments and the top links. It reads
// the per-day totals, at most a row per day, source and currency, whatever
// the number of payments.
func (s *Sales) Overview(ctx context.Context) (*Overview, error) {
	// Read without a transaction, the version first: a sale recorded
	// meanwhile shows now or moves the version, so the next poll shows it.
	version, err := s.store.SalesVersion(ctx)
	if err != nil {
		return nil, err
	}
	o := &Overview{Version: version, Days: lastDays(s.now(), s.loc, OverviewDays)}
	entries, err := s.store.SalesDays(ctx, s.loc, o.Days[0], o.Days[len(o.Days)-1].AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	o.Currencies = summarise(o.Days, entries)
	for i := range o.Currencies {
		co := &o.Currencies[i]
		if co.Top, err = s.store.TopLinks(ctx, co.Currency, overviewTop); err != nil {
			return nil, err
		}
	}
	if o.Latest, err = s.store.LatestSales(ctx, overviewLatest); err != nil {
		return nil, err
	}
	return o, nil
}

// lastDays are the midnights, in loc, of the n days ending with now's.
func lastDays(now time.Time, loc *time.Location, n int) []time.Time {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	days := make([]time.Time, n)
	for i := range days {
		days[i] = today.AddDate(0, 0, i-n+1)
	}
	return days
}

// dayIndex is the index of the day t falls in, or -1.
func dayIndex(days []time.Time, t time.Time) int {
	i, found := slices.BinarySearchFunc(days, t, func(d, t time.Time) int { return d.Compare(t) })
	if !found {
		i--
	}
	if i < 0 || !t.Before(days[i].AddDate(0, 0, 1)) {
		return -1
	}
	return i
}

// summarise folds entries (days, or quarter hours) into days, periods and currencies;
// currencies are ordered as Craftgate lists them (TRY first).
func summarise(days []time.Time, entries []SalesEntry) []CurrencyOverview {
	byCurrency := map[Currency]*CurrencyOverview{}
	get := func(c Currency) *CurrencyOverview {
		co, ok := byCurrency[c]
		if !ok {
			co = &CurrencyOverview{Currency: c, Daily: make([]DayTotals, len(days))}
			for i, d := range days {
				co.Daily[i].Day = d
			}
			for i, n := range overviewPeriods {
				co.Periods[i].Days = n
			}
			byCurrency[c] = co
		}
		return co
	}
	for _, e := range entries {
		i := dayIndex(days, e.At)
		if i < 0 {
			continue
		}
		co := get(e.Currency)
		d := &co.Daily[i]
		target := &d.Link
		if e.Source == SaleSourceQR {
			target = &d.QR
		}
		target.add(e)
	}
	for _, co := range byCurrency {
		for p, n := range overviewPeriods {
			for _, d := range co.Daily[len(days)-n:] {
				co.Periods[p].Link = co.Periods[p].Link.plus(d.Link)
				co.Periods[p].QR = co.Periods[p].QR.plus(d.QR)
			}
		}
	}
	out := make([]CurrencyOverview, 0, len(byCurrency))
	for _, co := range byCurrency {
		out = append(out, *co)
	}
	slices.SortFunc(out, func(a, b CurrencyOverview) int { return currencyRank(a.Currency) - currencyRank(b.Currency) })
	return out
}

// currencyRank orders currencies as LinkCurrencies does, unknown ones last.
func currencyRank(c Currency) int {
	if i := slices.Index(LinkCurrencies, c); i >= 0 {
		return i
	}
	return len(LinkCurrencies)
}
