package craftclient_test

// Round trips of every endpoint of both APIs between the real client and the
// embedded sandbox, over real HTTP: the two were written independently from
// the providers' docs, so these tests are where their reading must agree.

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite"

	"linkdesk/craftclient"
	"linkdesk/sandbox"
)

const sandboxHashKey = "roundtrip-hash-key"

type sandboxServer struct {
	URL string
	db  *sql.DB
}

func mustSandbox(tb testing.TB, dbPath string) *sandboxServer {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	sb, err := sandbox.New(context.Background(), sandbox.Config{DB: db, PaywallHashKey: sandboxHashKey})
	if err != nil {
		tb.Fatalf("sandbox: %v", err)
	}
	srv := httptest.NewServer(sb.Handler())
	tb.Cleanup(srv.Close)
	return &sandboxServer{URL: srv.URL, db: db}
}

func (s *sandboxServer) craftgate(opts ...craftclient.Option) *craftclient.Craftgate {
	return craftclient.NewCraftgate(s.URL+"/sandbox/craftgate", sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, opts...)
}

func (s *sandboxServer) paywall() *craftclient.Paywall {
	return craftclient.NewPaywall(s.URL+"/sandbox/paywall", sandbox.PaywallPublicKey, sandbox.PaywallPublicClient)
}

func amount(s string) craftclient.Amount { return craftclient.NewAmount(decimal.RequireFromString(s)) }

func intPtr(n int) *int { return &n }

func linkRequest(name, price string) craftclient.ProductRequest {
	return craftclient.ProductRequest{
		Name:                name,
		Description:         "Örnek açıklama <b>&</b>",
		Price:               amount(price),
		Currency:            craftclient.CurrencyTRY,
		Channel:             "tezgah",
		EnabledInstallments: []int{1, 3, 6},
		Stock:               intPtr(5),
		ConversationID:      "conv-1",
		ExternalID:          "ext-1",
	}
}

func TestRoundTripProductLifecycle(t *testing.T) {
	ctx := context.Background()
	sb := mustSandbox(t, filepath.Join(t.TempDir(), "sb.db"))
	cg := sb.craftgate()

	expires := craftclient.DateTime{Time: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	req := linkRequest("Zeytinyağı 1 L", "149.90")
	req.ExpiresAt = &expires
	created, err := cg.Products.Create(ctx, req)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ID <= 0 || created.Token == "" || created.Status != craftclient.LinkStatusActive || created.SoldCount != 0 {
		t.Fatalf("created = %+v, want id, token, ACTIVE, soldCount 0", created)
	}
	if !strings.HasPrefix(created.URL, sb.URL+"/sandbox/craftgate/pay/") {
		t.Errorf("url = %q, want the sandbox's hosted page", created.URL)
	}
	if !created.Price.Equal(decimal.RequireFromString("149.9")) || created.Description != req.Description || created.Stock == nil || *created.Stock != 5 {
		t.Errorf("created echoes price %s description %q stock %v", created.Price, created.Description, created.Stock)
	}
	if created.ExpiresAt == nil || !created.ExpiresAt.Equal(expires.Time) {
		t.Errorf("expiresAt = %v, want %v", created.ExpiresAt, expires)
	}

	got, err := cg.Products.Retrieve(ctx, created.ID)
	if err != nil {
		t.Fatalf("retrieve: %v", err)
	}
	if got.Name != req.Name || got.ConversationID != "conv-1" || got.ExternalID != "ext-1" {
		t.Errorf("retrieved %+v", got)
	}

	upd := req
	upd.Status = craftclient.LinkStatusPassive
	upd.Price = amount("1234.56")
	updated, err := cg.Products.Update(ctx, created.ID, upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Status != craftclient.LinkStatusPassive || !updated.Price.Equal(decimal.RequireFromString("1234.56")) || updated.Token != created.Token {
		t.Errorf("updated = %+v", updated)
	}

	if err := cg.Products.Delete(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = cg.Products.Retrieve(ctx, created.ID)
	var apiErr *craftclient.APIError
	if !errors.As(err, &apiErr) || !craftclient.IsNotFound(err) || apiErr.Code == "" || apiErr.Description == "" {
		t.Errorf("retrieve after delete: %v, want a not-found *APIError with code and description", err)
	}
}

func TestRoundTripSearch(t *testing.T) {
	ctx := context.Background()
	sb := mustSandbox(t, filepath.Join(t.TempDir(), "sb.db"))
	cg := sb.craftgate()
	for i, name := range []string{"İstanbul simidi", "Ankara kahvesi", "IRMAK suyu", "istanbul çayı"} {
		r := linkRequest(name, []string{"10", "25.50", "99.99", "250"}[i])
		if i == 3 {
			r.Currency = craftclient.CurrencyEUR
			r.Channel = "web"
		}
		if _, err := cg.Products.Create(ctx, r); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	min, max := amount("20"), amount("100")
	tests := []struct {
		name string
		req  craftclient.ProductSearchRequest
		want []string
	}{
		{"Turkish dotted capital", craftclient.ProductSearchRequest{Name: "istanbul"}, []string{"istanbul çayı", "İstanbul simidi"}},
		{"Turkish dotless", craftclient.ProductSearchRequest{Name: "ırmak"}, []string{"IRMAK suyu"}},
		{"price range", craftclient.ProductSearchRequest{MinPrice: &min, MaxPrice: &max}, []string{"IRMAK suyu", "Ankara kahvesi"}},
		{"currency", craftclient.ProductSearchRequest{Currency: craftclient.CurrencyEUR}, []string{"istanbul çayı"}},
		{"channel", craftclient.ProductSearchRequest{Channel: "web"}, []string{"istanbul çayı"}},
		{"paging", craftclient.ProductSearchRequest{Page: 1, Size: 3}, []string{"İstanbul simidi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := cg.Products.Search(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range page.Items {
				names = append(names, p.Name)
			}
			if strings.Join(names, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", names, tt.want)
			}
		})
	}
	page, err := cg.Products.Search(ctx, craftclient.ProductSearchRequest{})
	if err != nil || page.TotalSize != 4 || page.Size != 25 || page.Page != 0 {
		t.Errorf("defaults: %+v, %v; want page 0 size 25 total 4", page, err)
	}
	_, err = cg.Products.Search(ctx, craftclient.ProductSearchRequest{Size: 500})
	if !craftclient.IsValidation(err) {
		t.Errorf("size 500: %v, want a validation error", err)
	}
	// The sandbox's refusal names the field in both languages (APIError.Field).
	for _, lang := range []string{"tr", "en"} {
		_, err := sb.craftgate(craftclient.WithLang(lang)).Products.Search(ctx, craftclient.ProductSearchRequest{Size: 500})
		if got := craftclient.ErrorField(err); got != "size" {
			t.Errorf("size 500, lang %s: field %q (%v), want size", lang, got, err)
		}
	}
}

func TestRoundTripCraftgateErrors(t *testing.T) {
	ctx := context.Background()
	sb := mustSandbox(t, filepath.Join(t.TempDir(), "sb.db"))
	bad := craftclient.NewCraftgate(sb.URL+"/sandbox/craftgate", sandbox.CraftgateAPIKey, "wrong-secret")
	_, err := bad.Products.Retrieve(ctx, 1)
	var apiErr *craftclient.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusUnauthorized || !craftclient.IsAuth(err) || apiErr.Description != "Signature is not equal!" {
		t.Errorf("bad secret: %v, want 401 Signature is not equal!", err)
	}
	unknown := craftclient.NewCraftgate(sb.URL+"/sandbox/craftgate", "nobody", sandbox.CraftgateSecretKey)
	if _, err := unknown.Products.Retrieve(ctx, 1); !craftclient.IsAuth(err) {
		t.Errorf("unknown key: %v, want an auth error", err)
	}
	if _, err := sb.craftgate().Products.Retrieve(ctx, 424242); !craftclient.IsNotFound(err) {
		t.Errorf("unknown id: %v, want not found", err)
	}
	en := sb.craftgate(craftclient.WithLang("en"))
	_, err = en.Products.Retrieve(ctx, 424242)
	if !errors.As(err, &apiErr) || apiErr.Description == "" {
		t.Errorf("lang en: %v", err)
	}
}

func TestRoundTripSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sb.db")
	first := mustSandbox(t, path)
	created, err := first.craftgate().Products.Create(ctx, linkRequest("Kalıcı link", "42"))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := first.paywall().APM.GenerateQR(ctx, qrRequest("restart-1", "http://127.0.0.1:1/cb"))
	if err != nil {
		t.Fatal(err)
	}
	second := mustSandbox(t, path)
	got, err := second.craftgate().Products.Retrieve(ctx, created.ID)
	if err != nil || got.Name != "Kalıcı link" || got.Token != created.Token {
		t.Errorf("after restart: %+v, %v", got, err)
	}
	q, err := second.paywall().APM.Query(ctx, "restart-1")
	if err != nil || q.UniqueCode != gen.UniqueCode {
		t.Errorf("paywall after restart: %+v, %v", q, err)
	}
}

func qrRequest(code, callbackBase string) craftclient.QRGenerateRequest {
	return craftclient.QRGenerateRequest{
		APMKey:                 "papara",
		CurrencyID:             1,
		MerchantUniqueCode:     code,
		Amount:                 amount("12.5"),
		Description:            "Kahve ve simit",
		MerchantSuccessBackURL: callbackBase + "/success",
		MerchantFailBackURL:    callbackBase + "/fail",
	}
}

// callbackReceiver records the provider callbacks the sandbox sends.
type callbackReceiver struct {
	mu   sync.Mutex
	got  []*craftclient.PaywallCallback
	path []string
}

func (c *callbackReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cb, err := craftclient.ParsePaywallCallback(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.got = append(c.got, cb)
	c.path = append(c.path, r.URL.Path)
	c.mu.Unlock()
	_, _ = w.Write([]byte("OK"))
}

// mustPaywallWithReceiver returns a client of a fresh sandbox and a server
// that records the callbacks sent to cbURL + "/success" and "/fail".
func mustPaywallWithReceiver(t *testing.T) (pw *craftclient.Paywall, recv *callbackReceiver, cbURL string) {
	t.Helper()
	sb := mustSandbox(t, filepath.Join(t.TempDir(), "sb.db"))
	recv = &callbackReceiver{}
	cbSrv := httptest.NewServer(recv)
	t.Cleanup(cbSrv.Close)
	return sb.paywall(), recv, cbSrv.URL + "/cb"
}

func TestRoundTripPaywallFlow(t *testing.T) {
	ctx := context.Background()
	pw, recv, cbURL := mustPaywallWithReceiver(t)

	providers, err := pw.APM.List(ctx, craftclient.APMListRequest{CurrencyID: 1, FocusedFeature: "qr"})
	if err != nil || len(providers) == 0 {
		t.Fatalf("list: %v, %v", providers, err)
	}
	for _, p := range providers {
		if !p.Features.QrBased {
			t.Errorf("focusedfeature=qr returned non-QR provider %+v", p)
		}
	}

	gen, err := pw.APM.GenerateQR(ctx, qrRequest("order-1", cbURL))
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if gen.UniqueCode == "" || gen.APMTransactionID == 0 || gen.QRDetail.Kind() != craftclient.QRContentURL {
		t.Fatalf("generate = %+v, want unique code, transaction id and a URL QR", gen)
	}
	q, err := pw.APM.Query(ctx, "order-1")
	if err != nil || q.StatusID != craftclient.APMStatusCreated {
		t.Fatalf("query before pay: %+v, %v", q, err)
	}
	_, err = pw.APM.GenerateQR(ctx, qrRequest("order-1", cbURL))
	var apiErr *craftclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "119" {
		t.Errorf("duplicate merchant code: %v, want code 119", err)
	}

	// The customer pays in the wallet simulator the QR points to.
	resp, err := http.PostForm(gen.QRDetail.Content+"/pay", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("wallet pay: status %d", resp.StatusCode)
	}
	recv.mu.Lock()
	if len(recv.got) != 1 || recv.path[0] != "/cb/success" {
		t.Fatalf("callbacks %v at %v, want one success", recv.got, recv.path)
	}
	cb := recv.got[0]
	recv.mu.Unlock()
	if !cb.Success || cb.MerchantUniqueCode != "order-1" || cb.UniqueCode != gen.UniqueCode || !cb.VerifyHash(sandboxHashKey) || cb.VerifyHash("other-key") {
		t.Errorf("callback %+v: want success for order-1 with a hash valid only for the sandbox key", cb)
	}
	if q, err = pw.APM.Query(ctx, "order-1"); err != nil || q.StatusID != craftclient.APMStatusSuccessful {
		t.Errorf("query after pay: %+v, %v", q, err)
	}

	if _, err := pw.APM.RefundPartial(ctx, gen.UniqueCode, amount("20")); err == nil {
		t.Error("refund above the amount: want an error")
	}
	if _, err := pw.APM.RefundPartial(ctx, gen.UniqueCode, amount("2.5")); err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	if q, _ = pw.APM.Query(ctx, "order-1"); q.StatusID != craftclient.APMStatusPartiallyRefunded {
		t.Errorf("after partial refund status %d, want partially refunded", q.StatusID)
	}
	if _, err := pw.APM.Refund(ctx, gen.UniqueCode); err != nil {
		t.Fatalf("refund rest: %v", err)
	}
	if q, _ = pw.APM.Query(ctx, "order-1"); q.StatusID != craftclient.APMStatusRefunded {
		t.Errorf("after full refund status %d, want refunded", q.StatusID)
	}
}

func TestRoundTripPaywallDeclineAndErrors(t *testing.T) {
	ctx := context.Background()
	pw, recv, cbURL := mustPaywallWithReceiver(t)
	gen, err := pw.APM.GenerateQR(ctx, qrRequest("order-2", cbURL))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(gen.QRDetail.Content+"/decline", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recv.mu.Lock()
	if len(recv.got) != 1 || recv.path[0] != "/cb/fail" || recv.got[0].Success {
		t.Errorf("decline callbacks %v at %v, want one failure", recv.got, recv.path)
	}
	recv.mu.Unlock()
	if q, err := pw.APM.Query(ctx, "order-2"); err != nil || q.StatusID != craftclient.APMStatusFailed {
		t.Errorf("query after decline: %+v, %v", q, err)
	}
	if _, err := pw.APM.Refund(ctx, gen.UniqueCode); err == nil {
		t.Error("refund of a failed payment: want an error")
	}
	if _, err := pw.APM.Query(ctx, "no-such-order"); err == nil {
		t.Error("query unknown: want an error")
	}
}

func TestRoundTripPaywallAuth(t *testing.T) {
	sb := mustSandbox(t, filepath.Join(t.TempDir(), "sb.db"))
	bad := craftclient.NewPaywall(sb.URL+"/sandbox/paywall", "wrong", sandbox.PaywallPublicClient)
	if _, err := bad.APM.List(context.Background(), craftclient.APMListRequest{CurrencyID: 1}); !craftclient.IsAuth(err) {
		t.Errorf("wrong key: %v, want an auth error", err)
	}
}

func BenchmarkSandboxCreateRetrieve(b *testing.B) {
	ctx := context.Background()
	sb := mustSandbox(b, filepath.Join(b.TempDir(), "sb.db"))
	cg := sb.craftgate()
	req := linkRequest("Benchmark link", "10")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := cg.Products.Create(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cg.Products.Retrieve(ctx, p.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// payLink pays a link on the sandbox's hosted page, as a payer's browser
// does, with a card number and installment count.
func payLink(t *testing.T, sb *sandboxServer, token, card string) {
	t.Helper()
	form := url.Values{"name": {"Ayşe Yılmaz"}, "number": {card}, "expiry": {"12/40"}, "cvc": {"123"}, "installment": {"1"}}
	resp, err := http.PostForm(sb.URL+"/sandbox/craftgate/pay/"+token, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("pay %s: got %d, want 200 or 402", card, resp.StatusCode)
	}
}

// TestRoundTripLinkPaymentRefunds pays a link, finds the payment through
// reporting, refunds part of it with RefundPrice and the rest without, and
// reads both refunds back: a partial refund must never refund everything.
func TestRoundTripLinkPaymentRefunds(t *testing.T) {
	ctx := context.Background()
	sb := mustSandbox(t, filepath.Join(t.TempDir(), "sb.db"))
	cg := sb.craftgate()
	link, err := cg.Products.Create(ctx, linkRequest("Çay", "100"))
	if err != nil {
		t.Fatal(err)
	}
	payLink(t, sb, link.Token, "5528790000000008")
	payLink(t, sb, link.Token, "4111111111111129")
	page, err := cg.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{PaymentSource: craftclient.PaymentSourcePayByLink, PaymentStatus: craftclient.PaymentStatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ProductID != link.ID {
		t.Fatalf("successful link payments: got %+v, want one of link %d", page.Items, link.ID)
	}
	id := page.Items[0].ID
	part := amount("30.5")
	first, err := cg.Payments.RefundPayment(ctx, craftclient.PaymentRefundRequest{PaymentID: id, RefundPrice: &part})
	if err != nil {
		t.Fatal(err)
	}
	if !first.RefundPrice.Equal(part.Decimal) {
		t.Fatalf("partial refund: got %s, want 30.5", first.RefundPrice)
	}
	rest, err := cg.Payments.RefundPayment(ctx, craftclient.PaymentRefundRequest{PaymentID: id})
	if err != nil {
		t.Fatal(err)
	}
	if rest.RefundPrice.String() != "69.5" {
		t.Errorf("refund of the rest: got %s, want 69.5", rest.RefundPrice)
	}
	got, err := cg.Payments.RetrieveRefund(ctx, first.ID)
	if err != nil || got.PaymentID != id || !got.RefundPrice.Equal(part.Decimal) {
		t.Errorf("retrieve refund %d: got %+v, %v; want 30.5 of payment %d", first.ID, got, err, id)
	}
	p, err := cg.Payments.RetrievePayment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Refunds) != 2 || p.Refunds[0].ID != first.ID || p.RefundStatus != craftclient.PaymentRefundStatusFullyRefunded || !p.RefundablePrice.IsZero() {
		t.Errorf("payment after refunds: got refunds %+v, status %s, refundable %s", p.Refunds, p.RefundStatus, p.RefundablePrice)
	}
}
