package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// calls counts a fake's calls by method name.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[method]++
}

// Calls returns how many times method was called.
func (c *calls) Calls(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[method]
}

// fakeCraftgate is a LinkProvider made of functions; set them before the
// calls that use them.
type fakeCraftgate struct {
	calls
	SearchFn func(ctx context.Context, q app.LinkSearch) (*app.LinkPage, error)
	GetFn    func(ctx context.Context, id int64) (*app.Link, error)
	CreateFn func(ctx context.Context, in app.LinkInput) (*app.Link, error)
	UpdateFn func(ctx context.Context, id int64, in app.LinkInput) (*app.Link, error)
	DeleteFn func(ctx context.Context, id int64) error
}

var _ app.LinkProvider = (*fakeCraftgate)(nil)

func (f *fakeCraftgate) Search(ctx context.Context, q app.LinkSearch) (*app.LinkPage, error) {
	f.add("Search")
	return f.SearchFn(ctx, q)
}

func (f *fakeCraftgate) Get(ctx context.Context, id int64) (*app.Link, error) {
	f.add("Get")
	return f.GetFn(ctx, id)
}

func (f *fakeCraftgate) Create(ctx context.Context, in app.LinkInput) (*app.Link, error) {
	f.add("Create")
	return f.CreateFn(ctx, in)
}

func (f *fakeCraftgate) Update(ctx context.Context, id int64, in app.LinkInput) (*app.Link, error) {
	f.add("Update")
	return f.UpdateFn(ctx, id, in)
}

func (f *fakeCraftgate) Delete(ctx context.Context, id int64) error {
	f.add("Delete")
	return f.DeleteFn(ctx, id)
}

// linkBook is an in-memory Craftgate, the fake's default behaviour.
type linkBook struct {
	mu      sync.Mutex
	links   map[int64]app.Link
	nextID  int64
	updates []app.LinkInput // every update as sent
}

func newLinkBook() *linkBook { return &linkBook{links: map[int64]app.Link{}, nextID: 100} }

func craftgateNotFound() error {
	return &app.ProviderError{Provider: "craftgate", Kind: app.ProviderNotFound, Code: "5000"}
}

func (b *linkBook) provider() *fakeCraftgate {
	return &fakeCraftgate{SearchFn: b.search, GetFn: b.get, CreateFn: b.create, UpdateFn: b.update, DeleteFn: b.delete}
}

// put stores l as it is, as if made in Craftgate's panel.
func (b *linkBook) put(l app.Link) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.links[l.ID] = l
}

func (b *linkBook) search(_ context.Context, q app.LinkSearch) (*app.LinkPage, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	page := &app.LinkPage{}
	for _, l := range b.links {
		if strings.Contains(l.Name, q.Name) && (q.ExternalID == "" || l.ExternalID == q.ExternalID) {
			page.Links = append(page.Links, l)
		}
	}
	slices.SortFunc(page.Links, func(a, b app.Link) int { return int(a.ID - b.ID) })
	page.Total = int64(len(page.Links))
	return page, nil
}

func (b *linkBook) get(_ context.Context, id int64) (*app.Link, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.links[id]
	if !ok {
		return nil, craftgateNotFound()
	}
	return &l, nil
}

func linkOf(id int64, in app.LinkInput) app.Link {
	status := in.Status
	if status == "" {
		status = app.LinkStatusActive
	}
	return app.Link{
		ID: id, Name: in.Name, Description: in.Description, OrderID: in.OrderID, ConversationID: in.ConversationID,
		ExternalID: in.ExternalID, BasketIdentifier: in.BasketIdentifier, Status: status, Price: in.Price,
		Currency: in.Currency, Stock: in.Stock, EnabledInstallments: in.Installments, Channel: in.Channel,
		MultiPayment: in.MultiPayment, ExpiresAt: in.ExpiresAt,
		Token: fmt.Sprintf("tok%d", id), URL: fmt.Sprintf("https://pay.example/link/tok%d", id),
	}
}

func (b *linkBook) create(_ context.Context, in app.LinkInput) (*app.Link, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	l := linkOf(b.nextID, in)
	b.links[l.ID] = l
	return &l, nil
}

func (b *linkBook) update(_ context.Context, id int64, in app.LinkInput) (*app.Link, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.links[id]
	if !ok {
		return nil, craftgateNotFound()
	}
	b.updates = append(b.updates, in)
	l := linkOf(id, in)
	l.SoldCount = old.SoldCount
	b.links[id] = l
	return &l, nil
}

func (b *linkBook) lastUpdate() app.LinkInput {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.updates[len(b.updates)-1]
}

func (b *linkBook) delete(_ context.Context, id int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.links[id]; !ok {
		return craftgateNotFound()
	}
	delete(b.links, id)
	return nil
}

// fakePaywall is a PaymentProvider made of functions; set them before the
// calls that use them.
type fakePaywall struct {
	calls
	WalletsFn       func(ctx context.Context, c app.Currency) ([]app.Wallet, error)
	StartQRFn       func(ctx context.Context, req app.QRRequest) (*app.PaymentStart, error)
	QueryFn         func(ctx context.Context, code string) (*app.ProviderPayment, error)
	RefundFn        func(ctx context.Context, uniqueCode string, amount decimal.Decimal, whole bool) (decimal.Decimal, error)
	ParseCallbackFn func(body []byte, contentType string) (*app.ProviderCallback, error)
}

var _ app.PaymentProvider = (*fakePaywall)(nil)

func (f *fakePaywall) Wallets(ctx context.Context, c app.Currency) ([]app.Wallet, error) {
	f.add("Wallets")
	return f.WalletsFn(ctx, c)
}

func (f *fakePaywall) StartQR(ctx context.Context, req app.QRRequest) (*app.PaymentStart, error) {
	f.add("StartQR")
	return f.StartQRFn(ctx, req)
}

func (f *fakePaywall) Query(ctx context.Context, code string) (*app.ProviderPayment, error) {
	f.add("Query")
	return f.QueryFn(ctx, code)
}

func (f *fakePaywall) Refund(ctx context.Context, uniqueCode string, amount decimal.Decimal, whole bool) (decimal.Decimal, error) {
	f.add("Refund")
	return f.RefundFn(ctx, uniqueCode, amount, whole)
}

func (f *fakePaywall) ParseCallback(body []byte, contentType string) (*app.ProviderCallback, error) {
	f.add("ParseCallback")
	return f.ParseCallbackFn(body, contentType)
}

func (f *fakePaywall) QRImage(int, string) ([]byte, string, bool) { return nil, "", false }

// payBook is an in-memory Paywall, the fake's default behaviour: a started
// payment is open until a test sets its status.
type payBook struct {
	mu      sync.Mutex
	n       int64
	status  map[string]app.ProviderStatus // by our code; absent: unknown there
	unique  map[string]string             // our code -> Paywall's
	started []app.QRRequest
}

func newPayBook() *payBook {
	return &payBook{status: map[string]app.ProviderStatus{}, unique: map[string]string{}}
}

// wallets are the fake's QR wallets, in every currency.
var wallets = []app.Wallet{
	{Key: "papara", Name: "Papara", ConnectionID: 7},
	{Key: "tosla", Name: "Tosla", ConnectionID: 8},
}

func paywallNotFound() error {
	return &app.ProviderError{Provider: "paywall", Kind: app.ProviderNotFound, Code: "404"}
}

func (b *payBook) provider() *fakePaywall {
	return &fakePaywall{
		WalletsFn: func(context.Context, app.Currency) ([]app.Wallet, error) { return wallets, nil },
		StartQRFn: b.start,
		QueryFn:   b.query,
		RefundFn: func(_ context.Context, _ string, amount decimal.Decimal, _ bool) (decimal.Decimal, error) {
			return amount, nil
		},
		ParseCallbackFn: parseTestCallback,
	}
}

func (b *payBook) start(_ context.Context, req app.QRRequest) (*app.PaymentStart, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	b.started = append(b.started, req)
	unique := fmt.Sprintf("PW-%d", b.n)
	b.status[req.Code], b.unique[req.Code] = app.ProviderOpen, unique
	return &app.PaymentStart{UniqueCode: unique, APMTransactionID: 9000 + b.n, QRFormatType: 1, QRContent: "qr:" + unique}, nil
}

func (b *payBook) query(_ context.Context, code string) (*app.ProviderPayment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.status[code]
	if !ok {
		return nil, paywallNotFound()
	}
	return &app.ProviderPayment{Status: st, UniqueCode: b.unique[code], APMTransactionID: txnOf(b.unique[code])}, nil
}

func txnOf(unique string) int64 {
	var n int64
	fmt.Sscanf(unique, "PW-%d", &n)
	return 9000 + n
}

// set makes Paywall know payment code with status (and its own code).
func (b *payBook) set(code string, st app.ProviderStatus, unique string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status[code] = st
	if unique != "" {
		b.unique[code] = unique
	}
}

func (b *payBook) lastStart() app.QRRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.started[len(b.started)-1]
}

// testCallback is the fake Paywall's callback body: JSON with what the
// real parser extracts, and whether its hash would check.
type testCallback struct {
	Code    string `json:"code,omitempty"`
	Unique  string `json:"unique,omitempty"`
	Txn     string `json:"txn,omitempty"`
	Amount  string `json:"amount"`
	Success bool   `json:"success"`
	Forged  bool   `json:"forged,omitempty"`
	Server  bool   `json:"server,omitempty"`
}

func (c testCallback) body() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	return b
}

func parseTestCallback(body []byte, _ string) (*app.ProviderCallback, error) {
	var c testCallback
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, err
	}
	return &app.ProviderCallback{MerchantUniqueCode: c.Code, UniqueCode: c.Unique, APMTransactionID: c.Txn,
		Amount: c.Amount, Success: c.Success, HashInvalid: c.Forged, Server: c.Server}, nil
}
