package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
)

const (
	apiKey    = "api-key-1"
	secretKey = "secret-key-1"
	productID = 42
)

// productJSON is the product every call answers: the same one
// craftclient's own tests decode, with a price, a date and a stock.
const productJSON = `{"id":42,"name":"Zeytinyağı","description":"Soğuk sıkım","conversationId":"conv-1",` +
	`"externalId":"ext-1","status":"ACTIVE","price":149.90,"currency":"TRY","stock":5,"soldCount":3,` +
	`"token":"3c2f5b0e-0b8e-4c71-9d5e-2f0d6a1e8b77","enabledInstallments":[1,2,3],` +
	`"url":"https://links.example/3c2f5b0e","qrCodeUrl":"https://links.example/3c2f5b0e/qr","channel":"API",` +
	`"multiPayment":false,"expiresAt":"2030-01-02T03:04:05","basketIdentifier":null}`

// paymentsJSON is a page of 25 link payments, as SearchPayments reads it.
var paymentsJSON = func() string {
	const payment = `{"id":%d,"createdDate":"2030-01-02T03:04:05","price":149.90000000,"paidPrice":149.90000000,` +
		`"walletPrice":0,"currency":"TRY","buyerMemberId":0,"installment":1,"conversationId":"conv-1","externalId":"ext-1",` +
		`"orderId":"","paymentType":"CARD_PAYMENT","paymentProvider":"BANK","paymentSource":"PAY_BY_LINK",` +
		`"paymentGroup":"PRODUCT","paymentStatus":"SUCCESS","paymentPhase":"AUTH","paymentChannel":"WEB","isThreeDS":true,` +
		`"binNumber":"552879","lastFourDigits":"0008","cardHolderName":"Ayşe Yılmaz","cardType":"CREDIT_CARD",` +
		`"cardAssociation":"MASTER_CARD","cardBrand":"Bonus","refundStatus":"NOT_REFUNDED","refundablePrice":149.90000000,` +
		`"paymentError":null,"productId":42}`
	items := make([]string, 25)
	for i := range items {
		items[i] = fmt.Sprintf(payment, 1000+i)
	}
	return `{"items":[` + strings.Join(items, ",") + `],"page":0,"size":25,"totalSize":25}`
}()

// cannedServer answers every request 200 with {"data": data}, after
// reading the request body, as a real server would.
func cannedServer(b *testing.B, data string) *httptest.Server {
	b.Helper()
	body := []byte(`{"data":` + data + `}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// httpClient is the one *http.Client both sides send through, so the
// comparison is of client code, not of transport settings: keep-alive,
// no client timeout (a timeout arms a timer per request on both sides
// alike).
func httpClient(b *testing.B) *http.Client {
	b.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func productRequest() craftclient.ProductRequest {
	stock := 5
	return craftclient.ProductRequest{
		Name:                "Zeytinyağı",
		Description:         "Soğuk sıkım",
		ConversationID:      "conv-1",
		Price:               craftclient.NewAmount(decimal.New(14990, -2)),
		Currency:            craftclient.CurrencyTRY,
		Stock:               &stock,
		Channel:             "API",
		ExpiresAt:           &craftclient.DateTime{Time: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		EnabledInstallments: []int{1, 2, 3},
	}
}

// Each benchmark runs twice: over loopback TCP to the httptest server (the
// whole call, as in production) and through an in-memory transport (the
// client code alone, where the ratio to the floor is not diluted by the
// network stack and the server, and where a shared machine's noise
// matters less).
var transports = []struct {
	name  string
	setup func(b *testing.B, data string) (hc *http.Client, baseURL string)
}{
	{"tcp", func(b *testing.B, data string) (*http.Client, string) {
		return httpClient(b), cannedServer(b, data).URL
	}},
	{"mem", func(b *testing.B, data string) (*http.Client, string) {
		return &http.Client{Transport: memTransport(`{"data":` + data + `}`)}, "http://craftgate.test"
	}},
}

func BenchmarkRetrieve(b *testing.B) {
	ctx := context.Background()
	for _, tr := range transports {
		hc, base := tr.setup(b, productJSON)
		for _, f := range floors {
			b.Run("net="+tr.name+"/impl=floor-"+f.name, func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					p, err := floorCall[craftclient.Product](ctx, hc, f.decode, http.MethodGet, base+"/craftlink/v1/products/"+strconv.Itoa(productID), nil)
					if err != nil || p.ID != productID {
						b.Fatal(p, err)
					}
				}
			})
		}
		b.Run("net="+tr.name+"/impl=craftclient", func(b *testing.B) {
			cg := craftclient.NewCraftgate(base, apiKey, secretKey, craftclient.WithHTTPClient(hc))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				p, err := cg.Products.Retrieve(ctx, productID)
				if err != nil || p.ID != productID {
					b.Fatal(p, err)
				}
			}
		})
	}
}

func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	req := productRequest()
	for _, tr := range transports {
		hc, base := tr.setup(b, productJSON)
		for _, f := range floors {
			b.Run("net="+tr.name+"/impl=floor-"+f.name, func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					p, err := floorCall[craftclient.Product](ctx, hc, f.decode, http.MethodPost, base+"/craftlink/v1/products", &req)
					if err != nil || p.ID != productID {
						b.Fatal(p, err)
					}
				}
			})
		}
		b.Run("net="+tr.name+"/impl=craftclient", func(b *testing.B) {
			cg := craftclient.NewCraftgate(base, apiKey, secretKey, craftclient.WithHTTPClient(hc))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				p, err := cg.Products.Create(ctx, req)
				if err != nil || p.ID != productID {
					b.Fatal(p, err)
				}
			}
		})
	}
}

func BenchmarkSearchPayments(b *testing.B) {
	ctx := context.Background()
	req := craftclient.PaymentSearchRequest{PaymentSource: craftclient.PaymentSourcePayByLink, Size: 25}
	for _, tr := range transports {
		hc, base := tr.setup(b, paymentsJSON)
		for _, f := range floors {
			b.Run("net="+tr.name+"/impl=floor-"+f.name, func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					page, err := floorCall[craftclient.PaymentPage](ctx, hc, f.decode, http.MethodGet, base+"/payment-reporting/v1/payments?"+req.Encode(), nil)
					if err != nil || len(page.Items) != 25 {
						b.Fatal(page, err)
					}
				}
			})
		}
		b.Run("net="+tr.name+"/impl=craftclient", func(b *testing.B) {
			cg := craftclient.NewCraftgate(base, apiKey, secretKey, craftclient.WithHTTPClient(hc))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				page, err := cg.Payments.SearchPayments(ctx, req)
				if err != nil || len(page.Items) != 25 {
					b.Fatal(page, err)
				}
			}
		})
	}
}

// memTransport answers every request 200 with body, in memory, after
// reading the request body, with a fresh *http.Response each time as a
// real transport returns.
type memTransport string

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		ContentLength: int64(len(m)),
		Body:          io.NopCloser(strings.NewReader(string(m))),
		Request:       r,
	}, nil
}

// reportCPU adds cpu-ns/op: the process's user+system CPU time per call,
// server included (it is the same for both sides). On a shared machine it
// is steadier than ns/op, which also counts time spent waiting for a core.
// Use as: defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// floors are the two plain ways to decode a response with encoding/json;
// the README reports the faster as the floor.
var floors = []struct {
	name   string
	decode func(io.Reader, any) error
}{
	{"unmarshal", func(r io.Reader, v any) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v)
	}},
	{"decoder", func(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }},
}

// wireProduct is ProductRequest without its MarshalJSON: what encoding/json
// writes for the same fields and tags.
type wireProduct craftclient.ProductRequest

// floorCall is the least a signed Craftgate call does: encode the body (if
// any) with encoding/json, draw a crypto/rand UUID for x-rnd-key, sign the
// URL, keys, random key and body with SHA-256, set the same seven headers,
// send, check the status, and decode {"data": …} into craftclient.Product.
// It leaves out what a client adds for safety: request validation, the
// response size cap, error envelopes, the decoded-URL form of the signed
// URL, logging.
func floorCall[T any](ctx context.Context, hc *http.Client, decode func(io.Reader, any) error, method, rawURL string, in *craftclient.ProductRequest) (*T, error) {
	var body []byte
	var reqBody io.Reader
	if in != nil {
		w := wireProduct(*in)
		if w.EnabledInstallments == nil {
			w.EnabledInstallments = []int{}
		}
		var err error
		if body, err = json.Marshal(w); err != nil {
			return nil, err
		}
		reqBody = bytes.NewReader(body)
	}
	rnd, err := uuid.NewRandom()
	if err != nil {
		return nil, err
	}
	rndKey := rnd.String()
	h := sha256.New()
	h.Write([]byte(rawURL))
	h.Write([]byte(apiKey))
	h.Write([]byte(secretKey))
	h.Write([]byte(rndKey))
	h.Write(body)
	signature := base64.StdEncoding.EncodeToString(h.Sum(nil))

	req, err := http.NewRequestWithContext(ctx, method, rawURL, reqBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("x-rnd-key", rndKey)
	req.Header.Set("x-auth-version", "1")
	req.Header.Set("x-signature", signature)
	req.Header.Set("x-client-version", craftclient.ClientVersion)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, resp.Body) // keep the connection reusable
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var env struct {
		Data *T `json:"data"`
	}
	if err := decode(resp.Body, &env); err != nil {
		return nil, err
	}
	if env.Data == nil {
		return nil, fmt.Errorf("no data")
	}
	return env.Data, nil
}

// The floor must sign what craftclient signs, or it would measure a
// request a real server refuses.
func TestFloorSignsLikeCraftclient(t *testing.T) {
	var got, want string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u, _ := url.PathUnescape("http://" + r.Host + r.RequestURI)
		want = craftclient.Sign(u, apiKey, secretKey, r.Header.Get("x-rnd-key"), b)
		got = r.Header.Get("x-signature")
		io.WriteString(w, `{"data":`+productJSON+`}`)
	}))
	defer srv.Close()
	if _, err := floorCall[craftclient.Product](context.Background(), srv.Client(), floors[0].decode, http.MethodPost, srv.URL+"/craftlink/v1/products", ptr(productRequest())); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("x-signature: got %v, want %v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }
