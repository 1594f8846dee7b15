package craftclient_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"linkdesk/craftclient"
)

// reportingPaymentJSON is a failed, partly refunded link payment with every
// field the client reads, productId (the sandbox's extension) included.
const reportingPaymentJSON = `{"id":11,"createdDate":"2030-01-02T03:04:05","price":100.00000000,"paidPrice":102.5,` +
	`"walletPrice":0,"currency":"TRY","buyerMemberId":3,"installment":3,"conversationId":"conv-1","externalId":"ext-1",` +
	`"orderId":"o-1","paymentType":"CARD_PAYMENT","paymentProvider":"BANK","paymentSource":"PAY_BY_LINK",` +
	`"paymentGroup":"PRODUCT","paymentStatus":"FAILURE","paymentPhase":"AUTH","paymentChannel":"WEB","isThreeDS":true,` +
	`"binNumber":"552879","lastFourDigits":"0008","cardHolderName":"Ayşe Yılmaz","cardType":"CREDIT_CARD",` +
	`"cardAssociation":"MASTER_CARD","cardBrand":"Bonus","refundStatus":"PARTIAL_REFUNDED","refundablePrice":52.5,` +
	`"paymentError":{"errorCode":"10051","errorDescription":"Kart limiti yetersiz","errorGroup":"NOT_SUFFICIENT_FUNDS"},` +
	`"productId":42,"pos":{"name":"x"},"refunds":[{"id":5,"createdDate":"2030-01-02T04:00:00","status":"SUCCESS",` +
	`"refundPrice":50,"currency":"TRY","paymentId":11,"refundType":"REFUND","paymentType":"CARD_PAYMENT"}]}`

func assertReportingPayment(t *testing.T, p *craftclient.ReportingPayment) {
	t.Helper()
	want := craftclient.ReportingPayment{
		ID: 11, Currency: craftclient.CurrencyTRY, Installment: 3,
		PaymentType: craftclient.PaymentTypeCardPayment, PaymentProvider: craftclient.PaymentProviderBank,
		PaymentSource: craftclient.PaymentSourcePayByLink, PaymentStatus: craftclient.PaymentStatusFailure,
		PaymentChannel: "WEB", ConversationID: "conv-1", ExternalID: "ext-1", OrderID: "o-1", BuyerMemberID: 3,
		IsThreeDS: true, BinNumber: "552879", LastFourDigits: "0008", CardType: craftclient.CardTypeCreditCard,
		CardAssociation: craftclient.CardAssociationMasterCard, CardHolderName: "Ayşe Yılmaz",
		RefundStatus: craftclient.PaymentRefundStatusPartialRefunded, ProductID: 42,
	}
	got := *p
	got.CreatedDate, got.Price, got.PaidPrice, got.RefundablePrice, got.PaymentError = craftclient.DateTime{}, craftclient.Amount{}, craftclient.Amount{}, craftclient.Amount{}, nil
	got.Refunds = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("payment:\n got %+v\nwant %+v", got, want)
	}
	if p.CreatedDate.String() != "2030-01-02T03:04:05" || p.Price.String() != "100.00000000" ||
		p.PaidPrice.String() != "102.5" || p.RefundablePrice.String() != "52.5" {
		t.Errorf("createdDate %s price %s paidPrice %s refundablePrice %s", p.CreatedDate, p.Price, p.PaidPrice, p.RefundablePrice)
	}
	if len(p.Refunds) != 1 || p.Refunds[0].ID != 5 || p.Refunds[0].RefundPrice.String() != "50" || p.Refunds[0].PaymentID != 11 ||
		p.Refunds[0].CreatedDate.String() != "2030-01-02T04:00:00" {
		t.Errorf("refunds: got %+v, want refund 5 of 50", p.Refunds)
	}
	wantErr := craftclient.PaymentError{ErrorCode: "10051", ErrorDescription: "Kart limiti yetersiz", ErrorGroup: "NOT_SUFFICIENT_FUNDS"}
	if p.PaymentError == nil || *p.PaymentError != wantErr {
		t.Errorf("paymentError: got %+v, want %+v", p.PaymentError, wantErr)
	}
}

func TestPaymentsSearchSendsEveryFilter(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":{"items":[`+reportingPaymentJSON+`],"page":1,"size":10,"totalSize":11}}`)
	cg := newTestCraftgate(srv.URL)
	minPaid, maxPaid := mustAmount(t, "10.50"), mustAmount(t, "99")
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2030, 1, 31, 23, 59, 59, 0, time.UTC)
	threeDS := true

	page, err := cg.Payments.SearchPayments(context.Background(), craftclient.PaymentSearchRequest{
		Page: 1, Size: 10, PaymentID: 11, PaymentTransactionID: 12, BuyerMemberID: 3, SubMerchantMemberID: 4,
		ConversationID: "conv 1", ExternalID: "ext&1", OrderID: "o+1",
		PaymentType: craftclient.PaymentTypeCardPayment, PaymentProvider: craftclient.PaymentProviderBank,
		PaymentStatus: craftclient.PaymentStatusSuccess, PaymentSource: craftclient.PaymentSourcePayByLink,
		PaymentChannel: "WEB", BinNumber: "552879", LastFourDigits: "0008", Currency: craftclient.CurrencyTRY,
		MinPaidPrice: &minPaid, MaxPaidPrice: &maxPaid, Installment: 3, IsThreeDS: &threeDS,
		MinCreatedDate: &from, MaxCreatedDate: &to,
	})
	if err != nil {
		t.Fatal(err)
	}
	if page.Page != 1 || page.Size != 10 || page.TotalSize != 11 || len(page.Items) != 1 {
		t.Fatalf("page: got %+v", page)
	}
	assertReportingPayment(t, &page.Items[0])

	r := srv.Last(t)
	want := "/payment-reporting/v1/payments?page=1&size=10&paymentId=11&paymentTransactionId=12&buyerMemberId=3" +
		"&subMerchantMemberId=4&conversationId=conv%201&externalId=ext%261&orderId=o%2B1&paymentType=CARD_PAYMENT" +
		"&paymentProvider=BANK&paymentStatus=SUCCESS&paymentSource=PAY_BY_LINK&paymentChannel=WEB&binNumber=552879" +
		"&lastFourDigits=0008&currency=TRY&minPaidPrice=10.50&maxPaidPrice=99&installment=3&isThreeDS=true" +
		"&minCreatedDate=2030-01-01T00%3A00%3A00&maxCreatedDate=2030-01-31T23%3A59%3A59"
	if r.Method != http.MethodGet || r.RequestURI != want {
		t.Errorf("request:\n got %s %s\nwant GET %s", r.Method, r.RequestURI, want)
	}
	assertSigned(t, srv.URL, r)
}

func TestPaymentSearchRequestEncode(t *testing.T) {
	no, zero := false, craftclient.Amount{}
	tests := []struct {
		name string
		req  craftclient.PaymentSearchRequest
		want string
	}{
		{"empty sends nothing", craftclient.PaymentSearchRequest{}, ""},
		{"page 0 is the default", craftclient.PaymentSearchRequest{Page: 0, Size: 25}, "size=25"},
		{"links only", craftclient.PaymentSearchRequest{PaymentSource: craftclient.PaymentSourcePayByLink}, "paymentSource=PAY_BY_LINK"},
		{"false is a filter", craftclient.PaymentSearchRequest{IsThreeDS: &no}, "isThreeDS=false"},
		{"zero is a bound", craftclient.PaymentSearchRequest{MinPaidPrice: &zero}, "minPaidPrice=0"},
		{"installment 0 is absent", craftclient.PaymentSearchRequest{Installment: 0, PaymentID: 0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.Encode(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPaymentSearchRequestValidate(t *testing.T) {
	lo, hi := mustAmount(t, "10"), mustAmount(t, "5")
	early, late := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		req       craftclient.PaymentSearchRequest
		wantField string
	}{
		{"empty", craftclient.PaymentSearchRequest{}, ""},
		{"negative page", craftclient.PaymentSearchRequest{Page: -1}, "page"},
		{"negative size", craftclient.PaymentSearchRequest{Size: -1}, "size"},
		{"negative payment id", craftclient.PaymentSearchRequest{PaymentID: -1}, "paymentId"},
		{"negative installment", craftclient.PaymentSearchRequest{Installment: -1}, "installment"},
		{"min above max price", craftclient.PaymentSearchRequest{MinPaidPrice: &lo, MaxPaidPrice: &hi}, "minPaidPrice"},
		{"equal prices", craftclient.PaymentSearchRequest{MinPaidPrice: &lo, MaxPaidPrice: &lo}, ""},
		{"min after max date", craftclient.PaymentSearchRequest{MinCreatedDate: &late, MaxCreatedDate: &early}, "minCreatedDate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			var ve *craftclient.ValidationError
			switch {
			case tt.wantField == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tt.wantField != "" && (!errors.As(err, &ve) || ve.Field != tt.wantField):
				t.Errorf("got %v, want ValidationError on %s", err, tt.wantField)
			}
		})
	}
	srv := MustServe(t, http.StatusOK, `{}`)
	if _, err := newTestCraftgate(srv.URL).Payments.SearchPayments(context.Background(), craftclient.PaymentSearchRequest{Page: -1}); !craftclient.IsValidation(err) {
		t.Errorf("SearchPayments: got %v, want a validation error", err)
	}
	if srv.Count() != 0 {
		t.Errorf("an invalid search was sent")
	}
}

func TestPaymentsRetrieve(t *testing.T) {
	srv := MustServe(t, http.StatusOK, `{"data":`+reportingPaymentJSON+`}`)
	cg := newTestCraftgate(srv.URL)
	p, err := cg.Payments.RetrievePayment(context.Background(), 11)
	if err != nil {
		t.Fatal(err)
	}
	assertReportingPayment(t, p)
	r := srv.Last(t)
	if r.Method != http.MethodGet || r.RequestURI != "/payment-reporting/v1/payments/11" || len(r.Body) != 0 {
		t.Errorf("request: got %s %s body %q", r.Method, r.RequestURI, r.Body)
	}
	assertSigned(t, srv.URL, r)

	if _, err := cg.Payments.RetrievePayment(context.Background(), 0); !craftclient.IsValidation(err) {
		t.Errorf("id 0: got %v, want a validation error", err)
	}
}

func TestPaymentsRetrieveMinimal(t *testing.T) {
	// A successful API payment: no paymentError, no productId, no card.
	srv := MustServe(t, http.StatusOK, `{"data":{"id":5,"createdDate":"2030-01-02T03:04:05","price":10,"paidPrice":10,`+
		`"currency":"USD","paymentStatus":"SUCCESS","paymentSource":"API","paymentError":null,"refundStatus":"NOT_REFUNDED"}}`)
	p, err := newTestCraftgate(srv.URL).Payments.RetrievePayment(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if p.PaymentError != nil || p.ProductID != 0 || p.PaymentStatus != craftclient.PaymentStatusSuccess || p.Price.String() != "10" {
		t.Errorf("got %+v", p)
	}
}

func TestPaymentsErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		status    int
		body      string
		call      func(*craftclient.Craftgate) error
		notFound  bool
		malformed bool
		field     string
	}{
		{
			name: "unknown payment", status: http.StatusNotFound,
			body:     `{"errors":{"errorCode":"9001","errorDescription":"Ödeme bulunamadı!"}}`,
			call:     func(cg *craftclient.Craftgate) error { _, err := cg.Payments.RetrievePayment(ctx, 9); return err },
			notFound: true,
		},
		{
			name: "refunds of an unknown payment", status: http.StatusNotFound,
			body:     `{"errors":{"errorCode":"9001","errorDescription":"Payment not found!"}}`,
			call:     func(cg *craftclient.Craftgate) error { _, err := cg.Payments.PaymentRefunds(ctx, 9); return err },
			notFound: true,
		},
		{
			name: "search refused", status: http.StatusUnprocessableEntity,
			body: `{"errors":{"errorCode":"2014","errorDescription":"Invalid search parameter: paymentStatus"}}`,
			call: func(cg *craftclient.Craftgate) error {
				_, err := cg.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{})
				return err
			},
			field: "paymentStatus",
		},
		{
			name: "refund refused", status: http.StatusUnprocessableEntity,
			body: `{"errors":{"errorCode":"2020","errorDescription":"refundPrice exceeds the refundable price!"}}`,
			call: func(cg *craftclient.Craftgate) error {
				_, err := cg.Payments.RefundPayment(ctx, craftclient.PaymentRefundRequest{PaymentID: 1})
				return err
			},
			field: "refundPrice",
		},
		{
			name: "proxy page", status: http.StatusBadGateway, body: "<html>Bad gateway</html>",
			call: func(cg *craftclient.Craftgate) error {
				_, err := cg.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{})
				return err
			},
		},
		{
			name: "no data", status: http.StatusOK, body: `{"data":null}`, malformed: true,
			call: func(cg *craftclient.Craftgate) error { _, err := cg.Payments.RetrievePayment(ctx, 1); return err },
		},
		{
			name: "wrong shape", status: http.StatusOK, body: `{"data":{"items":{}}}`, malformed: true,
			call: func(cg *craftclient.Craftgate) error { _, err := cg.Payments.PaymentRefunds(ctx, 1); return err },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := MustServe(t, tt.status, tt.body)
			err := tt.call(newTestCraftgate(srv.URL))
			var apiErr *craftclient.APIError
			switch {
			case tt.malformed:
				if !errors.Is(err, craftclient.ErrMalformedResponse) {
					t.Fatalf("got %v, want ErrMalformedResponse", err)
				}
				return
			case !errors.As(err, &apiErr) || apiErr.HTTPStatus != tt.status:
				t.Fatalf("got %v, want *APIError with HTTP %d", err, tt.status)
			}
			if craftclient.IsNotFound(err) != tt.notFound {
				t.Errorf("IsNotFound(%v): got %v, want %v", err, !tt.notFound, tt.notFound)
			}
			if apiErr.Field != tt.field {
				t.Errorf("Field: got %q, want %q", apiErr.Field, tt.field)
			}
		})
	}
}
