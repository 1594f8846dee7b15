package metrics

import "testing"

func TestOperationFoldsIDs(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/craftlink/v1/products/123", "GET /craftlink/v1/products/:id"},
		{"GET", "/payment-reporting/v1/payments/77/refunds", "GET /payment-reporting/v1/payments/:id/refunds"},
		{"GET", "/craftlink/v1/products", "GET /craftlink/v1/products"},
		{"POST", "/api/paywall/apm/refund/partial", "POST /api/paywall/apm/refund/partial"},
		{"GET", "/craftlink/v1/products/12a", "GET /craftlink/v1/products/12a"},
	}
	for _, tt := range tests {
		if got := Operation(tt.method, tt.path); got != tt.want {
			t.Errorf("Operation(%s, %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
