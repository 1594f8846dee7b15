package craftclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"linkdesk/craftclient"
)

func TestErrorClassification(t *testing.T) {
	cg := func(status int) error {
		return fmt.Errorf("wrapped: %w", &craftclient.APIError{Provider: craftclient.ProviderCraftgate, HTTPStatus: status})
	}
	pw := func(status int, code string) error {
		return &craftclient.APIError{Provider: craftclient.ProviderPaywall, HTTPStatus: status, Code: code}
	}
	tests := []struct {
		name                         string
		err                          error
		notFound, validation, isAuth bool
	}{
		{name: "craftgate 404", err: cg(404), notFound: true},
		{name: "craftgate 422", err: cg(422), validation: true},
		{name: "craftgate 400", err: cg(400), validation: true},
		{name: "craftgate 401", err: cg(401), isAuth: true},
		{name: "craftgate 403", err: cg(403), isAuth: true},
		{name: "craftgate 500", err: cg(500)},
		{name: "paywall 200 header missing", err: pw(200, "4"), isAuth: true},
		{name: "paywall 200 code 401", err: pw(200, "401"), isAuth: true},
		{name: "paywall 401 no envelope", err: pw(401, ""), isAuth: true},
		{name: "paywall 200 transaction not found", err: pw(200, "296"), notFound: true},
		{name: "paywall 200 payment not found", err: pw(200, "56"), notFound: true},
		{name: "paywall 200 merchant code exists", err: pw(200, "119"), validation: true},
		{name: "paywall 200 invalid data", err: pw(200, "2"), validation: true},
		{name: "paywall 200 partial refund too big", err: pw(200, "373"), validation: true},
		{name: "paywall 200 unknown business code", err: pw(200, "548"), validation: true},
		{name: "paywall 200 unsuccessful", err: pw(200, "1")},
		{name: "paywall 200 exception", err: pw(200, "5")},
		{name: "paywall 200 internal", err: pw(200, "500")},
		{name: "paywall 400 no envelope", err: pw(400, ""), validation: true},
		{name: "client-side validation", err: &craftclient.ValidationError{Field: "name", Message: "is required"}, validation: true},
		{name: "plain error", err: errors.New("boom")},
		{name: "nil", err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craftclient.IsNotFound(tt.err); got != tt.notFound {
				t.Errorf("IsNotFound: got %v, want %v", got, tt.notFound)
			}
			if got := craftclient.IsValidation(tt.err); got != tt.validation {
				t.Errorf("IsValidation: got %v, want %v", got, tt.validation)
			}
			if got := craftclient.IsAuth(tt.err); got != tt.isAuth {
				t.Errorf("IsAuth: got %v, want %v", got, tt.isAuth)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *craftclient.Error
		want string
	}{
		{
			name: "full",
			err: &craftclient.Error{
				Provider: "craftgate", HTTPStatus: 422, Code: "10051", Group: "NOT_SUFFICIENT_FUNDS",
				Description: "Kart limiti yetersiz", ProviderCode: "51", ProviderMessage: "Limit",
				Method: "POST", Path: "/craftlink/v1/products",
			},
			want: "craftclient: craftgate POST /craftlink/v1/products: HTTP 422 code 10051 (NOT_SUFFICIENT_FUNDS): Kart limiti yetersiz (provider error 51 Limit)",
		},
		{
			name: "field",
			err: &craftclient.Error{
				Provider: "craftgate", HTTPStatus: 422, Code: "2003", Description: "price must be greater than 0!",
				Method: "POST", Path: "/craftlink/v1/products", Field: "price",
			},
			want: "craftclient: craftgate POST /craftlink/v1/products: HTTP 422 code 2003: price must be greater than 0! (field price)",
		},
		{
			name: "status only",
			err:  &craftclient.Error{Provider: "paywall", HTTPStatus: 502, Description: "Bad Gateway", Method: "GET", Path: "/api/paywall/apm/list"},
			want: "craftclient: paywall GET /api/paywall/apm/list: HTTP 502: Bad Gateway",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

func TestIsTimeout(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{"net timeout", fmt.Errorf("x: %w", netTimeout{}), true},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"api error", &craftclient.APIError{HTTPStatus: 504}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craftclient.IsTimeout(tt.err); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAPIErrorField covers the rule in one place: a validation refusal
// names the request field its description names first (a whole word, any
// case), or that a Turkish alias of the sandbox stands for; nothing else
// gets a field.
func TestAPIErrorField(t *testing.T) {
	create := func(cg *craftclient.Craftgate) error {
		_, err := cg.Products.Create(context.Background(), testProductRequest(t))
		return err
	}
	search := func(cg *craftclient.Craftgate) error {
		_, err := cg.Products.Search(context.Background(), craftclient.ProductSearchRequest{})
		return err
	}
	retrieve := func(cg *craftclient.Craftgate) error {
		_, err := cg.Products.Retrieve(context.Background(), 1)
		return err
	}
	tests := []struct {
		name   string
		call   func(*craftclient.Craftgate) error
		status int
		desc   string
		want   string
	}{
		// The sandbox's English texts (sandbox/craftgate.go, WithLang("en")).
		{"name required", create, 422, "name is required!", "name"},
		{"price positive", create, 422, "price must be greater than 0!", "price"},
		{"currency invalid", create, 422, "currency is not valid!", "currency"},
		{"installments range", create, 422, "enabledInstallments values must be between 1 and 12!", "enabledInstallments"},
		{"stock with order id", create, 422, "stock must be 1 when orderId is given!", "stock"},
		{"status invalid", create, 422, "status must be ACTIVE or PASSIVE!", "status"},
		{"expiresAt invalid", create, 422, "expiresAt is not a valid date-time!", "expiresAt"},
		{"search parameter", search, 422, "Invalid search parameter: minPrice", "minPrice"},
		{"page size", search, 422, "size must be between 1 and 100!", "size"},
		// Its Turkish texts, the default.
		{"tr name", create, 422, "Link adı zorunludur!", "name"},
		{"tr price", create, 422, "Fiyat sıfırdan büyük olmalıdır!", "price"},
		{"tr currency", create, 422, "Geçersiz para birimi!", "currency"},
		{"tr installments", create, 422, "Taksit değerleri tekrar edemez!", "enabledInstallments"},
		{"tr stock with order id", create, 422, "Sipariş numarası gönderildiğinde stok 1 olmalıdır!", "stock"},
		{"tr status", create, 422, "Link durumu ACTIVE veya PASSIVE olmalıdır!", "status"},
		{"tr expiresAt", create, 422, "Geçersiz son geçerlilik tarihi!", "expiresAt"},
		{"tr search parameter", search, 422, "Geçersiz arama parametresi: name", "name"},
		{"tr page size", search, 422, "Sayfa büyüklüğü 1 ile 100 arasında olmalıdır!", "size"},
		// The rule's edges.
		{"any case", create, 400, "PRICE should be positive", "price"},
		{"earliest wins", create, 422, "currency must match the price", "currency"},
		{"whole words only", create, 422, "prices and stocks are off", ""},
		{"not a field of this call", retrieve, 422, "price must be greater than 0!", ""},
		{"no field named", create, 422, "Kart limiti yetersiz", ""},
		{"not a validation refusal", create, 500, "price service is down", ""},
		{"not found", retrieve, 404, "id not found", ""},
		{"2xx carrying errors", create, 200, "price must be greater than 0!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, tt.status, `{"errors":{"errorCode":"2003","errorDescription":"`+tt.desc+`"}}`)
			err := tt.call(newTestCraftgate(srv.URL))
			var apiErr *craftclient.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want *APIError", err)
			}
			if apiErr.Field != tt.want {
				t.Errorf("Field: got %q, want %q", apiErr.Field, tt.want)
			}
			if got := craftclient.ErrorField(fmt.Errorf("wrapped: %w", err)); got != tt.want {
				t.Errorf("ErrorField: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPaywallErrorField(t *testing.T) {
	tests := []struct{ message, want string }{
		{"Amount must be greater than 0 with at most two decimals.", "Amount"},
		{"Tutar sıfırdan büyük olmalı ve en fazla iki ondalık basamak içermelidir.", "Amount"},
		{"MerchantUniqueCode zorunludur.", "MerchantUniqueCode"},
		{"Açıklama zorunludur.", "Description"},
		{"Geçersiz para birimi.", "CurrencyId"},
		{"The request body is not valid JSON.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			srv := MustServe(t, http.StatusOK, `{"ErrorCode":51,"Result":false,"Message":"`+tt.message+`","Body":null}`)
			pw := craftclient.NewPaywall(srv.URL, "pub", "client")
			_, err := pw.APM.GenerateQR(context.Background(), testQRRequest(t))
			if got := craftclient.ErrorField(err); got != tt.want {
				t.Errorf("got %q, want %q (err %v)", got, tt.want, err)
			}
		})
	}
}

func TestErrorFieldOfOtherErrors(t *testing.T) {
	for _, err := range []error{nil, errors.New("boom"), &craftclient.APIError{HTTPStatus: 422}} {
		if got := craftclient.ErrorField(err); got != "" {
			t.Errorf("ErrorField(%v): got %q, want none", err, got)
		}
	}
	if got := craftclient.ErrorField(&craftclient.ValidationError{Field: "price"}); got != "price" {
		t.Errorf("ErrorField(ValidationError): got %q, want price", got)
	}
}
