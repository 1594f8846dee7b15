package craftclient_test

import (
	"context"
	"errors"
	"fmt"
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
