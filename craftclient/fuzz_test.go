package craftclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
)

// The fuzz targets feed upstream answers and callbacks the providers (or a
// proxy in front of them) could send. The properties are the package's
// promises: no panic, and every failure a typed error a handler can branch
// on. Seeds live in testdata/fuzz/<target>; plain `go test` runs them.

// cannedTransport answers every request with one status and body, in
// memory, so a fuzz iteration opens no socket.
type cannedTransport struct {
	status int
	body   []byte
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: c.status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(c.body)),
		Request:    r,
	}, nil
}

func cannedClient(status int, body []byte) craftclient.Option {
	return craftclient.WithHTTPClient(&http.Client{Transport: cannedTransport{status, body}})
}

// fuzzStatus maps any fuzzed int onto a status line a server can send.
func fuzzStatus(n int) int { return 100 + int(uint(n)%500) }

func is2xx(status int) bool { return status >= 200 && status < 300 }

// checkAnswerError asserts the error contract for an answer with status:
// nil only for 2xx; *APIError for any other status; otherwise (a 2xx the
// client could not read) ErrMalformedResponse.
func checkAnswerError(t *testing.T, call string, status int, body []byte, err error) {
	t.Helper()
	var apiErr *craftclient.APIError
	switch {
	case err == nil:
		if !is2xx(status) {
			t.Fatalf("%s: HTTP %d %q: got no error", call, status, body)
		}
	case errors.As(err, &apiErr):
		if apiErr.HTTPStatus != status {
			t.Fatalf("%s: HTTP %d %q: APIError carries status %d", call, status, body, apiErr.HTTPStatus)
		}
		if apiErr.Error() == "" {
			t.Fatalf("%s: HTTP %d %q: APIError has no text", call, status, body)
		}
	case !is2xx(status):
		t.Fatalf("%s: HTTP %d %q: got %T %v, want *APIError", call, status, body, err, err)
	case !errors.Is(err, craftclient.ErrMalformedResponse):
		t.Fatalf("%s: HTTP %d %q: got %T %v, want ErrMalformedResponse", call, status, body, err, err)
	}
}

// FuzzCraftgateDecode sends arbitrary answers to Retrieve, Search and
// Delete, then checks that a well-formed product envelope built from the
// fuzzed fields always decodes to those fields.
func FuzzCraftgateDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, status int, body []byte, id int64, name string, price string) {
		ctx := context.Background()
		status = fuzzStatus(status)
		cg := craftclient.NewCraftgate("http://craftgate.test", "key", "secret", cannedClient(status, body))

		_, err := cg.Products.Retrieve(ctx, 1)
		checkAnswerError(t, "Retrieve", status, body, err)
		_, err = cg.Products.Search(ctx, craftclient.ProductSearchRequest{Name: name})
		checkAnswerError(t, "Search", status, body, err)
		err = cg.Products.Delete(ctx, 1)
		checkAnswerError(t, "Delete", status, body, err)

		amount, err := craftclient.ParseAmount(price)
		if err != nil {
			amount = craftclient.Amount{} // zero
		}
		valid := mustJSON(t, map[string]any{"data": map[string]any{
			"id": id, "name": name, "price": amount, "currency": "TRY", "status": "ACTIVE",
			"enabledInstallments": []int{1}, "stock": nil, "expiresAt": nil,
		}})
		cg = craftclient.NewCraftgate("http://craftgate.test", "key", "secret", cannedClient(http.StatusOK, valid))
		p, err := cg.Products.Retrieve(ctx, 1)
		if err != nil {
			t.Fatalf("Retrieve(%s): %v", valid, err)
		}
		var wantName string // encoding/json replaces invalid UTF-8 on the way out
		if err := json.Unmarshal(mustJSON(t, name), &wantName); err != nil {
			t.Fatal(err)
		}
		if p.ID != id || p.Name != wantName || !p.Price.Equal(amount.Decimal) {
			t.Fatalf("Retrieve(%s) = id %d name %q price %s", valid, p.ID, p.Name, p.Price)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzPaywallDecode sends arbitrary answers to Query, List and GenerateQR.
func FuzzPaywallDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		ctx := context.Background()
		status = fuzzStatus(status)
		pw := craftclient.NewPaywall("http://paywall.test", "pub", "client", cannedClient(status, body))

		_, err := pw.APM.Query(ctx, "order-1")
		checkAnswerError(t, "Query", status, body, err)
		_, err = pw.APM.List(ctx, craftclient.APMListRequest{CurrencyID: 1})
		checkAnswerError(t, "List", status, body, err)
		_, err = pw.APM.GenerateQR(ctx, craftclient.QRGenerateRequest{
			APMKey: "papara", CurrencyID: 1, MerchantUniqueCode: "order-1",
			Amount: mustAmount(t, "12.50"), Description: "Sipariş",
			MerchantSuccessBackURL: "https://shop.test/ok", MerchantFailBackURL: "https://shop.test/fail",
		})
		checkAnswerError(t, "GenerateQR", status, body, err)
	})
}

var callbackErrors = []error{
	craftclient.ErrCallbackMethod, craftclient.ErrCallbackContentType,
	craftclient.ErrCallbackTooLarge, craftclient.ErrCallbackMalformed,
}

// FuzzParsePaywallCallback posts arbitrary bodies under arbitrary content
// types. Refusals are the package's sentinel errors; an accepted callback
// names a payment, and a hash computed over its own fields verifies.
func FuzzParsePaywallCallback(f *testing.F) {
	f.Fuzz(func(t *testing.T, get bool, contentType string, body []byte) {
		method := http.MethodPost
		if get {
			method = http.MethodGet
		}
		r := httptest.NewRequest(method, "http://shop.test/paywall/callback", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		cb, err := craftclient.ParsePaywallCallback(r)
		if err != nil {
			for _, sentinel := range callbackErrors {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("ParsePaywallCallback(%s, %q, %q): untyped error %v", method, contentType, body, err)
		}
		if cb.MerchantUniqueCode == "" && cb.UniqueCode == "" {
			t.Fatalf("ParsePaywallCallback(%q) accepted %+v, which names no payment", body, cb)
		}
		if cb.Status == "" {
			t.Fatalf("ParsePaywallCallback(%q) accepted %+v without a status", body, cb)
		}
		if cb.VerifyHash("") {
			t.Fatalf("VerifyHash with an empty key succeeded for %+v", cb)
		}
		const key = "fuzz-hash-key"
		cb.Hash = craftclient.PaywallCallbackHash("another-key", cb.APMTransactionID, cb.MerchantUniqueCode, cb.Amount)
		if cb.VerifyHash(key) {
			t.Fatalf("VerifyHash accepted a hash made with another key for %+v", cb)
		}
		cb.Hash = craftclient.PaywallCallbackHash(key, cb.APMTransactionID, cb.MerchantUniqueCode, cb.Amount)
		if !cb.VerifyHash(key) {
			t.Fatalf("VerifyHash refused its own hash for %+v", cb)
		}
	})
}

// FuzzAmountJSON decodes arbitrary bytes as an Amount; whatever it accepts
// must encode as a JSON number that decodes to the same amount and scale.
func FuzzAmountJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var a craftclient.Amount
		if err := a.UnmarshalJSON(data); err != nil {
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal(%s from %q): %v", a, data, err)
		}
		var n json.Number
		if err := json.Unmarshal(out, &n); err != nil {
			t.Fatalf("Amount %q encodes as %s, not a JSON number: %v", data, out, err)
		}
		var back craftclient.Amount
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Amount %q encodes as %s, which does not decode: %v", data, out, err)
		}
		if !back.Equal(a.Decimal) || back.String() != a.String() {
			t.Fatalf("Amount %q: %s encodes as %s, decodes as %s", data, a, out, back)
		}
		// The int64 fast paths must agree with shopspring's general ones.
		if want := a.StringFixed(max(-a.Exponent(), 0)); a.String() != want {
			t.Fatalf("Amount %q: String %q, StringFixed %q", data, a.String(), want)
		}
		if text := bytes.TrimSpace(data); !bytes.ContainsAny(text, `"\`) && string(text) != "null" {
			d, err := decimal.NewFromString(string(text))
			if err != nil || !d.Equal(a.Decimal) || d.Exponent() != a.Exponent() {
				t.Fatalf("Amount %q = %s (exp %d); decimal.NewFromString: %s (exp %d), %v", data, a, a.Exponent(), d, d.Exponent(), err)
			}
		}
	})
}

// FuzzQRDetailKind classifies arbitrary QR content: Kind and Image never
// panic and agree with each other.
func FuzzQRDetailKind(f *testing.F) {
	f.Fuzz(func(t *testing.T, formatType int, content string) {
		d := craftclient.QRDetail{FormatType: formatType, Content: content}
		kind := d.Kind()
		data, mimeType, err := d.Image()
		switch {
		case err != nil && !errors.Is(err, craftclient.ErrNotImage):
			t.Fatalf("Image(%q): untyped error %v", content, err)
		case (err == nil) != (kind == craftclient.QRContentImage):
			t.Fatalf("Kind(%q) = %v but Image error is %v", content, kind, err)
		case err == nil && !strings.HasPrefix(strings.ToLower(mimeType), "image/"):
			t.Fatalf("Image(%q) MIME type %q", content, mimeType)
		case err == nil && data == nil:
			t.Fatalf("Image(%q) returned nil data", content)
		}
	})
}

// parseDateTimeByLayouts is ParseDateTime as it was before its fast path:
// time.Parse with each accepted layout in turn.
func parseDateTimeByLayouts(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{
		"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", craftclient.DateTimeLayout,
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04Z0700", "2006-01-02T15:04",
	} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// FuzzDateTime parses arbitrary date-times: an accepted one prints in the
// wire form and reads back with the same wall clock, through JSON too.
func FuzzDateTime(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		var fromJSON craftclient.DateTime
		_ = fromJSON.UnmarshalJSON([]byte(s)) // raw bytes: must not panic

		d, err := craftclient.ParseDateTime(s)
		if want, wantErr := parseDateTimeByLayouts(s); (err == nil) != (wantErr == nil) ||
			err == nil && (!d.Equal(want) || d.Location().String() != want.Location().String() || d.String() != want.Format(craftclient.DateTimeLayout)) {
			t.Fatalf("ParseDateTime(%q) = %v, %v; time.Parse with the layouts: %v, %v", s, d.Time, err, want, wantErr)
		}
		if err != nil {
			return
		}
		var quoted craftclient.DateTime
		if err := json.Unmarshal(mustJSON(t, s), &quoted); err != nil || !quoted.Equal(d.Time) || quoted.String() != d.String() {
			t.Fatalf("Unmarshal(%q) = %v, %v; ParseDateTime: %v", s, quoted.Time, err, d.Time)
		}
		wall := time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), 0, time.UTC)
		back, err := craftclient.ParseDateTime(d.String())
		if err != nil || !back.Equal(wall) {
			t.Fatalf("ParseDateTime(%q) prints %q, which reads back as %v, %v; want %v", s, d, back, err, wall)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%q): %v", s, err)
		}
		var viaJSON craftclient.DateTime
		if err := json.Unmarshal(b, &viaJSON); err != nil || !viaJSON.Equal(wall) {
			t.Fatalf("ParseDateTime(%q) encodes as %s, which decodes as %v, %v; want %v", s, b, viaJSON, err, wall)
		}
	})
}

// wireProduct is ProductRequest without its MarshalJSON: what
// encoding/json writes for the same fields and tags.
type wireProduct craftclient.ProductRequest

// FuzzProductRequestJSON checks that the hand-written request encoder
// writes byte for byte what encoding/json writes for the same struct
// (with a nil EnabledInstallments sent as []), so the signed body does not
// depend on the encoder.
func FuzzProductRequestJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, description, orderID, channel, status, price string, stock int, multi bool, expires int64, installments []byte) {
		amount, err := craftclient.ParseAmount(price)
		if err != nil {
			amount = craftclient.Amount{}
		}
		r := craftclient.ProductRequest{
			Name: name, Description: description, OrderID: orderID, ConversationID: description + "-c",
			ExternalID: orderID, BasketIdentifier: name, Price: amount, Currency: craftclient.Currency(status),
			Channel: channel, MultiPayment: multi, Status: craftclient.LinkStatus(status),
		}
		if stock != 0 {
			r.Stock = &stock
		}
		if expires != 0 {
			r.ExpiresAt = &craftclient.DateTime{Time: time.Unix(expires%(1<<40), 0).UTC()}
		}
		for _, b := range installments {
			r.EnabledInstallments = append(r.EnabledInstallments, int(int8(b)))
		}
		got, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		w := wireProduct(r)
		if w.EnabledInstallments == nil {
			w.EnabledInstallments = []int{}
		}
		want, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("MarshalJSON:\n got %s\nwant %s", got, want)
		}
	})
}

var webhookErrors = []error{craftclient.ErrWebhookTooLarge, craftclient.ErrWebhookMalformed}

// FuzzParseWebhook parses arbitrary bodies: refusals are the package's
// sentinels; an accepted event names what happened to what, verifies
// under its own signature and under no other key, and stops verifying
// once a signed field changes.
func FuzzParseWebhook(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		ev, err := craftclient.ParseWebhook(body)
		if err != nil {
			for _, sentinel := range webhookErrors {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("ParseWebhook(%q): untyped error %v", body, err)
		}
		if ev.EventType == "" || ev.Status == "" || ev.PayloadID == "" {
			t.Fatalf("ParseWebhook(%q) accepted %+v without a type, status or payload id", body, ev)
		}
		if key == "" {
			key = "fuzz-webhook-key"
		}
		sig := craftclient.WebhookSignature(key, ev)
		if !craftclient.VerifyWebhook(key, sig, ev) {
			t.Fatalf("VerifyWebhook refused its own signature for %+v", ev)
		}
		if craftclient.VerifyWebhook(key+"x", sig, ev) {
			t.Fatalf("VerifyWebhook accepted another key's signature for %+v", ev)
		}
		changed := *ev
		changed.PayloadID += "0"
		if craftclient.VerifyWebhook(key, sig, &changed) {
			t.Fatalf("VerifyWebhook accepted a changed payload id for %+v", ev)
		}
	})
}

// FuzzPaymentDecode sends arbitrary answers to every payment call, then
// checks that a well-formed payment built from the fuzzed fields decodes
// to those fields.
func FuzzPaymentDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, status int, body []byte, id int64, orderID string, paidPrice string) {
		ctx := context.Background()
		status = fuzzStatus(status)
		cg := craftclient.NewCraftgate("http://craftgate.test", "key", "secret", cannedClient(status, body))

		_, err := cg.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{OrderID: orderID})
		checkAnswerError(t, "SearchPayments", status, body, err)
		_, err = cg.Payments.RetrievePayment(ctx, 1)
		checkAnswerError(t, "RetrievePayment", status, body, err)
		_, err = cg.Payments.PaymentRefunds(ctx, 1)
		checkAnswerError(t, "PaymentRefunds", status, body, err)
		_, err = cg.Payments.RefundPayment(ctx, craftclient.PaymentRefundRequest{PaymentID: 1, ConversationID: orderID})
		checkAnswerError(t, "RefundPayment", status, body, err)

		amount, err := craftclient.ParseAmount(paidPrice)
		if err != nil {
			amount = craftclient.Amount{}
		}
		valid := mustJSON(t, map[string]any{"data": map[string]any{"items": []any{map[string]any{
			"id": id, "orderId": orderID, "paidPrice": amount, "createdDate": "2030-01-02T03:04:05",
			"paymentStatus": "SUCCESS", "paymentSource": "PAY_BY_LINK", "paymentError": nil, "productId": id,
		}}, "page": 0, "size": 25, "totalSize": 1}})
		cg = craftclient.NewCraftgate("http://craftgate.test", "key", "secret", cannedClient(http.StatusOK, valid))
		page, err := cg.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{})
		if err != nil {
			t.Fatalf("SearchPayments(%s): %v", valid, err)
		}
		var wantOrderID string // encoding/json replaces invalid UTF-8 on the way out
		if err := json.Unmarshal(mustJSON(t, orderID), &wantOrderID); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 {
			t.Fatalf("SearchPayments(%s) = %d items", valid, len(page.Items))
		}
		p := page.Items[0]
		if p.ID != id || p.ProductID != id || p.OrderID != wantOrderID || !p.PaidPrice.Equal(amount.Decimal) ||
			p.PaymentSource != craftclient.PaymentSourcePayByLink || p.CreatedDate.String() != "2030-01-02T03:04:05" {
			t.Fatalf("SearchPayments(%s) = %+v", valid, p)
		}
	})
}
