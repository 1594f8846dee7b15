package providers

import (
	"context"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
)

// Links adapts Craftgate's payment-link API (craftclient.ProductService).
type Links struct{ products *craftclient.ProductService }

var _ app.LinkProvider = (*Links)(nil)

// NewLinks adapts c's product service.
func NewLinks(c *craftclient.Craftgate) *Links { return &Links{products: c.Products} }

// Search returns one page of links.
func (l *Links) Search(ctx context.Context, q app.LinkSearch) (*app.LinkPage, error) {
	req := craftclient.ProductSearchRequest{
		Name: q.Name, ExternalID: q.ExternalID, Channel: q.Channel, Currency: craftclient.Currency(q.Currency),
		MinPrice: amountPtr(q.MinPrice), MaxPrice: amountPtr(q.MaxPrice), Page: q.Page, Size: q.Size,
	}
	page, err := l.products.Search(ctx, req)
	if err != nil {
		return nil, classify(craftclient.ProviderCraftgate, err)
	}
	out := &app.LinkPage{Links: make([]app.Link, len(page.Items)), Total: page.TotalSize}
	for i := range page.Items {
		out.Links[i] = link(&page.Items[i])
	}
	return out, nil
}

// Get reads one link.
func (l *Links) Get(ctx context.Context, id int64) (*app.Link, error) {
	p, err := l.products.Retrieve(ctx, id)
	return linkOrErr(p, err)
}

// Create creates a link.
func (l *Links) Create(ctx context.Context, in app.LinkInput) (*app.Link, error) {
	p, err := l.products.Create(ctx, productRequest(in))
	return linkOrErr(p, err)
}

// Update replaces link id.
func (l *Links) Update(ctx context.Context, id int64, in app.LinkInput) (*app.Link, error) {
	p, err := l.products.Update(ctx, id, productRequest(in))
	return linkOrErr(p, err)
}

// Delete removes link id.
func (l *Links) Delete(ctx context.Context, id int64) error {
	return classify(craftclient.ProviderCraftgate, l.products.Delete(ctx, id))
}

func linkOrErr(p *craftclient.Product, err error) (*app.Link, error) {
	if err != nil {
		return nil, classify(craftclient.ProviderCraftgate, err)
	}
	out := link(p)
	return &out, nil
}

func link(p *craftclient.Product) app.Link {
	l := app.Link{
		ID: p.ID, Name: p.Name, Description: p.Description, OrderID: p.OrderID,
		ConversationID: p.ConversationID, ExternalID: p.ExternalID, BasketIdentifier: p.BasketIdentifier,
		Status: app.LinkStatus(p.Status), Price: p.Price.Decimal, Currency: app.Currency(p.Currency),
		Stock: p.Stock, SoldCount: p.SoldCount, Token: p.Token, EnabledInstallments: p.EnabledInstallments,
		URL: p.URL, Channel: p.Channel, MultiPayment: p.MultiPayment,
	}
	if p.ExpiresAt != nil {
		t := p.ExpiresAt.Time
		l.ExpiresAt = &t
	}
	return l
}

func productRequest(in app.LinkInput) craftclient.ProductRequest {
	req := craftclient.ProductRequest{
		Name: in.Name, Description: in.Description, OrderID: in.OrderID, ConversationID: in.ConversationID,
		ExternalID: in.ExternalID, BasketIdentifier: in.BasketIdentifier, Price: craftclient.NewAmount(in.Price),
		Currency: craftclient.Currency(in.Currency), Stock: in.Stock, Channel: in.Channel,
		MultiPayment: in.MultiPayment, EnabledInstallments: in.Installments, Status: craftclient.LinkStatus(in.Status),
	}
	if in.ExpiresAt != nil {
		req.ExpiresAt = &craftclient.DateTime{Time: *in.ExpiresAt}
	}
	return req
}

func amountPtr(d *decimal.Decimal) *craftclient.Amount {
	if d == nil {
		return nil
	}
	a := craftclient.NewAmount(*d)
	return &a
}
