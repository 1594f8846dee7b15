package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"linkdesk/sandbox"
)

// wireRefund mirrors a refund (PaymentRefundResponse, ReportingPaymentRefundResponse).
type wireRefund struct {
	ID                        int64
	CreatedDate               string
	Status                    string
	RefundDestinationType     string
	RefundPrice               json.Number
	RefundBankPrice           json.Number
	RefundWalletPrice         json.Number
	ConversationID            *string `json:"conversationId"`
	AuthCode                  *string
	Currency                  string
	PaymentID                 int64 `json:"paymentId"`
	PaymentType               string
	RefundType                string
	PaymentTransactionRefunds []struct {
		ID                   int64
		RefundPrice          json.Number
		PaymentTransactionID int64 `json:"paymentTransactionId"`
		PaymentID            int64 `json:"paymentId"`
	}
}

const refundsPath = "/payment/v1/refunds"

func refundPayment(tb testing.TB, srv *httptest.Server, body string, wantStatus int) []byte {
	tb.Helper()
	return mustCraft(tb, srv, craftReq{method: http.MethodPost, target: refundsPath, body: body}, wantStatus)
}

func decodeRefund(tb testing.TB, body []byte) wireRefund {
	tb.Helper()
	var env struct{ Data *wireRefund }
	mustJSON(tb, body, &env)
	if env.Data == nil {
		tb.Fatalf("no data in %s", body)
	}
	return *env.Data
}

// TestRefunds refunds one payment in steps: partial, over the rest, the rest, again.
func TestRefunds(t *testing.T) {
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	link := mustCreateProduct(t, srv, `{"name":"n","price":100,"currency":"EUR","enabledInstallments":[1,3]}`)
	_, _, id := pay(t, srv, link.Token, payForm(cardSuccess, func(f url.Values) { f.Set("installment", "3") })) // paid 102
	clk.Set(testStart.Add(24 * time.Hour))
	steps := []struct {
		name, body       string
		wantStatus       int
		wantCode         string
		wantPrice        string
		wantType         string
		wantRefundable   string
		wantRefundStatus string
	}{
		{"partial with a conversationId", `{"paymentId":%d,"refundPrice":40.5,"conversationId":"r-1"}`, 200, "", "40.5", "REFUND", "61.5", "PARTIAL_REFUNDED"},
		{"more than the rest", `{"paymentId":%d,"refundPrice":61.51}`, 422, "3003", "", "", "61.5", "PARTIAL_REFUNDED"},
		{"zero", `{"paymentId":%d,"refundPrice":0}`, 422, "3002", "", "", "61.5", "PARTIAL_REFUNDED"},
		{"the rest to the wallet, as the official clients send it", `{"paymentId":%d,"refundDestinationType":"WALLET","chargeFromMe":false}`, 200, "", "61.5", "REFUND", "0", "FULLY_REFUNDED"},
		{"again", `{"paymentId":%d}`, 422, "3005", "", "", "0", "FULLY_REFUNDED"},
	}
	var refundIDs []int64
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			body := refundPayment(t, srv, fmt.Sprintf(st.body, id), st.wantStatus)
			if st.wantCode != "" {
				if code, _ := craftError(t, body); code != st.wantCode {
					t.Errorf("got code %s, want %s", code, st.wantCode)
				}
			} else {
				rf := decodeRefund(t, body)
				if rf.ID <= 0 || rf.PaymentID != id || rf.Status != "SUCCESS" || rf.RefundPrice.String() != st.wantPrice ||
					rf.RefundType != st.wantType || rf.Currency != "EUR" || rf.CreatedDate != "2026-03-02T09:30:15" {
					t.Errorf("got %s, want a SUCCESS %s refund of %s EUR for payment %d", body, st.wantType, st.wantPrice, id)
				}
				if len(rf.PaymentTransactionRefunds) != 1 || rf.PaymentTransactionRefunds[0].PaymentTransactionID != id ||
					rf.PaymentTransactionRefunds[0].RefundPrice != rf.RefundPrice {
					t.Errorf("got paymentTransactionRefunds %+v, want the one transaction's refund", rf.PaymentTransactionRefunds)
				}
				refundIDs = append(refundIDs, rf.ID)
				if got := decodeRefund(t, mustCraft(t, srv, craftReq{target: fmt.Sprintf("%s/%d", refundsPath, rf.ID)}, 200)); got.ID != rf.ID || got.RefundPrice != rf.RefundPrice {
					t.Errorf("GET refund %d: got %+v", rf.ID, got)
				}
			}
			p := mustReportPayment(t, srv, id)
			if p.RefundablePrice.String() != st.wantRefundable || p.RefundStatus != st.wantRefundStatus {
				t.Errorf("after: got refundablePrice %s refundStatus %s, want %s %s", p.RefundablePrice, p.RefundStatus, st.wantRefundable, st.wantRefundStatus)
			}
		})
	}

	body := mustCraft(t, srv, craftReq{target: fmt.Sprintf("%s/%d/refunds", paymentsPath, id)}, http.StatusOK)
	var env struct {
		Data struct {
			Items     []wireRefund
			TotalSize *int64
		}
	}
	mustJSON(t, body, &env)
	if len(env.Data.Items) != 2 || env.Data.TotalSize != nil {
		t.Fatalf("payment refunds: got %s, want two items and no paging fields", body)
	}
	checks := []struct{ field, got, want string }{
		{"first id", fmt.Sprint(env.Data.Items[0].ID), fmt.Sprint(refundIDs[0])},
		{"first conversationId", str(env.Data.Items[0].ConversationID), "r-1"},
		{"first destination", env.Data.Items[0].RefundDestinationType, "PROVIDER"},
		{"first bank price", env.Data.Items[0].RefundBankPrice.String(), "40.5"},
		{"first paymentType", env.Data.Items[0].PaymentType, "CARD_PAYMENT"},
		{"second destination", env.Data.Items[1].RefundDestinationType, "WALLET"},
		{"second wallet price", env.Data.Items[1].RefundWalletPrice.String(), "61.5"},
		{"second bank price", env.Data.Items[1].RefundBankPrice.String(), "0"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
		}
	}
	if p := mustReportPayment(t, srv, id); len(p.Refunds) != 2 {
		t.Errorf("payment in reporting: got %d refunds, want 2", len(p.Refunds))
	}
}

func TestRefundRules(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	_, _, failed := pay(t, srv, link.Token, payForm(cardDoNotHonour))
	_, _, paid := pay(t, srv, link.Token, payForm(cardSuccess))
	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		wantCode                   string
	}{
		{"failed payment", "POST", refundsPath, fmt.Sprintf(`{"paymentId":%d}`, failed), 422, "3004"},
		{"unknown payment", "POST", refundsPath, `{"paymentId":999}`, 404, "9001"},
		{"paymentId missing", "POST", refundsPath, `{"refundPrice":1}`, 422, "3001"},
		{"paymentId zero", "POST", refundsPath, `{"paymentId":0}`, 422, "3001"},
		{"negative amount", "POST", refundsPath, fmt.Sprintf(`{"paymentId":%d,"refundPrice":-1}`, paid), 422, "3002"},
		{"unknown destination", "POST", refundsPath, fmt.Sprintf(`{"paymentId":%d,"refundDestinationType":"BANK"}`, paid), 422, "3006"},
		{"malformed JSON", "POST", refundsPath, `{"paymentId":`, 400, "1003"},
		{"amount of the wrong type", "POST", refundsPath, fmt.Sprintf(`{"paymentId":%d,"refundPrice":"all"}`, paid), 400, "1003"},
		{"GET the collection", "GET", refundsPath, "", 405, "1005"},
		{"unknown refund", "GET", refundsPath + "/999", "", 404, "9002"},
		{"refund id not a number", "GET", refundsPath + "/x", "", 404, "9002"},
		{"PUT a refund", "PUT", refundsPath + "/1", "{}", 405, "1005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: tt.method, target: tt.target, body: tt.body}, tt.wantStatus)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}
	t.Run("whole payment on its day cancels it", func(t *testing.T) {
		rf := decodeRefund(t, refundPayment(t, srv, fmt.Sprintf(`{"paymentId":%d,"refundDestinationType":"CARD"}`, paid), 200))
		if rf.RefundType != "CANCEL" || rf.RefundPrice != "10" || rf.RefundDestinationType != "CARD" {
			t.Errorf("got type %s price %s destination %s, want CANCEL 10 CARD", rf.RefundType, rf.RefundPrice, rf.RefundDestinationType)
		}
	})
	t.Run("under the sandbox prefix too", func(t *testing.T) {
		_, _, again := pay(t, srv, link.Token, payForm(cardSuccess))
		mustCraft(t, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate" + refundsPath,
			body: fmt.Sprintf(`{"paymentId":%d,"refundPrice":1}`, again)}, http.StatusOK)
	})
	if got := mustRetrieveProduct(t, srv, link.ID); got.SoldCount != 2 {
		t.Errorf("got soldCount %d after refunds, want 2 (refunds leave it)", got.SoldCount)
	}
}

// Concurrent refunds of one payment never refund more than it took.
func TestRefundsConcurrent(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	_, _, id := pay(t, srv, link.Token, payForm(cardSuccess))
	got := concurrently(8, func() string {
		return craftOutcome(srv, refundsPath, fmt.Sprintf(`{"paymentId":%d,"refundPrice":3}`, id))
	})
	if got["HTTP 200"] != 3 || got["HTTP 422"] != 5 {
		t.Errorf("got %v, want 3×200 (9 of 10) and 5×422", got)
	}
	if p := mustReportPayment(t, srv, id); p.RefundablePrice != "1" {
		t.Errorf("got refundablePrice %s, want 1", p.RefundablePrice)
	}
}

// craftOutcome POSTs a signed body without t.Fatal, so goroutines may call it.
func craftOutcome(srv *httptest.Server, target, body string) string {
	req, err := http.NewRequest(http.MethodPost, srv.URL+target, strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("x-api-key", sandbox.CraftgateAPIKey)
	req.Header.Set("x-rnd-key", "c")
	req.Header.Set("x-auth-version", "1")
	req.Header.Set("x-signature", sign(srv.URL+target, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, "c", body))
	resp, err := srv.Client().Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return fmt.Sprintf("HTTP %d", resp.StatusCode)
}
