package craftclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"linkdesk/craftclient"
)

// refundJSON is a REFUND-type answer: no id, one item refund.
const refundJSON = `{"conversationId":"conv-9","createdDate":"2030-01-03T10:00:00","status":"SUCCESS",` +
	`"refundPrice":50,"refundBankPrice":50,"refundWalletPrice":0,"refundType":"REFUND",` +
	`"refundDestinationType":"PROVIDER","authCode":"A1","hostReference":"H1","transId":"T1","currency":"TRY",` +
	`"paymentId":11,"paymentTransactionRefunds":[{"id":21,"conversationId":"conv-9","createdDate":"2030-01-03T10:00:00",` +
	`"status":"SUCCESS","isAfterSettlement":false,"refundPrice":50.00,"refundBankPrice":50,"refundWalletPrice":0,` +
	`"refundDestinationType":"PROVIDER","paymentTransactionId":31,"currency":"TRY","paymentId":11}]}`

func TestRefundPayment(t *testing.T) {
	part := mustAmount(t, "50.00")
	tests := []struct {
		name     string
		req      craftclient.PaymentRefundRequest
		wantBody string
	}{
		{
			name:     "whole payment: Craftgate's documented body",
			req:      craftclient.PaymentRefundRequest{PaymentID: 11},
			wantBody: `{"paymentId":11}`,
		},
		{
			name: "every field",
			req: craftclient.PaymentRefundRequest{
				PaymentID: 11, RefundPrice: &part, ConversationID: "conv-9",
				RefundDestinationType: craftclient.RefundDestinationWallet, ChargeFromMe: true,
			},
			wantBody: `{"paymentId":11,"refundPrice":50.00,"conversationId":"conv-9","refundDestinationType":"WALLET","chargeFromMe":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, http.StatusOK, `{"data":`+refundJSON+`}`)
			ref, err := newTestCraftgate(srv.URL).Payments.RefundPayment(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			r := srv.Last(t)
			if r.Method != http.MethodPost || r.RequestURI != "/payment/v1/refunds" || string(r.Body) != tt.wantBody {
				t.Errorf("request: got %s %s %s, want POST /payment/v1/refunds %s", r.Method, r.RequestURI, r.Body, tt.wantBody)
			}
			assertSigned(t, srv.URL, r)

			if ref.ID != 0 || ref.PaymentID != 11 || ref.Status != craftclient.RefundStatusSuccess ||
				ref.RefundType != craftclient.RefundTypeRefund || ref.RefundDestinationType != craftclient.RefundDestinationProvider ||
				ref.RefundPrice.String() != "50" || ref.Currency != craftclient.CurrencyTRY || ref.ConversationID != "conv-9" ||
				ref.AuthCode != "A1" || ref.HostReference != "H1" || ref.TransID != "T1" || ref.CreatedDate.String() != "2030-01-03T10:00:00" {
				t.Errorf("refund: got %+v", ref)
			}
			if len(ref.TransactionRefunds) != 1 {
				t.Fatalf("transaction refunds: got %+v", ref.TransactionRefunds)
			}
			if tx := ref.TransactionRefunds[0]; tx.ID != 21 || tx.PaymentTransactionID != 31 || tx.RefundPrice.String() != "50.00" || tx.Status != craftclient.RefundStatusSuccess {
				t.Errorf("transaction refund: got %+v", tx)
			}
		})
	}
}

func TestRefundPaymentRejectsInvalidBeforeSending(t *testing.T) {
	zero, negative := craftclient.Amount{}, mustAmount(t, "-1")
	srv := MustServe(t, http.StatusOK, `{"data":`+refundJSON+`}`)
	cg := newTestCraftgate(srv.URL)
	tests := []struct {
		name  string
		req   craftclient.PaymentRefundRequest
		field string
	}{
		{"no payment", craftclient.PaymentRefundRequest{}, "paymentId"},
		{"zero amount", craftclient.PaymentRefundRequest{PaymentID: 1, RefundPrice: &zero}, "refundPrice"},
		{"negative amount", craftclient.PaymentRefundRequest{PaymentID: 1, RefundPrice: &negative}, "refundPrice"},
		{"unknown destination", craftclient.PaymentRefundRequest{PaymentID: 1, RefundDestinationType: "CARD"}, "refundDestinationType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cg.Payments.RefundPayment(context.Background(), tt.req)
			var ve *craftclient.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("got %v, want ValidationError on %s", err, tt.field)
			}
		})
	}
	if _, err := cg.Payments.PaymentRefunds(context.Background(), -1); !craftclient.IsValidation(err) {
		t.Errorf("PaymentRefunds(-1): got %v, want a validation error", err)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestPaymentRefunds(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"items":[`+
		`{"id":1,"createdDate":"2030-01-03T10:00:00","status":"SUCCESS","refundDestinationType":"PROVIDER","refundPrice":20,`+
		`"refundBankPrice":20,"refundWalletPrice":0,"conversationId":"c-1","paymentType":"CARD_PAYMENT","paymentId":11,"paymentError":null},`+
		`{"id":2,"createdDate":"2030-01-04T10:00:00","status":"FAILURE","refundDestinationType":"PROVIDER","refundPrice":30,`+
		`"paymentType":"CARD_PAYMENT","paymentId":11,"paymentError":{"errorCode":"10005","errorDescription":"İşlem onaylanmadı","errorGroup":"DO_NOT_HONOUR"}}]}}`)
	refunds, err := newTestCraftgate(srv.URL).Payments.PaymentRefunds(context.Background(), 11)
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Last(t)
	if r.Method != http.MethodGet || r.RequestURI != "/payment-reporting/v1/payments/11/refunds" {
		t.Errorf("request: got %s %s", r.Method, r.RequestURI)
	}
	assertSigned(t, srv.URL, r)
	if len(refunds) != 2 {
		t.Fatalf("got %d refunds, want 2", len(refunds))
	}
	if got := refunds[0]; got.ID != 1 || got.Status != craftclient.RefundStatusSuccess || got.RefundPrice.String() != "20" ||
		got.PaymentType != craftclient.PaymentTypeCardPayment || got.PaymentError != nil {
		t.Errorf("first: got %+v", got)
	}
	if got := refunds[1]; got.Status != craftclient.RefundStatusFailure || got.PaymentError == nil || got.PaymentError.ErrorGroup != "DO_NOT_HONOUR" {
		t.Errorf("second: got %+v", got)
	}
}

func TestPaymentRefundsEmpty(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"items":[]}}`)
	refunds, err := newTestCraftgate(srv.URL).Payments.PaymentRefunds(context.Background(), 11)
	if err != nil || len(refunds) != 0 {
		t.Errorf("got %v, %v; want no refunds", refunds, err)
	}
}

func TestRetrieveRefund(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"id":7,"createdDate":"2030-01-03T10:00:00","status":"SUCCESS","refundPrice":12.5,"paymentId":11,"refundType":"REFUND"}}`)
	rf, err := newTestCraftgate(srv.URL).Payments.RetrieveRefund(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Last(t)
	if r.Method != http.MethodGet || r.RequestURI != "/payment/v1/refunds/7" {
		t.Errorf("request: got %s %s, want GET /payment/v1/refunds/7", r.Method, r.RequestURI)
	}
	assertSigned(t, srv.URL, r)
	if rf.ID != 7 || rf.PaymentID != 11 || rf.RefundPrice.String() != "12.5" || rf.RefundType != craftclient.RefundTypeRefund {
		t.Errorf("got %+v", rf)
	}
	if _, err := newTestCraftgate(srv.URL).Payments.RetrieveRefund(context.Background(), 0); err == nil {
		t.Error("id 0: got nil error, want a validation error")
	}
}
