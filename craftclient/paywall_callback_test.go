package craftclient_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"linkdesk/craftclient"
)

const testHashKey = "apm-hash-key-1"

func TestPaywallCallbackHash(t *testing.T) {
	sum := sha256.Sum256([]byte("apm-hash-key-1###31###order-1###12.50"))
	want := hex.EncodeToString(sum[:])
	if got := craftclient.PaywallCallbackHash(testHashKey, "31", "order-1", "12.50"); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	// The amount is hashed as text: "12.5" is a different payment string.
	if craftclient.PaywallCallbackHash(testHashKey, "31", "order-1", "12.5") == want {
		t.Error("12.5 and 12.50 hash the same, want different")
	}
}

func formCallback(values url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/paywall/ok", strings.NewReader(values.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestParsePaywallCallbackForm(t *testing.T) {
	hash := craftclient.PaywallCallbackHash(testHashKey, "31", "order-1", "12.50")
	tests := []struct {
		name   string
		status string
		want   bool
	}{
		{"true", "true", true},
		{"False", "False", false},
		{"Success", "Success", true},
		{"UNSUCCESSFUL", "UNSUCCESSFUL", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := formCallback(url.Values{
				"date": {"2023-09-04T14:47:03.485303"}, "status": {tt.status}, "errorCode": {"0"},
				"errorMessage": {""}, "uniqueCode": {"eed41239"}, "merchantUniqueCode": {"order-1"},
				"amount": {"12.50"}, "apmTransactionId": {"31"}, "hash": {hash},
			})
			cb, err := craftclient.ParsePaywallCallback(r)
			if err != nil {
				t.Fatal(err)
			}
			want := craftclient.PaywallCallback{
				Date: "2023-09-04T14:47:03.485303", Status: tt.status, ErrorCode: "0", UniqueCode: "eed41239",
				MerchantUniqueCode: "order-1", Amount: "12.50", APMTransactionID: "31", Hash: hash, Success: tt.want,
			}
			if *cb != want {
				t.Errorf("got %+v,\nwant %+v", *cb, want)
			}
			if !cb.VerifyHash(testHashKey) {
				t.Error("VerifyHash: got false, want true")
			}
		})
	}
}

func TestParsePaywallCallbackJSON(t *testing.T) {
	hash := craftclient.PaywallCallbackHash(testHashKey, "31", "order-1", "12.50")
	body := `{"id":31,"RESULT":false,"ResultMessage":"Unsuccessful","CurrencyId":1,"ApmProviderId":1,` +
		`"ApmProviderName":"Papara","Amount":12.50,"UniqueCode":"eed41239","merchantUniqueCode":"order-1",` +
		`"Hash":"` + hash + `","HashFormat":null,"CallbackAddress":"https://shop.example/cb","Date":"2023-09-04T14:47:03"}`
	r := httptest.NewRequest(http.MethodPost, "/paywall/callback", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")

	cb, err := craftclient.ParsePaywallCallback(r)
	if err != nil {
		t.Fatal(err)
	}
	want := craftclient.PaywallCallback{
		Date: "2023-09-04T14:47:03", Status: "Unsuccessful", UniqueCode: "eed41239", MerchantUniqueCode: "order-1",
		Amount: "12.50", APMTransactionID: "31", Hash: hash, Success: false, Server: true,
	}
	if *cb != want {
		t.Errorf("got %+v,\nwant %+v", *cb, want)
	}
	if !cb.VerifyHash(testHashKey) {
		t.Error("VerifyHash: got false, want true")
	}
}

func TestParsePaywallCallbackSniffsMissingContentType(t *testing.T) {
	tests := []struct {
		name, body string
		wantServer bool
	}{
		{"json", `{"Id":1,"Result":true,"MerchantUniqueCode":"m"}`, true},
		{"form", `status=true&merchantUniqueCode=m`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/cb", strings.NewReader(tt.body))
			cb, err := craftclient.ParsePaywallCallback(r)
			if err != nil {
				t.Fatal(err)
			}
			if cb.Server != tt.wantServer || !cb.Success || cb.MerchantUniqueCode != "m" {
				t.Errorf("got %+v", cb)
			}
		})
	}
}

func TestParsePaywallCallbackErrors(t *testing.T) {
	tests := []struct {
		name, method, contentType, body string
		want                            error
	}{
		{"GET", http.MethodGet, "", "", craftclient.ErrCallbackMethod},
		{"multipart", http.MethodPost, "multipart/form-data; boundary=x", "--x--", craftclient.ErrCallbackContentType},
		{"bad content type", http.MethodPost, "text/", "", craftclient.ErrCallbackContentType},
		{"too large", http.MethodPost, "application/x-www-form-urlencoded", "status=true&x=" + strings.Repeat("a", craftclient.MaxCallbackBytes), craftclient.ErrCallbackTooLarge},
		{"no status", http.MethodPost, "application/x-www-form-urlencoded", "merchantUniqueCode=m", craftclient.ErrCallbackMalformed},
		{"odd status", http.MethodPost, "application/x-www-form-urlencoded", "status=maybe&merchantUniqueCode=m", craftclient.ErrCallbackMalformed},
		{"no codes", http.MethodPost, "application/x-www-form-urlencoded", "status=true", craftclient.ErrCallbackMalformed},
		{"bad form", http.MethodPost, "application/x-www-form-urlencoded", "status=%zz", craftclient.ErrCallbackMalformed},
		{"truncated JSON", http.MethodPost, "application/json", `{"Result":tr`, craftclient.ErrCallbackMalformed},
		{"JSON array", http.MethodPost, "application/json", `[1]`, craftclient.ErrCallbackMalformed},
		{"JSON nested value", http.MethodPost, "application/json", `{"Result":true,"Amount":{"v":1},"UniqueCode":"u"}`, craftclient.ErrCallbackMalformed},
		{"JSON no result", http.MethodPost, "application/json", `{"UniqueCode":"u"}`, craftclient.ErrCallbackMalformed},
		{"empty body", http.MethodPost, "application/json", ``, craftclient.ErrCallbackMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/cb", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			cb, err := craftclient.ParsePaywallCallback(r)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %+v, %v, want %v", cb, err, tt.want)
			}
		})
	}
}

func TestPaywallCallbackVerifyHash(t *testing.T) {
	sum := sha256.Sum256([]byte(testHashKey + "###31###order-1###12.50"))
	hexHash := hex.EncodeToString(sum[:])
	tests := []struct {
		name, hash, key, amount string
		want                    bool
	}{
		{name: "hex", hash: hexHash, key: testHashKey, amount: "12.50", want: true},
		{name: "upper-case hex", hash: strings.ToUpper(hexHash), key: testHashKey, amount: "12.50", want: true},
		{name: "base64", hash: base64.StdEncoding.EncodeToString(sum[:]), key: testHashKey, amount: "12.50", want: true},
		{name: "unpadded base64", hash: base64.RawStdEncoding.EncodeToString(sum[:]), key: testHashKey, amount: "12.50", want: true},
		{name: "wrong key", hash: hexHash, key: "other", amount: "12.50"},
		{name: "tampered amount", hash: hexHash, key: testHashKey, amount: "1.50"},
		{name: "reformatted amount", hash: hexHash, key: testHashKey, amount: "12.5"},
		{name: "garbage", hash: "dfgh87df98h79dfh7987dfh==", key: testHashKey, amount: "12.50"},
		{name: "truncated hex", hash: hexHash[:62], key: testHashKey, amount: "12.50"},
		{name: "empty hash", hash: "", key: testHashKey, amount: "12.50"},
		{name: "empty key", hash: craftclient.PaywallCallbackHash("", "31", "order-1", "12.50"), key: "", amount: "12.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := craftclient.PaywallCallback{APMTransactionID: "31", MerchantUniqueCode: "order-1", Amount: tt.amount, Hash: tt.hash}
			if got := cb.VerifyHash(tt.key); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
