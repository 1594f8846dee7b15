package sandbox_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

// jsonKinds maps each field of a JSON object to the kind of its value ("string",
// "number", "bool", "object", "array" or "null").
func jsonKinds(tb testing.TB, raw json.RawMessage) map[string]string {
	tb.Helper()
	var fields map[string]json.RawMessage
	mustJSON(tb, raw, &fields)
	kinds := make(map[string]string, len(fields))
	for name, v := range fields {
		switch s := strings.TrimSpace(string(v)); {
		case s == "null":
			kinds[name] = "null"
		case strings.HasPrefix(s, `"`):
			kinds[name] = "string"
		case strings.HasPrefix(s, "{"):
			kinds[name] = "object"
		case strings.HasPrefix(s, "["):
			kinds[name] = "array"
		case s == "true" || s == "false":
			kinds[name] = "bool"
		default:
			kinds[name] = "number"
		}
	}
	return kinds
}

// wantKinds checks that raw has exactly the fields of want, each of its kind.
func wantKinds(tb testing.TB, what string, raw json.RawMessage, want map[string]string) {
	tb.Helper()
	got := jsonKinds(tb, raw)
	for name, kind := range want {
		if got[name] != kind {
			tb.Errorf("%s.%s: got %q, want %s", what, name, got[name], kind)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			tb.Errorf("%s: unexpected field %s", what, name)
		}
	}
}

// TestAPMRefundResponseFields: both refund answers carry every field of the SDK's
// ApmRefundResponse, ProviderDummyResponse included, with values of the declared types
// (the .NET SDK's System.Text.Json model rejects null for its int fields).
func TestAPMRefundResponseFields(t *testing.T) {
	receiver := newCallbackReceiver(t, http.StatusOK)
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		name, endpoint, body string
		wantAmount           string
	}{
		{"partial", "/apm/refund/partial", `{"UniqueCode":"$UC","Amount":2.5}`, "2.50"},
		{"rest", "/apm/refund", `{"UniqueCode":"$UC"}`, "10.00"},
	}
	g := mustGenerateQR(t, srv, qrBody("fields-1", receiver.URL))
	mustWallet(t, srv, g.UniqueCode, "pay")
	var refundIDs []int64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := mustPaywall(t, srv, http.MethodPost, tt.endpoint, nil, strings.ReplaceAll(tt.body, "$UC", g.UniqueCode))
			wantKinds(t, "Body", env.Body, map[string]string{
				"ApmKey": "string", "ApmConnectionId": "number", "ApmTransactionId": "number", "UniqueCode": "string",
				"MerchantUniqueCode": "string", "Amount": "number", "ProviderDummyResponse": "object",
			})
			var body struct {
				Amount                json.Number
				ProviderDummyResponse json.RawMessage
			}
			mustJSON(t, env.Body, &body)
			if body.Amount.String() != tt.wantAmount {
				t.Errorf("got Amount %s, want %s", body.Amount, tt.wantAmount)
			}
			wantKinds(t, "ProviderDummyResponse", body.ProviderDummyResponse, map[string]string{
				"ErrorCode": "number", "HttpCode": "number", "Body": "object",
			})
			var provider struct {
				ErrorCode, HttpCode int
				Body                json.RawMessage
			}
			mustJSON(t, body.ProviderDummyResponse, &provider)
			if provider.ErrorCode != 0 || provider.HttpCode != http.StatusOK {
				t.Errorf("got ErrorCode %d HttpCode %d, want 0 200", provider.ErrorCode, provider.HttpCode)
			}
			wantKinds(t, "ProviderDummyResponse.Body", provider.Body, map[string]string{
				"ResponseCode": "number", "ResponseMessage": "string", "MerchantCode": "string", "TerminalCode": "string",
				"SaleRefCode": "string", "TransactionId": "number", "ReturnType": "number",
			})
			var pb struct {
				ResponseCode  int
				SaleRefCode   string
				TransactionID int64 `json:"TransactionId"`
			}
			mustJSON(t, provider.Body, &pb)
			if pb.ResponseCode != 0 || pb.SaleRefCode != g.UniqueCode || pb.TransactionID <= 0 || slices.Contains(refundIDs, pb.TransactionID) {
				t.Errorf("got provider body %s, want ResponseCode 0, SaleRefCode %s and a new TransactionId", provider.Body, g.UniqueCode)
			}
			refundIDs = append(refundIDs, pb.TransactionID)
		})
	}
}
