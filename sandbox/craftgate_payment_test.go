package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

// wirePayment mirrors a payment in payment reporting; pointers expose nulls.
type wirePayment struct {
	ID                           int64
	CreatedDate                  string
	Price, PaidPrice             json.Number
	WalletPrice                  json.Number
	Currency                     string
	BuyerMemberID                *int64 `json:"buyerMemberId"`
	Installment                  int
	ConversationID               *string `json:"conversationId"`
	ExternalID                   *string `json:"externalId"`
	OrderID                      *string `json:"orderId"`
	PaymentType                  string
	PaymentProvider              string
	PaymentSource                string
	PaymentGroup                 string
	PaymentStatus                string
	PaymentPhase                 string
	PaymentChannel               *string
	IsThreeDS                    bool
	MerchantCommissionRate       json.Number
	MerchantCommissionRateAmount json.Number
	BinNumber                    string
	LastFourDigits               string
	AuthCode                     *string
	CardHolderName               string
	CardType                     string
	CardAssociation              *string
	RefundablePrice              json.Number
	RefundStatus                 string
	Refunds                      []wireRefund
	PaymentError                 *struct{ ErrorCode, ErrorDescription, ErrorGroup string }
	ProductID                    int64 `json:"productId"`
}

func mustReportPayment(tb testing.TB, srv *httptest.Server, id int64) wirePayment {
	tb.Helper()
	body := mustCraft(tb, srv, craftReq{target: fmt.Sprintf("/payment-reporting/v1/payments/%d", id)}, http.StatusOK)
	var env struct{ Data *wirePayment }
	mustJSON(tb, body, &env)
	if env.Data == nil {
		tb.Fatalf("no data in %s", body)
	}
	return *env.Data
}

var paymentIDText = regexp.MustCompile(`Payment id: (\d+)`)

// pay posts form to the link's page and returns the status, the page and the id of the
// payment it recorded (0 when none).
func pay(tb testing.TB, srv *httptest.Server, token, form string) (int, string, int64) {
	tb.Helper()
	status, body := postForm(tb, srv, "/sandbox/craftgate/pay/"+token, form)
	var id int64
	if m := paymentIDText.FindStringSubmatch(body); m != nil {
		id, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return status, body, id
}

func paymentCount(tb testing.TB, srv *httptest.Server) int64 {
	tb.Helper()
	return searchPayments(tb, srv, url.Values{}).TotalSize
}

func TestLinkPaymentTestCards(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"Kahve","price":100,"currency":"TRY","enabledInstallments":[1,3],`+
		`"stock":5,"conversationId":"conv-7","externalId":"ext-7","channel":"instagram"}`)
	tests := []struct {
		name, number, installment string
		wantStatus                int
		wantText                  string
		wantPaymentStatus         string
		wantErrorCode, wantGroup  string
		wantSold, wantStock       int64
		wantPaidPrice             string
	}{
		{"success", cardSuccess, "1", 200, "Payment received", "SUCCESS", "", "", 1, 4, "100"},
		{"success in 3 installments", "5528 7900 0000 0008", "3", 200, "Ödemeniz alındı", "SUCCESS", "", "", 2, 3, "102"},
		{"do not honour", cardDoNotHonour, "1", 402, "The transaction has not been approved", "FAILURE", "10005", "DO_NOT_HONOUR", 2, 3, "100"},
		{"insufficient funds", cardInsufficient, "3", 402, "Kart limiti yetersiz", "FAILURE", "10051", "NOT_SUFFICIENT_FUNDS", 2, 3, "102"},
		{"Craftgate's do-not-honour card", "5100560000006669", "1", 402, "İşlem onaylanmadı", "FAILURE", "10005", "DO_NOT_HONOUR", 2, 3, "100"},
		{"unlisted valid card succeeds", "4242424242424242", "1", 200, "Payment received", "SUCCESS", "", "", 3, 2, "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, id := pay(t, srv, link.Token, payForm(tt.number, func(f url.Values) { f.Set("installment", tt.installment) }))
			if status != tt.wantStatus || !strings.Contains(body, tt.wantText) || id == 0 {
				t.Fatalf("got status %d payment %d, want %d with %q: %s", status, id, tt.wantStatus, tt.wantText, body)
			}
			if tt.wantPaymentStatus == "FAILURE" && !strings.Contains(body, `data-testid="pay-form"`) {
				t.Errorf("a declined payer gets no form to try again: %s", body)
			}
			p := mustReportPayment(t, srv, id)
			if p.PaymentStatus != tt.wantPaymentStatus || p.PaidPrice.String() != tt.wantPaidPrice {
				t.Errorf("got status %s paidPrice %s, want %s %s", p.PaymentStatus, p.PaidPrice, tt.wantPaymentStatus, tt.wantPaidPrice)
			}
			gotCode, gotGroup := "", ""
			if p.PaymentError != nil {
				gotCode, gotGroup = p.PaymentError.ErrorCode, p.PaymentError.ErrorGroup
				if p.PaymentError.ErrorDescription == "" {
					t.Errorf("paymentError without a description")
				}
			}
			if gotCode != tt.wantErrorCode || gotGroup != tt.wantGroup {
				t.Errorf("got paymentError %s/%s, want %s/%s", gotCode, gotGroup, tt.wantErrorCode, tt.wantGroup)
			}
			got := mustRetrieveProduct(t, srv, link.ID)
			if got.SoldCount != tt.wantSold || got.Stock == nil || *got.Stock != tt.wantStock {
				t.Errorf("got sold %d stock %v, want %d %d", got.SoldCount, got.Stock, tt.wantSold, tt.wantStock)
			}
		})
	}
}

// TestLinkPaymentFields checks every reporting field of a success and a failure.
func TestLinkPaymentFields(t *testing.T) {
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	link := mustCreateProduct(t, srv, `{"name":"Çay","price":149.90,"currency":"TRY","enabledInstallments":[1,6],`+
		`"stock":1,"orderId":"ORD-9","conversationId":"conv-9","externalId":"ext-9","channel":"web"}`)
	_, _, failed := pay(t, srv, link.Token, payForm(cardInsufficient, func(f url.Values) { f.Set("installment", "6") }))
	_, _, paid := pay(t, srv, link.Token, payForm(cardSuccess, func(f url.Values) { f.Set("name", "  Ali Veli ") }))

	for _, tt := range []struct {
		id                                        int64
		status, paidPrice, refundable, commission string
		rate, holder, refundStatus                string
		installment                               int
		wantError, wantAuthCode                   bool
	}{
		{failed, "FAILURE", "157.4", "0", "7.5", "5", "Ayşe Yılmaz", "NO_REFUND", 6, true, false},
		{paid, "SUCCESS", "149.9", "149.9", "0", "0", "Ali Veli", "NO_REFUND", 1, false, true},
	} {
		t.Run(tt.status, func(t *testing.T) {
			p := mustReportPayment(t, srv, tt.id)
			checks := []struct{ field, got, want string }{
				{"id", fmt.Sprint(p.ID), fmt.Sprint(tt.id)},
				{"createdDate", p.CreatedDate, "2026-03-01T09:30:15"},
				{"price", p.Price.String(), "149.9"},
				{"paidPrice", p.PaidPrice.String(), tt.paidPrice},
				{"walletPrice", p.WalletPrice.String(), "0"},
				{"currency", p.Currency, "TRY"},
				{"buyerMemberId", fmt.Sprint(p.BuyerMemberID), "<nil>"},
				{"installment", fmt.Sprint(p.Installment), fmt.Sprint(tt.installment)},
				{"conversationId", str(p.ConversationID), "conv-9"},
				{"externalId", str(p.ExternalID), "ext-9"},
				{"orderId", str(p.OrderID), "ORD-9"},
				{"productId", fmt.Sprint(p.ProductID), fmt.Sprint(link.ID)},
				{"paymentType", p.PaymentType, "CARD_PAYMENT"},
				{"paymentProvider", p.PaymentProvider, "BANK"},
				{"paymentSource", p.PaymentSource, "PAY_BY_LINK"},
				{"paymentGroup", p.PaymentGroup, "PRODUCT"},
				{"paymentStatus", p.PaymentStatus, tt.status},
				{"paymentPhase", p.PaymentPhase, "AUTH"},
				{"paymentChannel", str(p.PaymentChannel), "web"},
				{"isThreeDS", fmt.Sprint(p.IsThreeDS), "false"},
				{"merchantCommissionRate", p.MerchantCommissionRate.String(), tt.rate},
				{"merchantCommissionRateAmount", p.MerchantCommissionRateAmount.String(), tt.commission},
				{"binNumber", p.BinNumber, map[bool]string{true: "412911", false: "552879"}[tt.wantError]},
				{"lastFourDigits", p.LastFourDigits, map[bool]string{true: "1111", false: "0008"}[tt.wantError]},
				{"cardHolderName", p.CardHolderName, tt.holder},
				{"cardType", p.CardType, "CREDIT_CARD"},
				{"cardAssociation", str(p.CardAssociation), map[bool]string{true: "VISA", false: "MASTER_CARD"}[tt.wantError]},
				{"refundablePrice", p.RefundablePrice.String(), tt.refundable},
				{"refundStatus", p.RefundStatus, tt.refundStatus},
				{"refunds", fmt.Sprint(len(p.Refunds)), "0"},
				{"paymentError", fmt.Sprint(p.PaymentError != nil), fmt.Sprint(tt.wantError)},
				{"authCode", fmt.Sprint(p.AuthCode != nil), fmt.Sprint(tt.wantAuthCode)},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
		})
	}
	t.Run("errorDescription follows lang", func(t *testing.T) {
		body := mustCraft(t, srv, craftReq{target: fmt.Sprintf("/payment-reporting/v1/payments/%d", failed),
			headers: map[string]string{"lang": "en"}}, http.StatusOK)
		if !strings.Contains(string(body), `"errorDescription":"Insufficient card limit, insufficient balance."`) {
			t.Errorf("got %s, want the English description", body)
		}
	})
	t.Run("sold out after the stock's last payment", func(t *testing.T) {
		status, body, id := pay(t, srv, link.Token, payForm(cardSuccess))
		if status != http.StatusConflict || id != 0 || !strings.Contains(body, "sold out") {
			t.Errorf("got status %d payment %d, want 409 and no payment: %s", status, id, body)
		}
	})
}

// Invalid input re-shows the form with a message and records nothing.
func TestLinkPaymentInvalidForm(t *testing.T) {
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1,2],"stock":3}`)
	set := func(k, v string) func(url.Values) { return func(f url.Values) { f.Set(k, v) } }
	tests := []struct {
		name     string
		change   func(url.Values)
		wantText string
	}{
		{"missing name", set("name", "  "), "Kart sahibinin adını girin."},
		{"bad Luhn", set("number", "5528790000000009"), "Enter a valid card number."},
		{"too short", set("number", "42424242424"), "Geçerli bir kart numarası girin."},
		{"letters in number", set("number", "5528-7900-0000-000x"), "Enter a valid card number."},
		{"expiry not a date", set("expiry", "13/30"), "Enter the expiry date as MM/YY."},
		{"expiry without slash, 3 digits", set("expiry", "123"), "Enter the expiry date as MM/YY."},
		{"expired last month", set("expiry", "02/26"), "The card has expired."},
		{"expired long ago, four-digit year", set("expiry", "12/2019"), "Kartın son kullanma tarihi geçmiş."},
		{"CVC too short", set("cvc", "12"), "The CVC must have 3 or 4 digits."},
		{"CVC letters", set("cvc", "12a"), "The CVC must have 3 or 4 digits."},
		{"installment not offered", set("installment", "3"), "Choose an installment this link offers."},
		{"installment missing", func(f url.Values) { f.Del("installment") }, "Choose an installment this link offers."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, id := pay(t, srv, link.Token, payForm(cardSuccess, tt.change))
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tt.wantText) || id != 0 ||
				!strings.Contains(body, `data-testid="pay-form"`) {
				t.Fatalf("got status %d, want 422 with %q and the form again: %s", status, tt.wantText, body)
			}
			if strings.Contains(body, `value="739"`) {
				t.Errorf("the CVC is shown again")
			}
		})
	}
	t.Run("this month's expiry is still valid", func(t *testing.T) {
		if status, body, _ := pay(t, srv, link.Token, payForm(cardSuccess, set("expiry", "03 / 26"))); status != http.StatusOK {
			t.Errorf("got status %d, want 200: %s", status, body)
		}
	})
	if n := paymentCount(t, srv); n != 1 {
		t.Errorf("got %d payments, want only the valid one", n)
	}
	if got := mustRetrieveProduct(t, srv, link.ID); got.SoldCount != 1 {
		t.Errorf("got soldCount %d, want 1", got.SoldCount)
	}
}

// A link that cannot take a payment refuses before the form is read, and records nothing.
func TestLinkPaymentRefusedLinkRecordsNothing(t *testing.T) {
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	passive := mustCreateProduct(t, srv, `{"name":"p","price":1,"currency":"TRY","enabledInstallments":[1]}`)
	mustCraft(t, srv, craftReq{method: http.MethodPut, target: fmt.Sprintf("/craftlink/v1/products/%d", passive.ID),
		body: `{"status":"PASSIVE","name":"p","price":1,"currency":"TRY","enabledInstallments":[1]}`}, http.StatusOK)
	expired := mustCreateProduct(t, srv, `{"name":"e","price":1,"currency":"TRY","enabledInstallments":[1],"expiresAt":"2026-03-01T09:00:00"}`)
	soldOut := mustCreateProduct(t, srv, `{"name":"s","price":1,"currency":"TRY","enabledInstallments":[1],"stock":1}`)
	mustPayLink(t, srv, soldOut.Token)
	tests := []struct {
		name, token string
		wantStatus  int
	}{
		{"passive", passive.Token, http.StatusConflict},
		{"expired", expired.Token, http.StatusGone},
		{"sold out", soldOut.Token, http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, card := range []string{cardSuccess, cardDoNotHonour} {
				status, body, id := pay(t, srv, tt.token, payForm(card))
				if status != tt.wantStatus || id != 0 || strings.Contains(body, "pay-form") {
					t.Errorf("card %s: got status %d payment %d, want %d, no payment, no form", card, status, id, tt.wantStatus)
				}
			}
		})
	}
	if n := paymentCount(t, srv); n != 1 {
		t.Errorf("got %d payments, want only the sold-out link's one", n)
	}
}

// A link without enabledInstallments takes single payments; the page lists the test cards.
func TestLinkPaymentPage(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"n","price":50,"currency":"USD","enabledInstallments":[]}`)
	body := mustGetPage(t, srv, "/sandbox/craftgate/pay/"+link.Token, http.StatusOK)
	for _, want := range []string{`<option value="1">Tek çekim / single payment: 50 USD</option>`,
		cardSuccess, cardDoNotHonour, cardInsufficient, `data-testid="test-cards"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if status, body, _ := pay(t, srv, link.Token, payForm(cardSuccess)); status != http.StatusOK {
		t.Errorf("single payment: got %d, want 200: %s", status, body)
	}
	installments := mustCreateProduct(t, srv, `{"name":"i","price":100,"currency":"TRY","enabledInstallments":[1,3,12]}`)
	body = mustGetPage(t, srv, "/sandbox/craftgate/pay/"+installments.Token, http.StatusOK)
	for _, want := range []string{"3 taksit / 3 installments: 102 TRY", "12 taksit / 12 installments: 111 TRY"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// Payments, their refunds and the links' counts survive re-creating the Sandbox on the
// same database; ids go on where they stopped.
func TestPaymentsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "persist.db")
	first := MustServe(t, sandbox.Config{DB: MustOpenDB(t, path)})
	link := mustCreateProduct(t, first, `{"name":"n","price":20,"currency":"TRY","enabledInstallments":[1],"stock":3}`)
	_, _, paid := pay(t, first, link.Token, payForm(cardSuccess))
	_, _, declined := pay(t, first, link.Token, payForm(cardDoNotHonour))
	rf := decodeRefund(t, refundPayment(t, first, fmt.Sprintf(`{"paymentId":%d,"refundPrice":5}`, paid), http.StatusOK))
	read := func(srv *httptest.Server) []string {
		var out []string
		for _, target := range []string{
			fmt.Sprintf("%s/%d", paymentsPath, paid), fmt.Sprintf("%s/%d", paymentsPath, declined),
			fmt.Sprintf("%s/%d/refunds", paymentsPath, paid), fmt.Sprintf("%s/%d", refundsPath, rf.ID), paymentsPath,
		} {
			out = append(out, string(mustCraft(t, srv, craftReq{target: target}, http.StatusOK)))
		}
		return out
	}
	before := read(first)
	first.Close()

	second := MustServe(t, sandbox.Config{DB: MustOpenDB(t, path)})
	for i, after := range read(second) {
		if after != before[i] {
			t.Errorf("after restart got %s, want %s", after, before[i])
		}
	}
	if got := mustRetrieveProduct(t, second, link.ID); got.SoldCount != 1 || got.Stock == nil || *got.Stock != 2 {
		t.Errorf("got sold %d stock %v, want 1 2", got.SoldCount, got.Stock)
	}
	if _, _, next := pay(t, second, link.Token, payForm(cardSuccess)); next != declined+1 {
		t.Errorf("got next payment id %d, want %d", next, declined+1)
	}
	if got := decodeRefund(t, refundPayment(t, second, fmt.Sprintf(`{"paymentId":%d}`, paid), http.StatusOK)); got.ID != rf.ID+1 || got.RefundPrice != "15" {
		t.Errorf("got refund %d of %s, want %d of the remaining 15", got.ID, got.RefundPrice, rf.ID+1)
	}
}
