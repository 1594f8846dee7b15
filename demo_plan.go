package main

import (
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// demoPlan is the demo's shop: its links with their sales, and the QR
// payments taken at its counter, each at a fixed moment of the three weeks
// before the anchor day. The plan is drawn from a fixed seed, so every run
// plans the same.
type demoPlan struct {
	start    time.Time // the first day, at midnight
	links    []demoLink
	payments []demoQR
}

type demoLink struct {
	in        app.LinkInput
	createdAt time.Duration // after start
	passiveAt time.Duration // deactivated then (0: stays active)
	weight    int           // its share of the link sales
	maxSales  int           // 0: no cap (stock, or a one-off order)
	sales     []demoSale
}

// demoSale is one payment on a link's hosted page.
type demoSale struct {
	at          time.Time
	card        string // a sandbox test card: it decides the outcome
	holder      string
	installment int
}

// demoQR is one QR payment at the counter.
type demoQR struct {
	at          time.Time
	amount      string
	description string
	outcome     app.PaymentStatus // paid, failed or expired
	scanAfter   time.Duration     // how long the customer took
	refund      string            // an amount given back later, if any
}

// The sandbox's test cards (sandbox/README.md).
const (
	cardOK       = "5528790000000008"
	cardDeclined = "4111111111111129"
	cardNoFunds  = "4129111111111111"
)

var demoHolders = []string{"Ayşe Yılmaz", "Mehmet Kaya", "Zeynep Demir", "Emre Şahin", "Elif Çelik", "Can Öztürk",
	"Selin Arslan", "Burak Doğan", "Deniz Koç", "İrem Aydın", "Oğuz Kılıç", "Gökçe Yıldız"}

// demoMenu is what the counter sells, with a typical ticket.
var demoMenu = []struct{ description, amount string }{
	{"Masa 3 — iki latte, bir cheesecake", "285"},
	{"Bar — espresso ve su", "95"},
	{"Paket — 1 kg Türk kahvesi", "480"},
	{"Masa 7 — filtre kahve, poğaça", "135"},
	{"Masa 1 — dört kişilik kahvaltı tabağı", "1.260"},
	{"Paket — 250 g filtre kahve çekirdeği", "189,90"},
	{"Masa 5 — iki soğuk demleme, bir brownie", "310"},
	{"Bar — cortado", "85"},
	{"Paket — French press ve 500 g çekirdek", "1.150"},
	{"Masa 2 — salep, simit", "120"},
	{"Masa 6 — üç cappuccino, iki kurabiye", "345"},
	{"Paket — hediye kutusu (3 çeşit çekirdek)", "640"},
}

func newDemoPlan(anchor time.Time) demoPlan {
	rng := rand.New(rand.NewPCG(2026, 14))
	p := demoPlan{start: anchor.AddDate(0, 0, -demoDays), links: demoLinks(anchor)}
	p.planLinkSales(rng)
	p.planCounter(rng)
	return p
}

func demoLinks(anchor time.Time) []demoLink {
	day := 24 * time.Hour
	price := decimal.RequireFromString
	one, twelve := 1, 12
	workshop := time.Date(anchor.Year(), anchor.Month(), anchor.Day(), 14, 0, 0, 0, time.UTC).AddDate(0, 0, 12)
	return []demoLink{
		{in: app.LinkInput{Name: "Filtre kahve çekirdeği 250 g", Description: "Taze kavrulmuş, **Etiyopya Yirgacheffe**.\nÇekirdek ya da öğütülmüş.",
			Price: price("189.90"), Currency: "TRY", Installments: []int{1}, Channel: "web", ExternalID: "KHV-250"},
			createdAt: 9 * time.Hour, weight: 6},
		{in: app.LinkInput{Name: "Türk kahvesi 500 g", Description: "Orta kavrum, ince öğütülmüş.",
			Price: price("245"), Currency: "TRY", Installments: []int{1}, Channel: "web", ExternalID: "TRK-500"},
			createdAt: 9*time.Hour + 10*time.Minute, weight: 5},
		{in: app.LinkInput{Name: "Espresso makinesi bakım paketi", Description: "Kireç temizliği, conta değişimi ve **1 yıl** garanti.",
			Price: price("1450"), Currency: "TRY", Installments: []int{1, 2, 3}, Channel: "servis", ExternalID: "SRV-BAKIM"},
			createdAt: day + 11*time.Hour, weight: 2},
		{in: app.LinkInput{Name: "Kahve tadım atölyesi — 2 kişilik", Description: "**Cumartesi 14:00**, Kadıköy şubesi.\nMalzemeler ve ikramlar dahil.",
			Price: price("1200"), Currency: "TRY", Installments: []int{1, 3}, Stock: &twelve, Channel: "instagram", ExternalID: "ATL-TADIM",
			ExpiresAt: &workshop},
			createdAt: 3*day + 10*time.Hour, weight: 2, maxSales: 7},
		{in: app.LinkInput{Name: "Doğum günü pastası — Elif Hanım'ın siparişi", Description: "**Teslim:** Cuma 18:00\nKutusu ve mumları dahil.",
			Price: price("2750"), Currency: "TRY", Installments: []int{1, 3, 6}, Stock: &one, OrderID: "SIP-2026-0142", Channel: "telefon"},
			createdAt: 12*day + 15*time.Hour, weight: 1, maxSales: 1},
		{in: app.LinkInput{Name: "Hediye kartı 500 TL", Description: "Tüm şubelerde geçerli, 1 yıl süreli.",
			Price: price("500"), Currency: "TRY", Installments: []int{1}, Channel: "web", ExternalID: "HDY-500"},
			createdAt: 2*day + 9*time.Hour, weight: 3},
		{in: app.LinkInput{Name: "Gift card €50", Description: "Valid in every branch for one year.",
			Price: price("50"), Currency: "EUR", Installments: []int{1}, Channel: "web", ExternalID: "GFT-EUR50"},
			createdAt: 2*day + 9*time.Hour + 5*time.Minute, weight: 1},
		{in: app.LinkInput{Name: "Kurumsal kahve aboneliği (aylık)", Description: "Ofisinize her ay **5 kg** çekirdek ve makine bakımı.",
			Price: price("3900"), Currency: "TRY", Installments: []int{1, 2, 3, 6, 9, 12}, Channel: "b2b", ExternalID: "ABN-AYLIK",
			ConversationID: "b2b-abonelik"},
			createdAt: 5*day + 14*time.Hour, weight: 1},
		{in: app.LinkInput{Name: "Yaz kampanyası — soğuk demleme 1 L", Description: "Kampanya sona erdi.",
			Price: price("160"), Currency: "TRY", Installments: []int{1}, Channel: "instagram", ExternalID: "CB-1L"},
			createdAt: 10 * time.Hour, passiveAt: 9*day + 22*time.Hour, weight: 3},
	}
}

// planLinkSales spreads 0 to 4 link payments over each day, on links
// picked by weight among those that exist, are still active and not sold
// out; about one in eight cards is declined.
func (p *demoPlan) planLinkSales(rng *rand.Rand) {
	for d := range demoDays {
		for range rng.IntN(5) {
			at := p.start.AddDate(0, 0, d).Add(time.Duration(9*60+rng.IntN(12*60)) * time.Minute)
			l := p.pickLink(rng, at)
			if l == nil {
				continue
			}
			sale := demoSale{at: at, card: cardOK, holder: demoHolders[rng.IntN(len(demoHolders))], installment: 1}
			switch r := rng.IntN(100); {
			case r < 8:
				sale.card = cardDeclined
			case r < 12:
				sale.card = cardNoFunds
			}
			if n := l.in.Installments; len(n) > 1 && rng.IntN(3) == 0 {
				sale.installment = n[rng.IntN(len(n))]
			}
			l.sales = append(l.sales, sale)
		}
	}
}

func (p *demoPlan) pickLink(rng *rand.Rand, at time.Time) *demoLink {
	var open []*demoLink
	total := 0
	for i := range p.links {
		l := &p.links[i]
		created := p.start.Add(l.createdAt)
		ended := l.passiveAt > 0 && !at.Before(p.start.Add(l.passiveAt))
		if at.Before(created) || ended || (l.maxSales > 0 && l.paid() >= l.maxSales) {
			continue
		}
		open = append(open, l)
		total += l.weight
	}
	if total == 0 {
		return nil
	}
	n := rng.IntN(total)
	for _, l := range open {
		if n -= l.weight; n < 0 {
			return l
		}
	}
	return nil
}

// paid counts the planned sales that take the money (and so the stock).
func (l *demoLink) paid() int {
	n := 0
	for _, s := range l.sales {
		if s.card == cardOK {
			n++
		}
	}
	return n
}

// planCounter plans 1 to 3 QR payments a day (one more at weekends), in
// opening hours: most paid, some declined, a few never scanned; two of
// the paid are refunded, one in part.
func (p *demoPlan) planCounter(rng *rand.Rand) {
	paid := 0
	taken := map[time.Time]bool{} // a payment is found again by its second

	for d := range demoDays {
		day := p.start.AddDate(0, 0, d)
		n := 1 + rng.IntN(3)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			n++
		}
		for range n {
			item := demoMenu[rng.IntN(len(demoMenu))]
			q := demoQR{
				at:          day.Add(time.Duration(8*3600+rng.IntN(12*3600)) * time.Second),
				amount:      item.amount,
				description: item.description,
				outcome:     app.PaymentStatusPaid,
				scanAfter:   time.Duration(15+rng.IntN(75)) * time.Second,
			}
			for taken[q.at] {
				q.at = q.at.Add(time.Minute)
			}
			taken[q.at] = true
			switch r := rng.IntN(100); {
			case r < 9:
				q.outcome = app.PaymentStatusFailed
			case r < 15:
				q.outcome = app.PaymentStatusExpired
			default:
				paid++
				switch paid {
				case 6:
					q.refund = "50"
				case 17:
					q.refund = q.amount
				}
			}
			p.payments = append(p.payments, q)
		}
	}
}
