package craftclient_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"linkdesk/craftclient"
)

const (
	testAPIKey    = "api-key-1"
	testSecretKey = "secret-key-1"
	// constReader(0xab) through the UUIDv4 version/variant bits.
	testRndKey = "abababab-abab-4bab-abab-abababababab"
)

func TestSignVectors(t *testing.T) {
	// craftgate-notes.md §1.4; every row recomputed against its source.
	tests := []struct {
		name, url, apiKey, secret, rnd, body, want string
	}{
		{"docs example 1", "https://api.craftgate.io/onboarding/v1/members/1", "key-1", "FooBar123!", "Xa15Fp11T", "", "y1TtnjNCJEvlkP5ufCkK3H0i2guMB/bKL4Ayw3VlKWA="},
		{"php no body", "http://localhost:8000/installment/v1/installments", "api-key", "secret-key", "1234", "", "uK7LkWOEzVH+Px/YOiMuSXvPkHLR4KoA7PuykXcYovQ="},
		{"php body", "http://localhost:8000/payment/v1/cards", "api-key", "secret-key", "1234", `{"cardUserKey":"de050909-39a9-473c-a81a-f186dd55cfef"}`, "kQm62AfjXCw6rS6QBCLXta9tV1GqD/SXsAlYP+cEhG8="},
		{"php decoded turkish query", "http://localhost:8000/onboarding/v1/members?name=Zeytinyağı Üretim", "api-key", "secret-key", "1234", "", "vxYA+5LH3F4m8tHQA2LpVBwzVgCqGRHue4XAgcVjjYQ="},
		{"php raw turkish query", "http://localhost:8000/onboarding/v1/members?name=Zeytinya%C4%9F%C4%B1%20%C3%9Cretim", "api-key", "secret-key", "1234", "", "jdOZLGyvTZlA2iKAAMX4OgBkjaTvYLqBmGPlXM4NhLE="},
		{"node query", "http://localhost:8000/foo?foo=42", "dummy", "dummy", "foo", "", "tf0w4o41UCEreJKeQZRHDmJlZr1K2IxG67dMZE5+0gc="},
		{"node body", "https://sandbox-api.craftgate.io", "dummy", "dummy", "123", `{"foo": 42}`, "tAse+e0kJf/+XC6yrM+laeTcszYTH8z7uNc5oZAIGPs="},
		{"dotnet no body", "https://api.craftgate.io/onboarding/v1/members", "api-key", "secret-key", "rand-2010", "", "/IoWMs1tQ329eEC4XoDwQAhYc4eHZKV8bdFYNhrL/BQ="},
		{"dotnet body", "https://api.craftgate.io/onboarding/v1/members", "api-key", "secret-key", "rand-2010", `{"memberExternalId":"ext-1511","name":"Haluk Demir","email":"haluk.demir@example.com","phoneNumber":"905551111111"}`, "9guTlRNDTRRyUsfSyJ8N/gAdNgQgUsL1guzqgG+FzN4="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			if got := craftclient.Sign(tt.url, tt.apiKey, tt.secret, tt.rnd, body); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// newTestCraftgate points a client with deterministic keys at base.
func newTestCraftgate(base string, opts ...craftclient.Option) *craftclient.Craftgate {
	opts = append([]craftclient.Option{craftclient.WithRandom(constReader(0xab))}, opts...)
	return craftclient.NewCraftgate(base, testAPIKey, testSecretKey, opts...)
}

// assertSigned checks the fixed headers and that x-signature is Sign over
// base + the percent-decoded request URI and the exact body received.
func assertSigned(t *testing.T, base string, r capturedRequest) {
	t.Helper()
	wantHeaders := map[string]string{
		"X-Api-Key":        testAPIKey,
		"X-Rnd-Key":        testRndKey,
		"X-Auth-Version":   "1",
		"X-Client-Version": "linkdesk-craftclient:1",
		"Content-Type":     "application/json",
		"Accept":           "application/json",
	}
	for k, want := range wantHeaders {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
	if got := r.Header.Values("Lang"); len(got) != 0 {
		t.Errorf("header lang: got %q, want none", got)
	}
	decoded, err := url.PathUnescape(base + r.RequestURI)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header.Get("X-Signature"), craftclient.Sign(decoded, testAPIKey, testSecretKey, testRndKey, r.Body); got != want {
		t.Errorf("x-signature: got %v, want %v (over %q)", got, want, decoded)
	}
}

func TestCraftgateSignsDecodedURL(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"items":[],"page":0,"size":25,"totalSize":0}}`)
	// A mount prefix in the base URL must survive (string concatenation, not url.ResolveReference).
	base := srv.URL + "/sandbox/craftgate/"
	cg := newTestCraftgate(base)

	if _, err := cg.Products.Search(context.Background(), craftclient.ProductSearchRequest{Name: "Zeytinyağı Üretim"}); err != nil {
		t.Fatal(err)
	}
	r := srv.Last(t)
	if got, want := r.RequestURI, "/sandbox/craftgate/craftlink/v1/products?name=Zeytinya%C4%9F%C4%B1%20%C3%9Cretim"; got != want {
		t.Errorf("request URI: got %v, want %v", got, want)
	}
	signedURL := srv.URL + "/sandbox/craftgate/craftlink/v1/products?name=Zeytinyağı Üretim"
	if got, want := r.Header.Get("X-Signature"), craftclient.Sign(signedURL, testAPIKey, testSecretKey, testRndKey, nil); got != want {
		t.Errorf("x-signature: got %v, want %v", got, want)
	}
}

const productJSON = `{"id":42,"name":"Zeytinyağı","description":"Soğuk sıkım","conversationId":"conv-1",` +
	`"externalId":"ext-1","status":"ACTIVE","price":149.90,"currency":"TRY","stock":5,"soldCount":3,` +
	`"token":"3c2f5b0e-0b8e-4c71-9d5e-2f0d6a1e8b77","enabledInstallments":[1,2,3],` +
	`"url":"https://links.example/3c2f5b0e","qrCodeUrl":"https://links.example/3c2f5b0e/qr","channel":"API",` +
	`"multiPayment":false,"expiresAt":"2030-01-02T03:04:05","basketIdentifier":null}`

func testProductRequest(t *testing.T) craftclient.ProductRequest {
	stock := 5
	return craftclient.ProductRequest{
		Name:                "Zeytinyağı",
		Description:         "Soğuk sıkım",
		ConversationID:      "conv-1",
		Price:               mustAmount(t, "149.90"),
		Currency:            craftclient.CurrencyTRY,
		Stock:               &stock,
		Channel:             "API",
		ExpiresAt:           &craftclient.DateTime{Time: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		EnabledInstallments: []int{1, 2, 3},
	}
}

func assertProduct(t *testing.T, p *craftclient.Product) {
	t.Helper()
	if p.ID != 42 || p.Name != "Zeytinyağı" || p.Status != craftclient.LinkStatusActive ||
		p.Price.String() != "149.90" || p.Currency != craftclient.CurrencyTRY || p.SoldCount != 3 ||
		p.Token != "3c2f5b0e-0b8e-4c71-9d5e-2f0d6a1e8b77" || p.URL != "https://links.example/3c2f5b0e" {
		t.Errorf("product: got %+v", p)
	}
	if p.Stock == nil || *p.Stock != 5 {
		t.Errorf("stock: got %v, want 5", p.Stock)
	}
	if p.QRCodeURL == nil || *p.QRCodeURL != "https://links.example/3c2f5b0e/qr" {
		t.Errorf("qrCodeUrl: got %v", p.QRCodeURL)
	}
	if p.ExpiresAt == nil || p.ExpiresAt.String() != "2030-01-02T03:04:05" {
		t.Errorf("expiresAt: got %v, want 2030-01-02T03:04:05", p.ExpiresAt)
	}
	if got := p.EnabledInstallments; len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Errorf("enabledInstallments: got %v, want [1 2 3]", got)
	}
}

func TestProductsCreate(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":`+productJSON+`}`)
	cg := newTestCraftgate(srv.URL)

	p, err := cg.Products.Create(context.Background(), testProductRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	assertProduct(t, p)

	r := srv.Last(t)
	if r.Method != http.MethodPost || r.RequestURI != "/craftlink/v1/products" {
		t.Errorf("request: got %s %s, want POST /craftlink/v1/products", r.Method, r.RequestURI)
	}
	wantBody := `{"name":"Zeytinyağı","description":"Soğuk sıkım","conversationId":"conv-1","price":149.90,` +
		`"currency":"TRY","stock":5,"channel":"API","expiresAt":"2030-01-02T03:04:05","enabledInstallments":[1,2,3]}`
	if string(r.Body) != wantBody {
		t.Errorf("body:\n got %s\nwant %s", r.Body, wantBody)
	}
	assertSigned(t, srv.URL, r)
}

func TestProductsUpdate(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":`+productJSON+`}`)
	cg := newTestCraftgate(srv.URL)
	req := testProductRequest(t)
	req.Stock, req.ExpiresAt, req.ConversationID = nil, nil, ""
	req.Status = craftclient.LinkStatusPassive

	p, err := cg.Products.Update(context.Background(), 42, req)
	if err != nil {
		t.Fatal(err)
	}
	assertProduct(t, p)
	r := srv.Last(t)
	if r.Method != http.MethodPut || r.RequestURI != "/craftlink/v1/products/42" {
		t.Errorf("request: got %s %s, want PUT /craftlink/v1/products/42", r.Method, r.RequestURI)
	}
	wantBody := `{"name":"Zeytinyağı","description":"Soğuk sıkım","price":149.90,"currency":"TRY",` +
		`"channel":"API","enabledInstallments":[1,2,3],"status":"PASSIVE"}`
	if string(r.Body) != wantBody {
		t.Errorf("body:\n got %s\nwant %s", r.Body, wantBody)
	}
	assertSigned(t, srv.URL, r)
}

func TestProductsRetrieve(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":`+productJSON+`}`)
	cg := newTestCraftgate(srv.URL)

	p, err := cg.Products.Retrieve(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	assertProduct(t, p)
	r := srv.Last(t)
	if r.Method != http.MethodGet || r.RequestURI != "/craftlink/v1/products/42" || len(r.Body) != 0 {
		t.Errorf("request: got %s %s body %q, want GET /craftlink/v1/products/42 without body", r.Method, r.RequestURI, r.Body)
	}
	assertSigned(t, srv.URL, r)
}

func TestProductsRetrieveOptionalFields(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"id":7,"name":"x","status":"PASSIVE","price":1,"currency":"USD",`+
		`"stock":null,"enabledInstallments":[1],"expiresAt":null}}`)
	p, err := newTestCraftgate(srv.URL).Products.Retrieve(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stock != nil || p.ExpiresAt != nil || p.QRCodeURL != nil {
		t.Errorf("got stock %v, expiresAt %v, qrCodeUrl %v, want all nil", p.Stock, p.ExpiresAt, p.QRCodeURL)
	}
}

func TestProductsSearch(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"items":[`+productJSON+`],"page":2,"size":10,"totalSize":21}}`)
	cg := newTestCraftgate(srv.URL)
	minPrice, maxPrice := mustAmount(t, "10"), mustAmount(t, "99.5")
	minExp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	maxExp := time.Date(2030, 12, 31, 23, 59, 59, 0, time.UTC)

	page, err := cg.Products.Search(context.Background(), craftclient.ProductSearchRequest{
		ID: 42, Name: "a&b=c+d", OrderID: "o-1", ConversationID: "c-1", ExternalID: "e-1",
		Channel: "API", Currency: craftclient.CurrencyEUR, MinPrice: &minPrice, MaxPrice: &maxPrice,
		MinExpiresAt: &minExp, MaxExpiresAt: &maxExp, Page: 2, Size: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if page.Page != 2 || page.Size != 10 || page.TotalSize != 21 || len(page.Items) != 1 {
		t.Fatalf("page: got %+v", page)
	}
	assertProduct(t, &page.Items[0])

	r := srv.Last(t)
	want := "/craftlink/v1/products?id=42&name=a%26b%3Dc%2Bd&orderId=o-1&conversationId=c-1&externalId=e-1" +
		"&minPrice=10&maxPrice=99.5&currency=EUR&channel=API&minExpiresAt=2030-01-01T00%3A00%3A00" +
		"&maxExpiresAt=2030-12-31T23%3A59%3A59&page=2&size=10"
	if r.Method != http.MethodGet || r.RequestURI != want {
		t.Errorf("request:\n got %s %s\nwant GET %s", r.Method, r.RequestURI, want)
	}
	assertSigned(t, srv.URL, r)
}

func TestProductsSearchEmptyFilter(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"items":[],"page":0,"size":25,"totalSize":0}}`)
	page, err := newTestCraftgate(srv.URL).Products.Search(context.Background(), craftclient.ProductSearchRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Size != 25 || len(page.Items) != 0 {
		t.Errorf("page: got %+v", page)
	}
	if got := srv.Last(t).RequestURI; got != "/craftlink/v1/products" {
		t.Errorf("request URI: got %v, want /craftlink/v1/products", got)
	}
}

func TestProductsDelete(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr bool
	}{
		{name: "200 empty", status: http.StatusOK},
		{name: "204", status: http.StatusNoContent},
		{name: "data null", status: http.StatusOK, body: `{"data":null}`},
		{name: "200 not JSON", status: http.StatusOK, body: `OK`},
		{name: "200 with errors", status: http.StatusOK, body: `{"errors":{"errorCode":"1","errorDescription":"no"}}`, wantErr: true},
		{name: "404", status: http.StatusNotFound, body: `{"errors":{"errorCode":"5001","errorDescription":"Ürün bulunamadı"}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, tt.status, tt.body)
			err := newTestCraftgate(srv.URL).Products.Delete(context.Background(), 42)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got err %v, want error %v", err, tt.wantErr)
			}
			r := srv.Last(t)
			if r.Method != http.MethodDelete || r.RequestURI != "/craftlink/v1/products/42" || len(r.Body) != 0 {
				t.Errorf("request: got %s %s body %q", r.Method, r.RequestURI, r.Body)
			}
			assertSigned(t, srv.URL, r)
		})
	}
}

func TestCraftgateErrors(t *testing.T) {
	tests := []struct {
		name                 string
		status               int
		body                 string
		want                 craftclient.APIError
		notFound, validation bool
		isAuth               bool
	}{
		{
			name:   "422 envelope with provider error",
			status: http.StatusUnprocessableEntity,
			body: `{"errors":{"errorCode":"10051","errorDescription":"Kart limiti yetersiz","errorGroup":"NOT_SUFFICIENT_FUNDS",` +
				`"providerError":{"errorCode":"51","errorMessage":"Insufficient funds"}}}`,
			want: craftclient.APIError{HTTPStatus: 422, Code: "10051", Description: "Kart limiti yetersiz",
				Group: "NOT_SUFFICIENT_FUNDS", ProviderCode: "51", ProviderMessage: "Insufficient funds"},
			validation: true,
		},
		{
			name:     "404",
			status:   http.StatusNotFound,
			body:     `{"errors":{"errorCode":"9001","errorDescription":"Ödeme bulunamadı!"}}`,
			want:     craftclient.APIError{HTTPStatus: 404, Code: "9001", Description: "Ödeme bulunamadı!"},
			notFound: true,
		},
		{
			name:   "401",
			status: http.StatusUnauthorized,
			body:   `{"errors":{"errorCode":"1","errorDescription":"Signature is not equal!"}}`,
			want:   craftclient.APIError{HTTPStatus: 401, Code: "1", Description: "Signature is not equal!"},
			isAuth: true,
		},
		{
			name:       "numeric code and null description",
			status:     http.StatusBadRequest,
			body:       `{"errors":{"errorCode":4152,"errorDescription":null}}`,
			want:       craftclient.APIError{HTTPStatus: 400, Code: "4152"},
			validation: true,
		},
		{
			name:   "502 HTML from a proxy",
			status: http.StatusBadGateway,
			body:   "<html><body>Bad gateway</body></html>",
			want:   craftclient.APIError{HTTPStatus: 502, Description: "<html><body>Bad gateway</body></html>"},
		},
		{
			name:   "500 empty body",
			status: http.StatusInternalServerError,
			want:   craftclient.APIError{HTTPStatus: 500, Description: "Internal Server Error"},
		},
		{
			name:       "truncated JSON",
			status:     http.StatusBadRequest,
			body:       `{"errors":{"errorCode":"10`,
			want:       craftclient.APIError{HTTPStatus: 400, Description: `{"errors":{"errorCode":"10`},
			validation: true,
		},
		{
			name:   "JSON without envelope",
			status: http.StatusServiceUnavailable,
			body:   `{"message":"maintenance"}`,
			want:   craftclient.APIError{HTTPStatus: 503, Description: `{"message":"maintenance"}`},
		},
		{
			name:   "200 carrying errors",
			status: http.StatusOK,
			body:   `{"errors":{"errorCode":"5000","errorDescription":"Beklenmeyen hata"}}`,
			want:   craftclient.APIError{HTTPStatus: 200, Code: "5000", Description: "Beklenmeyen hata"},
		},
		{
			name:   "long body is cut",
			status: http.StatusBadGateway,
			body:   strings.Repeat("ş", 300),
			want:   craftclient.APIError{HTTPStatus: 502, Description: strings.Repeat("ş", 100) + "…"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, tt.status, tt.body)
			_, err := newTestCraftgate(srv.URL).Products.Retrieve(context.Background(), 42)
			want := tt.want
			want.Provider, want.Method, want.Path = "craftgate", "GET", "/craftlink/v1/products/42"
			checkAPIError(t, err, want, errorKinds{notFound: tt.notFound, validation: tt.validation, auth: tt.isAuth})
		})
	}
}

func TestCraftgateMalformedSuccess(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"empty", ""},
		{"truncated", `{"data":{"id":4`},
		{"data null", `{"data":null}`},
		{"no data", `{}`},
		{"wrong type", `{"data":{"id":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, http.StatusOK, tt.body)
			p, err := newTestCraftgate(srv.URL).Products.Retrieve(context.Background(), 42)
			if err == nil {
				t.Fatalf("got %+v, want error", p)
			}
			var apiErr *craftclient.APIError
			if errors.As(err, &apiErr) || !errors.Is(err, craftclient.ErrMalformedResponse) {
				t.Errorf("got %v, want ErrMalformedResponse", err)
			}
		})
	}
}

func TestCraftgateClientTimeout(t *testing.T) {
	srv, _ := MustServeBlocking(t)
	cg := newTestCraftgate(srv.URL, craftclient.WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))

	_, err := cg.Products.Retrieve(context.Background(), 42)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if !craftclient.IsTimeout(err) {
		t.Errorf("IsTimeout(%v): got false, want true", err)
	}
	if !strings.HasPrefix(err.Error(), "craftclient: GET /craftlink/v1/products/42: ") {
		t.Errorf("got %q, want it to name method and path", err)
	}
}

func TestCraftgateContextCancelled(t *testing.T) {
	srv, started := MustServeBlocking(t)
	cg := newTestCraftgate(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-started
		cancel()
	}()

	_, err := cg.Products.Create(ctx, testProductRequest(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if craftclient.IsTimeout(err) {
		t.Errorf("IsTimeout(%v): got true, want false", err)
	}
}

func TestCraftgateConnectionRefused(t *testing.T) {
	srv := MustServe(t, http.StatusOK, "")
	base := srv.URL
	srv.Close()
	_, err := newTestCraftgate(base).Products.Retrieve(context.Background(), 1)
	var apiErr *craftclient.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Errorf("got %v, want a transport error", err)
	}
}

func TestCraftgateLangAndLogger(t *testing.T) {
	srv := MustServe(t, http.StatusCreated, `{"data":`+productJSON+`}`)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cg := newTestCraftgate(srv.URL, craftclient.WithLang("en"), craftclient.WithLogger(logger))

	if _, err := cg.Products.Create(context.Background(), testProductRequest(t)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Last(t).Header.Get("Lang"); got != "en" {
		t.Errorf("lang header: got %q, want en", got)
	}
	line := logs.String()
	for _, want := range []string{"level=DEBUG", "provider=craftgate", "method=POST", "path=/craftlink/v1/products", "http_status=201", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q: missing %q", line, want)
		}
	}
	for _, secret := range []string{testAPIKey, testSecretKey} {
		if strings.Contains(line, secret) {
			t.Errorf("log %q contains a secret", line)
		}
	}
}

func TestProductsRejectInvalidBeforeSending(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":`+productJSON+`}`)
	cg := newTestCraftgate(srv.URL)
	ctx := context.Background()
	bad := testProductRequest(t)
	bad.Name = " "

	calls := []struct {
		name  string
		call  func() error
		field string
	}{
		{"create", func() error { _, err := cg.Products.Create(ctx, bad); return err }, "name"},
		{"update without status", func() error { _, err := cg.Products.Update(ctx, 1, testProductRequest(t)); return err }, "status"},
		{"update bad id", func() error { _, err := cg.Products.Update(ctx, 0, testProductRequest(t)); return err }, "id"},
		{"retrieve bad id", func() error { _, err := cg.Products.Retrieve(ctx, -1); return err }, "id"},
		{"delete bad id", func() error { return cg.Products.Delete(ctx, 0) }, "id"},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *craftclient.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("got %v, want ValidationError on %s", err, tt.field)
			}
		})
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestProductRequestValidate(t *testing.T) {
	one, zero, two := 1, 0, 2
	tests := []struct {
		name      string
		edit      func(*craftclient.ProductRequest)
		forUpdate bool
		wantField string
	}{
		{name: "valid", edit: func(*craftclient.ProductRequest) {}},
		{name: "valid update", edit: func(r *craftclient.ProductRequest) { r.Status = craftclient.LinkStatusActive }, forUpdate: true},
		{name: "valid with order id", edit: func(r *craftclient.ProductRequest) { r.OrderID, r.Stock = "o-1", &one }},
		{name: "name missing", edit: func(r *craftclient.ProductRequest) { r.Name = "" }, wantField: "name"},
		{name: "price zero", edit: func(r *craftclient.ProductRequest) { r.Price = craftclient.Amount{} }, wantField: "price"},
		{name: "price negative", edit: func(r *craftclient.ProductRequest) { r.Price = mustAmount(t, "-1") }, wantField: "price"},
		{name: "currency unknown", edit: func(r *craftclient.ProductRequest) { r.Currency = "XYZ" }, wantField: "currency"},
		{name: "currency lowercase", edit: func(r *craftclient.ProductRequest) { r.Currency = "try" }, wantField: "currency"},
		{name: "installments empty", edit: func(r *craftclient.ProductRequest) { r.EnabledInstallments = nil }, wantField: "enabledInstallments"},
		{name: "installment 0", edit: func(r *craftclient.ProductRequest) { r.EnabledInstallments = []int{0} }, wantField: "enabledInstallments"},
		{name: "installment 13", edit: func(r *craftclient.ProductRequest) { r.EnabledInstallments = []int{1, 13} }, wantField: "enabledInstallments"},
		{name: "installments duplicated", edit: func(r *craftclient.ProductRequest) { r.EnabledInstallments = []int{3, 3} }, wantField: "enabledInstallments"},
		{name: "stock zero", edit: func(r *craftclient.ProductRequest) { r.Stock = &zero }, wantField: "stock"},
		{name: "order id without stock", edit: func(r *craftclient.ProductRequest) { r.OrderID, r.Stock = "o-1", nil }, wantField: "stock"},
		{name: "order id with stock 2", edit: func(r *craftclient.ProductRequest) { r.OrderID, r.Stock = "o-1", &two }, wantField: "stock"},
		{name: "update without status", edit: func(*craftclient.ProductRequest) {}, forUpdate: true, wantField: "status"},
		{name: "update bad status", edit: func(r *craftclient.ProductRequest) { r.Status = "DELETED" }, forUpdate: true, wantField: "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testProductRequest(t)
			tt.edit(&r)
			err := r.Validate(tt.forUpdate)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var ve *craftclient.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.wantField {
				t.Fatalf("got %v, want ValidationError on %s", err, tt.wantField)
			}
			if !craftclient.IsValidation(err) {
				t.Errorf("IsValidation(%v): got false, want true", err)
			}
		})
	}
}

func TestProductRequestSendsEmptyInstallmentsAsArray(t *testing.T) {
	b, err := (craftclient.ProductRequest{Name: "x", Price: mustAmount(t, "1"), Currency: craftclient.CurrencyTRY}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"x","description":"","price":1,"currency":"TRY","enabledInstallments":[]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestEnums(t *testing.T) {
	cs := craftclient.Currencies()
	if len(cs) != 19 || cs[0] != craftclient.CurrencyTRY || cs[18] != craftclient.CurrencyRON {
		t.Fatalf("Currencies(): got %v", cs)
	}
	seen := map[craftclient.Currency]bool{}
	for _, c := range cs {
		if !c.Valid() || seen[c] {
			t.Errorf("currency %q: valid %v, duplicate %v", c, c.Valid(), seen[c])
		}
		seen[c] = true
	}
	cs[0] = "XXX"
	if craftclient.Currencies()[0] != craftclient.CurrencyTRY {
		t.Error("Currencies() shares its backing array")
	}
	for _, c := range []craftclient.Currency{"try", "XXX", ""} {
		if c.Valid() {
			t.Errorf("Currency(%q).Valid(): got true, want false", c)
		}
	}
	for s, want := range map[craftclient.LinkStatus]bool{"ACTIVE": true, "PASSIVE": true, "active": false, "": false} {
		if got := s.Valid(); got != want {
			t.Errorf("LinkStatus(%q).Valid(): got %v, want %v", s, got, want)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	body := []byte(`{"name":"Zeytinyağı","description":"Soğuk sıkım","price":149.90,"currency":"TRY","enabledInstallments":[1,2,3]}`)
	b.ReportAllocs()
	for b.Loop() {
		craftclient.Sign("https://sandbox-api.craftgate.io/craftlink/v1/products", testAPIKey, testSecretKey, testRndKey, body)
	}
}

func BenchmarkCreateRetrieve(b *testing.B) {
	srv := MustServeCanned(b, `{"data":`+productJSON+`}`)
	cg := craftclient.NewCraftgate(srv.URL, testAPIKey, testSecretKey)
	ctx := context.Background()
	stock := 5
	req := craftclient.ProductRequest{
		Name: "Zeytinyağı", Description: "Soğuk sıkım", Price: mustAmount(b, "149.90"),
		Currency: craftclient.CurrencyTRY, Stock: &stock, EnabledInstallments: []int{1, 2, 3},
	}
	b.ReportAllocs()
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

func TestCraftgateDoesNotFollowRedirects(t *testing.T) {
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		if r.URL.Path == "/elsewhere" {
			io.WriteString(w, `{"data":`+productJSON+`}`)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()

	_, err := newTestCraftgate(srv.URL).Products.Create(context.Background(), testProductRequest(t))
	var apiErr *craftclient.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusFound {
		t.Errorf("got %v, want APIError with HTTP 302", err)
	}
	srv.Close() // waits for handlers, so requests is settled
	if requests != 1 {
		t.Errorf("server got %d requests, want 1", requests)
	}
}

// Signing is on every request; only the returned string may allocate.
func TestSignAllocations(t *testing.T) {
	body := []byte(`{"name":"Zeytinyağı","description":"Soğuk sıkım","price":149.90,"currency":"TRY","enabledInstallments":[1,2,3]}`)
	if n := testing.AllocsPerRun(100, func() {
		craftclient.Sign("https://sandbox-api.craftgate.io/craftlink/v1/products", testAPIKey, testSecretKey, testRndKey, body)
	}); n > 1 {
		t.Errorf("Sign: %v allocations, want at most 1", n)
	}
}
