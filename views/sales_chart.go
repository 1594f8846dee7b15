package views

import (
	"strconv"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// ChartProps is one daily revenue chart: a currency's days, with bars for
// each source shown (the overview shows links and QR side by side, a
// link's page its own sales alone).
type ChartProps struct {
	ID       string // unique on the page; element ids derive from it
	Currency string
	Days     []app.DayTotals
	Sources  []app.SaleSource
}

// The chart's drawing area in SVG units; the SVG scales to its box, and its
// words are HTML around it, so they stay readable on a phone.
const (
	chartW = 600.0
	chartH = 160.0
)

// chartBar is one bar, in SVG units.
type chartBar struct {
	X, Y, W, H string
	Source     app.SaleSource
	Label      string // what the bar says, as its tooltip
}

// chartDay is one row of the chart's table.
type chartDay struct {
	Date   string
	Values []string // per source, then the total when there are several
}

// chartView is everything the chart component shows.
type chartView struct {
	Bars      []chartBar
	ZeroY     string   // where the zero line runs
	Max, Min  string   // the top of the scale, and its bottom when below zero, as money
	DayLabels []string // the first, middle and last day
	Summary   string   // the chart in one sentence (its description)
	Rows      []chartDay
}

func revenueOf(d app.DayTotals, s app.SaleSource) decimal.Decimal {
	if s == app.SaleSourceQR {
		return d.QR.Revenue()
	}
	return d.Link.Revenue()
}

func svgNum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// view lays the chart out: each day a slot, each source a bar from the
// zero line up (or down, for a day whose refunds exceed its sales).
func (p ChartProps) view(l Locale) chartView {
	var v chartView
	top, bottom, total, best := decimal.Zero, decimal.Zero, decimal.Zero, -1
	var bestSum decimal.Decimal
	for i, d := range p.Days {
		sum := decimal.Zero
		row := chartDay{Date: l.Date(d.Day)}
		for _, s := range p.Sources {
			r := revenueOf(d, s)
			top, bottom, sum = decimal.Max(top, r), decimal.Min(bottom, r), sum.Add(r)
			row.Values = append(row.Values, l.Money(r, p.Currency))
		}
		if len(p.Sources) > 1 {
			row.Values = append(row.Values, l.Money(sum, p.Currency))
		}
		v.Rows = append(v.Rows, row)
		total = total.Add(sum)
		if sum.IsPositive() && (best < 0 || sum.GreaterThan(bestSum)) {
			best, bestSum = i, sum
		}
	}
	v.Max = l.Money(top, p.Currency)
	if bottom.IsNegative() {
		v.Min = l.Money(bottom, p.Currency)
	}
	span := top.Sub(bottom).InexactFloat64()
	if span == 0 {
		span = 1 // nothing sold: every bar sits on the line
	}
	y := func(d decimal.Decimal) float64 { return (top.InexactFloat64() - d.InexactFloat64()) / span * chartH }
	v.ZeroY = svgNum(y(decimal.Zero))
	slot := chartW / float64(max(len(p.Days), 1))
	w := slot * 0.8 / float64(max(len(p.Sources), 1))
	for i, d := range p.Days {
		for j, s := range p.Sources {
			r := revenueOf(d, s)
			y0, y1 := y(decimal.Max(r, decimal.Zero)), y(decimal.Min(r, decimal.Zero))
			v.Bars = append(v.Bars, chartBar{
				X: svgNum(float64(i)*slot + slot*0.1 + float64(j)*w), Y: svgNum(y0), W: svgNum(w), H: svgNum(y1 - y0),
				Source: s, Label: l.Date(d.Day) + ", " + l.T(SaleSourceKey(s)) + ": " + l.Money(r, p.Currency),
			})
		}
	}
	if n := len(p.Days); n > 0 {
		v.DayLabels = []string{l.Date(p.Days[0].Day), l.Date(p.Days[n/2].Day), l.Date(p.Days[n-1].Day)}
	}
	v.Summary = l.Tf("chart.summary", len(p.Days), l.Money(total, p.Currency))
	if best >= 0 {
		v.Summary += " " + l.Tf("chart.best", l.Date(p.Days[best].Day), l.Money(bestSum, p.Currency))
	}
	return v
}

// SaleSourceKey is the catalog key naming a source.
func SaleSourceKey(s app.SaleSource) string { return "sales.source." + string(s) }
