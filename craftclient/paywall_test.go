package craftclient_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"linkdesk/craftclient"
)

const (
	testPublicKey    = "pub-key-1"
	testPublicClient = "pub-client-1"
)

func newTestPaywall(base string, opts ...craftclient.Option) *craftclient.Paywall {
	return craftclient.NewPaywall(base, testPublicKey, testPublicClient, opts...)
}

func paywallOK(body string) string {
	return `{"ErrorCode":0,"Result":true,"Message":"","Body":` + body + `}`
}

func assertPaywallRequest(t *testing.T, r capturedRequest, method, path, body string) {
	t.Helper()
	if r.Method != method || r.RequestURI != path {
		t.Errorf("request: got %s %s, want %s %s", r.Method, r.RequestURI, method, path)
	}
	if string(r.Body) != body {
		t.Errorf("body:\n got %s\nwant %s", r.Body, body)
	}
	for k, want := range map[string]string{
		"apikeypublic": testPublicKey, "apiclientpublic": testPublicClient, "Content-Type": "application/json",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
	if got := r.Header.Values("locale"); len(got) != 0 {
		t.Errorf("header locale: got %q, want none", got)
	}
}

func TestAPMList(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`[{"ProviderId":1,"ProviderKey":"papara","ProviderName":"Papara",`+
		`"CategoryName":"Cüzdan","ConnectionId":62,"ExternalIdSupport":true,"ExternalId":"ext-9",`+
		`"Logo":"https://cdn.example/papara.png","Features":{"OtpBased":false,"QrBased":true,"CheckoutBased":true,"DirectPayBased":false}}]`))
	pw := newTestPaywall(srv.URL + "/")

	got, err := pw.APM.List(context.Background(), craftclient.APMListRequest{
		CurrencyID: 1, ExternalID: "ext-9", FocusedFeature: "qr", DistinctDuplicates: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := craftclient.APMProvider{
		ProviderID: 1, ProviderKey: "papara", ProviderName: "Papara", CategoryName: "Cüzdan", ConnectionID: 62,
		ExternalIDSupport: true, ExternalID: "ext-9", Logo: "https://cdn.example/papara.png",
		Features: craftclient.APMFeatures{QrBased: true, CheckoutBased: true},
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v, want [%+v]", got, want)
	}
	r := srv.Last(t)
	assertPaywallRequest(t, r, http.MethodGet, "/api/paywall/apm/list", "")
	for k, want := range map[string]string{"currencyid": "1", "externalid": "ext-9", "focusedfeature": "qr", "distinctduplicates": "true"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
}

func TestAPMListSendsOnlySetFilters(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`[]`))
	got, err := newTestPaywall(srv.URL).APM.List(context.Background(), craftclient.APMListRequest{CurrencyID: 3})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v, want empty list", got, err)
	}
	r := srv.Last(t)
	if got := r.Header.Get("currencyid"); got != "3" {
		t.Errorf("currencyid: got %q, want 3", got)
	}
	for _, k := range []string{"externalid", "focusedfeature", "distinctduplicates"} {
		if v := r.Header.Values(k); len(v) != 0 {
			t.Errorf("header %s: got %q, want none", k, v)
		}
	}
}

func testQRRequest(t *testing.T) craftclient.QRGenerateRequest {
	return craftclient.QRGenerateRequest{
		APMKey:                 "papara",
		CurrencyID:             1,
		MerchantUniqueCode:     "order-1",
		Amount:                 mustAmount(t, "12.50"),
		Description:            "Zeytinyağı & zeytin",
		MerchantSuccessBackURL: "https://shop.example/ok",
		MerchantFailBackURL:    "https://shop.example/fail",
	}
}

func TestAPMGenerateQR(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`{"ApmKey":"papara","ApmConnectionId":62,"ApmTransactionId":31,`+
		`"UniqueCode":"eed41239-84a2-4ae6-8927-f9aa4ccee94f","MerchantUniqueCode":"order-1","Amount":12.50,`+
		`"QrDetail":{"FormatType":1,"Content":"https://pay.example/qr/eed41239"}}`))
	pw := newTestPaywall(srv.URL)

	got, err := pw.APM.GenerateQR(context.Background(), testQRRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.APMKey != "papara" || got.APMConnectionID != 62 || got.APMTransactionID != 31 ||
		got.UniqueCode != "eed41239-84a2-4ae6-8927-f9aa4ccee94f" || got.MerchantUniqueCode != "order-1" ||
		got.Amount.String() != "12.50" || got.QRDetail.FormatType != 1 ||
		got.QRDetail.Content != "https://pay.example/qr/eed41239" || got.QRDetail.Kind() != craftclient.QRContentURL {
		t.Errorf("got %+v", got)
	}
	wantBody := `{"ApmKey":"papara","ApmConnectionId":null,"CurrencyId":1,"MerchantUniqueCode":"order-1",` +
		`"Amount":12.50,"Description":"Zeytinyağı \u0026 zeytin","Provider":null,"UserRedirectUrl":null,` +
		`"MerchantSuccessBackUrl":"https://shop.example/ok","MerchantFailBackUrl":"https://shop.example/fail"}`
	assertPaywallRequest(t, srv.Last(t), http.MethodPost, "/api/paywall/apm/pay/qr/generate", wantBody)
}

func TestAPMGenerateQRByConnection(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`{"ApmConnectionId":62,"QrDetail":{"FormatType":1,"Content":"x"}}`))
	req := testQRRequest(t)
	conn := 62
	req.APMKey, req.APMConnectionID, req.UserRedirectURL = "", &conn, "https://shop.example/back"
	if _, err := newTestPaywall(srv.URL).APM.GenerateQR(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	body := string(srv.Last(t).Body)
	for _, want := range []string{`"ApmKey":null`, `"ApmConnectionId":62`, `"UserRedirectUrl":"https://shop.example/back"`} {
		if !strings.Contains(body, want) {
			t.Errorf("body %s: missing %s", body, want)
		}
	}
}

func TestQRGenerateRequestValidate(t *testing.T) {
	zero := 0
	tests := []struct {
		name      string
		edit      func(*craftclient.QRGenerateRequest)
		wantField string
	}{
		{name: "valid", edit: func(*craftclient.QRGenerateRequest) {}},
		{name: "no provider", edit: func(r *craftclient.QRGenerateRequest) { r.APMKey = "" }, wantField: "ApmKey"},
		{name: "bad connection", edit: func(r *craftclient.QRGenerateRequest) { r.APMKey, r.APMConnectionID = "", &zero }, wantField: "ApmConnectionId"},
		{name: "no currency", edit: func(r *craftclient.QRGenerateRequest) { r.CurrencyID = 0 }, wantField: "CurrencyId"},
		{name: "no merchant code", edit: func(r *craftclient.QRGenerateRequest) { r.MerchantUniqueCode = "" }, wantField: "MerchantUniqueCode"},
		{name: "zero amount", edit: func(r *craftclient.QRGenerateRequest) { r.Amount = craftclient.Amount{} }, wantField: "Amount"},
		{name: "no description", edit: func(r *craftclient.QRGenerateRequest) { r.Description = " " }, wantField: "Description"},
		{name: "relative success URL", edit: func(r *craftclient.QRGenerateRequest) { r.MerchantSuccessBackURL = "/ok" }, wantField: "MerchantSuccessBackUrl"},
		{name: "no fail URL", edit: func(r *craftclient.QRGenerateRequest) { r.MerchantFailBackURL = "" }, wantField: "MerchantFailBackUrl"},
		{name: "bad redirect URL", edit: func(r *craftclient.QRGenerateRequest) { r.UserRedirectURL = "javascript:alert(1)" }, wantField: "UserRedirectUrl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testQRRequest(t)
			tt.edit(&r)
			err := r.Validate()
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
		})
	}
}

func TestAPMQuery(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`{"ApmConnectionId":62,"ApmProviderKey":"Papara","ApmTransactionId":31,`+
		`"CurrencyId":1,"MerchantUniqueCode":"order-1","UniqueCode":"eed41239","MerchantSuccessBackUrl":"https://shop.example/ok",`+
		`"MerchantFailBackUrl":"https://shop.example/fail","Amount":12.5,"Description":"d","ChannelType":1,"StatusId":1,`+
		`"Status":"Oluşturuldu","TypeId":1,"Type":"Satış","Ip":"::1","DateTime":"2023-09-04T14:47:03.485303"}`))

	got, err := newTestPaywall(srv.URL).APM.Query(context.Background(), "order-1")
	if err != nil {
		t.Fatal(err)
	}
	want := craftclient.APMTransaction{
		APMConnectionID: 62, APMProviderKey: "Papara", APMTransactionID: 31, CurrencyID: 1,
		MerchantUniqueCode: "order-1", UniqueCode: "eed41239", MerchantSuccessBackURL: "https://shop.example/ok",
		MerchantFailBackURL: "https://shop.example/fail", Amount: got.Amount, Description: "d", ChannelType: 1,
		StatusID: craftclient.APMStatusCreated, Status: "Oluşturuldu", TypeID: 1, Type: "Satış", IP: "::1",
		DateTime: craftclient.DateTime{Time: time.Date(2023, 9, 4, 14, 47, 3, 485303000, time.UTC)},
	}
	if *got != want || got.Amount.String() != "12.5" {
		t.Errorf("got %+v,\nwant %+v", *got, want)
	}
	r := srv.Last(t)
	assertPaywallRequest(t, r, http.MethodGet, "/api/paywall/apm/query", "")
	if got := r.Header.Get("merchantuniquecode"); got != "order-1" {
		t.Errorf("merchantuniquecode: got %q, want order-1", got)
	}
}

const refundBody = `{"ApmKey":"papara","ApmConnectionId":62,"ApmTransactionId":31,"UniqueCode":"eed41239",` +
	`"MerchantUniqueCode":"order-1","Amount":5.25,"ProviderDummyResponse":{"ErrorCode":0,"HttpCode":200,"Body":{}}}`

func TestAPMRefund(t *testing.T) {
	tests := []struct {
		name     string
		call     func(*craftclient.APMService) (*craftclient.RefundResponse, error)
		path     string
		wantBody string
	}{
		{
			name: "full",
			call: func(s *craftclient.APMService) (*craftclient.RefundResponse, error) {
				return s.Refund(context.Background(), "eed41239")
			},
			path: "/api/paywall/apm/refund", wantBody: `{"UniqueCode":"eed41239"}`,
		},
		{
			name: "partial",
			call: func(s *craftclient.APMService) (*craftclient.RefundResponse, error) {
				return s.RefundPartial(context.Background(), "eed41239", mustAmount(t, "5.25"))
			},
			path: "/api/paywall/apm/refund/partial", wantBody: `{"UniqueCode":"eed41239","Amount":5.25}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, http.StatusOK, paywallOK(refundBody))
			got, err := tt.call(newTestPaywall(srv.URL).APM)
			if err != nil {
				t.Fatal(err)
			}
			if got.APMTransactionID != 31 || got.UniqueCode != "eed41239" || got.Amount.String() != "5.25" ||
				!strings.Contains(string(got.ProviderDummyResponse), `"HttpCode":200`) {
				t.Errorf("got %+v", got)
			}
			assertPaywallRequest(t, srv.Last(t), http.MethodPost, tt.path, tt.wantBody)
		})
	}
}

func TestAPMRejectsInvalidBeforeSending(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`{}`))
	apm := newTestPaywall(srv.URL).APM
	ctx := context.Background()
	bad := testQRRequest(t)
	bad.MerchantUniqueCode = ""
	calls := []struct {
		name  string
		call  func() error
		field string
	}{
		{"list without currency", func() error { _, err := apm.List(ctx, craftclient.APMListRequest{}); return err }, "currencyid"},
		{"generate", func() error { _, err := apm.GenerateQR(ctx, bad); return err }, "MerchantUniqueCode"},
		{"query", func() error { _, err := apm.Query(ctx, ""); return err }, "merchantuniquecode"},
		{"refund", func() error { _, err := apm.Refund(ctx, " "); return err }, "UniqueCode"},
		{"partial zero", func() error { _, err := apm.RefundPartial(ctx, "u", craftclient.Amount{}); return err }, "Amount"},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			var ve *craftclient.ValidationError
			if err := tt.call(); !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("got %v, want ValidationError on %s", err, tt.field)
			}
		})
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestPaywallErrors(t *testing.T) {
	tests := []struct {
		name                         string
		status                       int
		body                         string
		want                         craftclient.APIError
		notFound, validation, isAuth bool
	}{
		{
			name: "200 Result false", status: 200,
			body:     `{"ErrorCode":296,"Result":false,"Message":"İşlem bulunamadı","Body":null}`,
			want:     craftclient.APIError{HTTPStatus: 200, Code: "296", Description: "İşlem bulunamadı"},
			notFound: true,
		},
		{
			name: "200 header missing", status: 200,
			body:   `{"ErrorCode":4,"Result":false,"Message":"Header missing"}`,
			want:   craftclient.APIError{HTTPStatus: 200, Code: "4", Description: "Header missing"},
			isAuth: true,
		},
		{
			name: "200 business code", status: 200,
			body:       `{"ErrorCode":119,"Result":false,"Message":"Merchant unique code already exists"}`,
			want:       craftclient.APIError{HTTPStatus: 200, Code: "119", Description: "Merchant unique code already exists"},
			validation: true,
		},
		{
			name: "200 code set but Result true", status: 200,
			body:       `{"ErrorCode":2,"Result":true,"Message":"Invalid data"}`,
			want:       craftclient.APIError{HTTPStatus: 200, Code: "2", Description: "Invalid data"},
			validation: true,
		},
		{
			name: "200 Result false without message", status: 200,
			body: `{"ErrorCode":0,"Result":false}`,
			want: craftclient.APIError{HTTPStatus: 200, Code: "0", Description: `{"ErrorCode":0,"Result":false}`},
		},
		{
			name: "401 with envelope", status: 401,
			body:   `{"ErrorCode":401,"Result":false,"Message":"Unauthorized"}`,
			want:   craftclient.APIError{HTTPStatus: 401, Code: "401", Description: "Unauthorized"},
			isAuth: true,
		},
		{
			name: "500 non-JSON", status: 500,
			body: "Internal error",
			want: craftclient.APIError{HTTPStatus: 500, Description: "Internal error"},
		},
		{
			name: "502 empty", status: 502,
			want: craftclient.APIError{HTTPStatus: 502, Description: "Bad Gateway"},
		},
		{
			name: "400 truncated", status: 400,
			body:       `{"ErrorCode":2,"Res`,
			want:       craftclient.APIError{HTTPStatus: 400, Description: `{"ErrorCode":2,"Res`},
			validation: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, tt.status, tt.body)
			_, err := newTestPaywall(srv.URL).APM.Query(context.Background(), "order-1")
			want := tt.want
			want.Provider, want.Method, want.Path = "paywall", "GET", "/api/paywall/apm/query"
			checkAPIError(t, err, want, errorKinds{notFound: tt.notFound, validation: tt.validation, auth: tt.isAuth})
		})
	}
}

func TestPaywallMalformedSuccess(t *testing.T) {
	for _, body := range []string{`{"ErrorCode":0,"Result":tr`, `{"status":"ok"}`, ``, paywallOK(`null`), paywallOK(`"text"`)} {
		t.Run(body, func(t *testing.T) {
			srv := MustServe(t, http.StatusOK, body)
			_, err := newTestPaywall(srv.URL).APM.Query(context.Background(), "order-1")
			var apiErr *craftclient.APIError
			if errors.As(err, &apiErr) || !errors.Is(err, craftclient.ErrMalformedResponse) {
				t.Errorf("got %v, want ErrMalformedResponse", err)
			}
		})
	}
}

func TestPaywallLocaleAndTimeout(t *testing.T) {
	srv := MustServe(t, http.StatusOK, paywallOK(`[]`))
	if _, err := newTestPaywall(srv.URL, craftclient.WithLang("en")).APM.List(context.Background(), craftclient.APMListRequest{CurrencyID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Last(t).Header.Get("locale"); got != "en" {
		t.Errorf("locale: got %q, want en", got)
	}

	blocking, _ := MustServeBlocking(t)
	pw := newTestPaywall(blocking.URL, craftclient.WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))
	_, err := pw.APM.GenerateQR(context.Background(), testQRRequest(t))
	if !errors.Is(err, context.DeadlineExceeded) || !craftclient.IsTimeout(err) {
		t.Errorf("got %v, want a timeout", err)
	}
}

func TestCurrencyID(t *testing.T) {
	tests := []struct {
		c      craftclient.Currency
		want   int
		wantOK bool
	}{
		{craftclient.CurrencyTRY, 1, true},
		{craftclient.CurrencyUSD, 2, true},
		{craftclient.CurrencyEUR, 3, true},
		{craftclient.CurrencyGBP, 0, false},
	}
	for _, tt := range tests {
		if got, ok := craftclient.CurrencyID(tt.c); got != tt.want || ok != tt.wantOK {
			t.Errorf("CurrencyID(%s): got %v %v, want %v %v", tt.c, got, ok, tt.want, tt.wantOK)
		}
	}
}

func mustPNG(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestQRDetailKind(t *testing.T) {
	pngBytes := mustPNG(t)
	b64 := base64.StdEncoding.EncodeToString(pngBytes)
	wrapped := b64[:20] + "\r\n" + b64[20:]
	tests := []struct {
		name     string
		content  string
		want     craftclient.QRContentKind
		wantMIME string
		wantData []byte
	}{
		{name: "https URL", content: "https://pay.example/qr/eed41239", want: craftclient.QRContentURL},
		{name: "http URL padded", content: "  http://localhost:8080/qr/1 ", want: craftclient.QRContentURL},
		{name: "base64 PNG", content: b64, want: craftclient.QRContentImage, wantMIME: "image/png", wantData: pngBytes},
		{name: "wrapped base64 PNG", content: wrapped, want: craftclient.QRContentImage, wantMIME: "image/png", wantData: pngBytes},
		{name: "unpadded base64 PNG", content: strings.TrimRight(b64, "="), want: craftclient.QRContentImage, wantMIME: "image/png", wantData: pngBytes},
		{name: "base64 JPEG", content: base64.StdEncoding.EncodeToString([]byte("\xff\xd8\xff\xe0JFIF")), want: craftclient.QRContentImage, wantMIME: "image/jpeg"},
		{name: "base64 GIF", content: base64.StdEncoding.EncodeToString([]byte("GIF89a\x01\x00")), want: craftclient.QRContentImage, wantMIME: "image/gif"},
		{name: "data URI PNG", content: "data:image/png;base64," + b64, want: craftclient.QRContentImage, wantMIME: "image/png", wantData: pngBytes},
		{name: "data URI SVG", content: "data:image/svg+xml,%3Csvg%2F%3E", want: craftclient.QRContentImage, wantMIME: "image/svg+xml", wantData: []byte("<svg/>")},
		{name: "data URI text", content: "data:text/plain,hello", want: craftclient.QRContentText},
		{name: "EMV payload", content: "00020101021226590014TR.GOV.TCMB.QR0111papara.com5204000053039495406100.005802TR6304ABCD", want: craftclient.QRContentText},
		{name: "base64 of text", content: base64.StdEncoding.EncodeToString([]byte("hello world")), want: craftclient.QRContentText},
		{name: "deep link", content: "papara://pay?code=eed41239", want: craftclient.QRContentText},
		{name: "URL without host", content: "https:///x", want: craftclient.QRContentText},
		{name: "empty", content: "", want: craftclient.QRContentText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := craftclient.QRDetail{FormatType: 2, Content: tt.content}
			if got := d.Kind(); got != tt.want {
				t.Errorf("Kind: got %v, want %v", got, tt.want)
			}
			data, mimeType, err := d.Image()
			if tt.want != craftclient.QRContentImage {
				if !errors.Is(err, craftclient.ErrNotImage) {
					t.Errorf("Image: got %v, want ErrNotImage", err)
				}
				return
			}
			if err != nil || mimeType != tt.wantMIME {
				t.Fatalf("Image: got %q, %v, want %q", mimeType, err, tt.wantMIME)
			}
			if tt.wantData != nil && !bytes.Equal(data, tt.wantData) {
				t.Errorf("Image data: got %x, want %x", data, tt.wantData)
			}
		})
	}
}
