package sandbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"linkdesk/sandbox"
)

type wirePaymentPage struct {
	Items     []wirePayment
	Page      int
	Size      int
	TotalSize int64
}

const paymentsPath = "/payment-reporting/v1/payments"

func searchPayments(tb testing.TB, srv *httptest.Server, q url.Values) wirePaymentPage {
	tb.Helper()
	body := mustCraft(tb, srv, craftReq{target: paymentsPath + "?" + q.Encode()}, http.StatusOK)
	var env struct{ Data *wirePaymentPage }
	mustJSON(tb, body, &env)
	if env.Data == nil || env.Data.Items == nil {
		tb.Fatalf("no data.items in %s", body)
	}
	return *env.Data
}

func paymentIDs(items []wirePayment) []int64 {
	out := make([]int64, len(items))
	for i, p := range items {
		out[i] = p.ID
	}
	return out
}

// reportingFixture pays three links at one-hour steps and returns the payment ids in
// order: p[0] oldest.
func reportingFixture(t *testing.T) (*httptest.Server, []int64, map[string]wireProduct) {
	t.Helper()
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	links := map[string]wireProduct{
		"A": mustCreateProduct(t, srv, `{"name":"A","price":100,"currency":"TRY","enabledInstallments":[1,3],"conversationId":"conv-a","externalId":"ext-a","channel":"web"}`),
		"B": mustCreateProduct(t, srv, `{"name":"B","price":50,"currency":"TRY","enabledInstallments":[1],"orderId":"ORD-B","stock":1}`),
		"C": mustCreateProduct(t, srv, `{"name":"C","price":100,"currency":"USD","enabledInstallments":[1]}`),
	}
	inst3 := func(f url.Values) { f.Set("installment", "3") }
	steps := []struct {
		link, card string
		change     []func(url.Values)
	}{
		{"A", cardSuccess, nil},
		{"A", cardInsufficient, []func(url.Values){inst3}},
		{"B", cardSuccess, nil},
		{"C", cardSuccess, nil},
		{"A", "4242424242424242", []func(url.Values){inst3}},
	}
	var ids []int64
	for i, st := range steps {
		clk.Set(testStart.Add(time.Duration(i) * time.Hour))
		_, body, id := pay(t, srv, links[st.link].Token, payForm(st.card, st.change...))
		if id == 0 {
			t.Fatalf("step %d: no payment recorded: %s", i, body)
		}
		ids = append(ids, id)
	}
	return srv, ids, links
}

func TestSearchPaymentsFilters(t *testing.T) {
	srv, p, links := reportingFixture(t)
	all := []int64{p[4], p[3], p[2], p[1], p[0]}
	id := func(n int64) string { return fmt.Sprint(n) }
	tests := []struct {
		name  string
		query url.Values
		want  []int64
	}{
		{"no filter, newest first", url.Values{}, all},
		{"paymentId", url.Values{"paymentId": {id(p[2])}}, []int64{p[2]}},
		{"paymentTransactionId is the payment's", url.Values{"paymentTransactionId": {id(p[2])}}, []int64{p[2]}},
		{"buyerMemberId: link payers are no members", url.Values{"buyerMemberId": {"1"}}, []int64{}},
		{"subMerchantMemberId", url.Values{"subMerchantMemberId": {"1"}}, []int64{}},
		{"conversationId copied from the link", url.Values{"conversationId": {"conv-a"}}, []int64{p[4], p[1], p[0]}},
		{"externalId copied from the link", url.Values{"externalId": {"ext-a"}}, []int64{p[4], p[1], p[0]}},
		{"orderId copied from the link", url.Values{"orderId": {"ORD-B"}}, []int64{p[2]}},
		{"paymentType", url.Values{"paymentType": {"CARD_PAYMENT"}}, all},
		{"paymentType other", url.Values{"paymentType": {"APM"}}, []int64{}},
		{"paymentProvider", url.Values{"paymentProvider": {"BANK"}}, all},
		{"paymentStatus FAILURE", url.Values{"paymentStatus": {"FAILURE"}}, []int64{p[1]}},
		{"paymentStatus SUCCESS", url.Values{"paymentStatus": {"SUCCESS"}}, []int64{p[4], p[3], p[2], p[0]}},
		{"paymentSource", url.Values{"paymentSource": {"PAY_BY_LINK"}}, all},
		{"paymentSource other", url.Values{"paymentSource": {"API"}}, []int64{}},
		{"paymentChannel is the link's channel", url.Values{"paymentChannel": {"web"}}, []int64{p[4], p[1], p[0]}},
		{"binNumber", url.Values{"binNumber": {"412911"}}, []int64{p[1]}},
		{"lastFourDigits", url.Values{"lastFourDigits": {"4242"}}, []int64{p[4]}},
		{"currency", url.Values{"currency": {"USD"}}, []int64{p[3]}},
		{"paid price range, inclusive", url.Values{"minPaidPrice": {"100"}, "maxPaidPrice": {"101.000000"}}, []int64{p[3], p[0]}},
		{"minPaidPrice counts the commission", url.Values{"minPaidPrice": {"102"}}, []int64{p[4], p[1]}},
		{"maxPaidPrice", url.Values{"maxPaidPrice": {"50"}}, []int64{p[2]}},
		{"negative minPaidPrice", url.Values{"minPaidPrice": {"-5"}}, all},
		{"installment", url.Values{"installment": {"3"}}, []int64{p[4], p[1]}},
		{"isThreeDS false", url.Values{"isThreeDS": {"FALSE"}}, all},
		{"isThreeDS true", url.Values{"isThreeDS": {"true"}}, []int64{}},
		{"created range, inclusive to the second", url.Values{"minCreatedDate": {"2026-03-01T10:30:15"}, "maxCreatedDate": {"2026-03-01T12:30:15"}}, []int64{p[3], p[2], p[1]}},
		{"created bound with zone", url.Values{"minCreatedDate": {"2026-03-01T15:30:15+03:00"}}, []int64{p[4], p[3]}},
		{"productId, the sandbox's extension", url.Values{"productId": {id(links["B"].ID)}}, []int64{p[2]}},
		{"combined", url.Values{"paymentSource": {"PAY_BY_LINK"}, "productId": {id(links["A"].ID)}, "paymentStatus": {"SUCCESS"}}, []int64{p[4], p[0]}},
		{"empty values are no filter", url.Values{"conversationId": {""}, "currency": {""}, "page": {""}}, all},
		{"unknown parameters are ignored", url.Values{"foo": {"bar"}}, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := searchPayments(t, srv, tt.query)
			if ids := paymentIDs(got.Items); !slices.Equal(ids, tt.want) || got.TotalSize != int64(len(tt.want)) {
				t.Errorf("got %v (totalSize %d), want %v", ids, got.TotalSize, tt.want)
			}
		})
	}
	t.Run("under the sandbox prefix too", func(t *testing.T) {
		body := mustCraft(t, srv, craftReq{target: "/sandbox/craftgate" + paymentsPath + "?paymentStatus=FAILURE"}, http.StatusOK)
		var env struct{ Data wirePaymentPage }
		mustJSON(t, body, &env)
		if ids := paymentIDs(env.Data.Items); !slices.Equal(ids, []int64{p[1]}) {
			t.Errorf("got %v, want [%d]", ids, p[1])
		}
	})
}

func TestSearchPaymentsPaging(t *testing.T) {
	srv, p, _ := reportingFixture(t)
	tests := []struct {
		page, size string
		want       []int64
		wantPage   int
		wantSize   int
	}{
		{"", "", []int64{p[4], p[3], p[2], p[1], p[0]}, 0, 25},
		{"0", "2", []int64{p[4], p[3]}, 0, 2},
		{"1", "2", []int64{p[2], p[1]}, 1, 2},
		{"2", "2", []int64{p[0]}, 2, 2},
		{"3", "2", []int64{}, 3, 2},
		{"9223372036854775807", "100", []int64{}, 9223372036854775807, 100},
	}
	for _, tt := range tests {
		t.Run("page "+tt.page+" size "+tt.size, func(t *testing.T) {
			got := searchPayments(t, srv, url.Values{"page": {tt.page}, "size": {tt.size}})
			if ids := paymentIDs(got.Items); !slices.Equal(ids, tt.want) || got.Page != tt.wantPage || got.Size != tt.wantSize || got.TotalSize != 5 {
				t.Errorf("got %v page %d size %d total %d, want %v page %d size %d total 5",
					ids, got.Page, got.Size, got.TotalSize, tt.want, tt.wantPage, tt.wantSize)
			}
		})
	}
	t.Run("same second: higher id first", func(t *testing.T) {
		srv := MustServe(t, sandbox.Config{})
		link := mustCreateProduct(t, srv, `{"name":"n","price":1,"currency":"TRY","enabledInstallments":[1]}`)
		_, _, first := pay(t, srv, link.Token, payForm(cardSuccess))
		_, _, second := pay(t, srv, link.Token, payForm(cardDoNotHonour))
		if ids := paymentIDs(searchPayments(t, srv, url.Values{}).Items); !slices.Equal(ids, []int64{second, first}) {
			t.Errorf("got %v, want [%d %d]", ids, second, first)
		}
	})
}

func TestPaymentReportingErrors(t *testing.T) {
	srv, p, _ := reportingFixture(t)
	tests := []struct {
		name, method, target string
		wantStatus           int
		wantCode             string
	}{
		{"paymentId not a number", "GET", paymentsPath + "?paymentId=abc", 422, "2014"},
		{"installment not an integer", "GET", paymentsPath + "?installment=1.5", 422, "2014"},
		{"minPaidPrice not a number", "GET", paymentsPath + "?minPaidPrice=ten", 422, "2014"},
		{"minCreatedDate not a date", "GET", paymentsPath + "?minCreatedDate=yesterday", 422, "2014"},
		{"isThreeDS not a bool", "GET", paymentsPath + "?isThreeDS=maybe", 422, "2014"},
		{"currency unknown", "GET", paymentsPath + "?currency=XYZ", 422, "2005"},
		{"page negative", "GET", paymentsPath + "?page=-1", 422, "2014"},
		{"size above 100", "GET", paymentsPath + "?size=101", 422, "2015"},
		{"unknown payment", "GET", paymentsPath + "/999", 404, "9001"},
		{"payment id not a number", "GET", paymentsPath + "/abc", 404, "9001"},
		{"refunds of an unknown payment", "GET", paymentsPath + "/999/refunds", 404, "9001"},
		{"POST to the search", "POST", paymentsPath, 405, "1005"},
		{"DELETE a payment", "DELETE", fmt.Sprintf("%s/%d", paymentsPath, p[0]), 405, "1005"},
		{"unknown reporting endpoint", "GET", "/payment-reporting/v1/refunds", 404, "1006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: tt.method, target: tt.target}, tt.wantStatus)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		body := mustCraft(t, srv, craftReq{target: paymentsPath, secret: "wrong"}, http.StatusUnauthorized)
		if code, _ := craftError(t, body); code != "1000" {
			t.Errorf("got code %s, want 1000", code)
		}
	})
}
