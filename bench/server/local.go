package main

import (
	"context"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/store"
)

// seedLocal writes n more links straight into the local record (issue
// #12's links list with 10 000 local links), as the catch-up would have
// written them from Craftgate, and gives every link, the sandbox's ones
// too, a sale, so the list's revenue and last-sale columns are filled and
// a local sort (by revenue) has n rows to order.
func seedLocal(ctx context.Context, db *store.DB, sandboxIDs []int64, n int) error {
	now := time.Now().UTC()
	ids := append([]int64(nil), sandboxIDs...)
	links := make([]app.Link, 0, n)
	for i := range n {
		id := int64(1_000_000 + i)
		ids = append(ids, id)
		links = append(links, app.Link{ID: id, Name: "Yerel ürün " + strconv.Itoa(i+1) + " — çay, simit ve börek",
			Price: decimal.New(int64(1999+i), -2), Currency: "TRY", Status: app.LinkStatusActive, EnabledInstallments: []int{1, 3}})
	}
	const batch = 2000
	for lo := 0; lo < len(links); lo += batch {
		if err := db.SaveLinks(ctx, links[lo:min(lo+batch, len(links))], now); err != nil {
			return err
		}
	}
	for lo := 0; lo < len(ids); lo += batch {
		err := db.InTx(ctx, func(tx app.Tx) error {
			for i, id := range ids[lo:min(lo+batch, len(ids))] {
				amount := decimal.New(int64(500+(lo+i)*7%50_000), -2)
				p := &app.LinkPayment{ID: id, LinkID: id, ProductID: id, CreatedAt: now.Add(-time.Duration(lo+i) * time.Minute),
					Price: amount, PaidPrice: amount, Currency: "TRY", Installment: 1, Status: app.PaymentStatusPaid, Payer: "Ayşe Yılmaz"}
				if err := tx.SaveLinkPayment(ctx, p); err != nil {
					return err
				}
				if err := tx.RecomputeLinkSales(ctx, id, app.SaleStatuses); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
