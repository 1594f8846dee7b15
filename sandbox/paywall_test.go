package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

const paywallAPI = "/sandbox/paywall/api/paywall"

type pwResponse struct {
	ErrorCode int
	Result    bool
	Message   string
	Body      json.RawMessage
}

// paywallDo calls a Paywall endpoint (relative to /api/paywall) with the sandbox's
// public pair; a header value "-" removes that header.
func paywallDo(tb testing.TB, srv *httptest.Server, method, endpoint string, headers map[string]string, body string) (int, pwResponse, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, srv.URL+paywallAPI+endpoint, strings.NewReader(body))
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	req.Header.Set("apikeypublic", sandbox.PaywallPublicKey)
	req.Header.Set("apiclientpublic", sandbox.PaywallPublicClient)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		if v == "-" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	status, raw := do(tb, req)
	var env pwResponse
	mustJSON(tb, raw, &env)
	return status, env, raw
}

func mustPaywall(tb testing.TB, srv *httptest.Server, method, endpoint string, headers map[string]string, body string) pwResponse {
	tb.Helper()
	status, env, raw := paywallDo(tb, srv, method, endpoint, headers, body)
	if status != http.StatusOK || !env.Result || env.ErrorCode != 0 {
		tb.Fatalf("%s %s: got status %d envelope %s, want 200 with Result true", method, endpoint, status, raw)
	}
	return env
}

// wantPaywallError checks a failed envelope: status, code, Result false, a message, no Body.
func wantPaywallError(tb testing.TB, status int, env pwResponse, raw []byte, wantStatus, wantCode int) {
	tb.Helper()
	if status != wantStatus || env.ErrorCode != wantCode || env.Result || env.Message == "" || string(env.Body) != "null" {
		tb.Errorf("got status %d envelope %s, want status %d ErrorCode %d with Result false, a Message and Body null",
			status, raw, wantStatus, wantCode)
	}
}

type genBody struct {
	ApmKey             string
	ApmConnectionID    int64 `json:"ApmConnectionId"`
	ApmTransactionID   int64 `json:"ApmTransactionId"`
	UniqueCode         string
	MerchantUniqueCode string
	Amount             json.Number
	QrDetail           struct {
		FormatType int
		Content    string
	}
}

// qrBody is a valid generate request for 12.50 TRY through Papara.
func qrBody(merchantUniqueCode, receiverURL string) string {
	return `{"ApmKey":"papara","ApmConnectionId":null,"CurrencyId":1,"MerchantUniqueCode":"` + merchantUniqueCode +
		`","Amount":12.50,"Description":"Sipariş 42","Provider":null,"UserRedirectUrl":"https://shop.example/done",` +
		`"MerchantSuccessBackUrl":"` + receiverURL + `/ok","MerchantFailBackUrl":"` + receiverURL + `/fail"}`
}

func mustGenerateQR(tb testing.TB, srv *httptest.Server, body string) genBody {
	tb.Helper()
	env := mustPaywall(tb, srv, http.MethodPost, "/apm/pay/qr/generate", nil, body)
	var g genBody
	mustJSON(tb, env.Body, &g)
	return g
}

type queryBody struct {
	ApmConnectionID        int64 `json:"ApmConnectionId"`
	ApmProviderKey         string
	ApmTransactionID       int64 `json:"ApmTransactionId"`
	CurrencyID             int   `json:"CurrencyId"`
	MerchantUniqueCode     string
	UniqueCode             string
	MerchantSuccessBackURL string `json:"MerchantSuccessBackUrl"`
	MerchantFailBackURL    string `json:"MerchantFailBackUrl"`
	Amount                 json.Number
	Description            string
	ChannelType            int
	StatusID               int `json:"StatusId"`
	Status                 string
	TypeID                 int `json:"TypeId"`
	Type                   string
	IP                     string `json:"Ip"`
	DateTime               string
}

func mustQuery(tb testing.TB, srv *httptest.Server, merchantUniqueCode string) queryBody {
	tb.Helper()
	env := mustPaywall(tb, srv, http.MethodGet, "/apm/query", map[string]string{"merchantuniquecode": merchantUniqueCode}, "")
	var q queryBody
	mustJSON(tb, env.Body, &q)
	return q
}

func TestPaywallAuthentication(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantCode   int
	}{
		{"both missing", map[string]string{"apikeypublic": "-", "apiclientpublic": "-"}, 401, 4},
		{"client missing", map[string]string{"apiclientpublic": "-"}, 401, 4},
		{"key missing", map[string]string{"apikeypublic": "-"}, 401, 4},
		{"wrong key", map[string]string{"apikeypublic": "other"}, 401, 401},
		{"wrong client", map[string]string{"apiclientpublic": "other"}, 401, 401},
		{"pair swapped", map[string]string{"apikeypublic": sandbox.PaywallPublicClient, "apiclientpublic": sandbox.PaywallPublicKey}, 401, 401},
		{"private pair alone", map[string]string{"apikeypublic": "-", "apiclientpublic": "-", "apikeyprivate": "k", "apiclientprivate": "c"}, 401, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.headers["currencyid"] = "1"
			status, env, raw := paywallDo(t, srv, http.MethodGet, "/apm/list", tt.headers, "")
			wantPaywallError(t, status, env, raw, tt.wantStatus, tt.wantCode)
		})
	}
	t.Run("extra private headers ignored", func(t *testing.T) {
		mustPaywall(t, srv, http.MethodGet, "/apm/list", map[string]string{"currencyid": "1", "apikeyprivate": "x", "apiclientprivate": "y"}, "")
	})
}

func TestPaywallRouting(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	list := map[string]string{"currencyid": "1"}
	for _, endpoint := range []string{"/APM/List", "/apm/list/"} {
		mustPaywall(t, srv, http.MethodGet, endpoint, list, "")
	}
	tests := []struct {
		name, method, endpoint string
		wantStatus, wantCode   int
	}{
		{"unknown endpoint", http.MethodGet, "/apm/unknown", 404, 404},
		{"wrong method", http.MethodGet, "/apm/refund", 405, 400},
		{"POST to a GET endpoint", http.MethodPost, "/apm/list", 405, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env, raw := paywallDo(t, srv, tt.method, tt.endpoint, list, "{}")
			wantPaywallError(t, status, env, raw, tt.wantStatus, tt.wantCode)
		})
	}
	// ServeMux would redirect these; clients must get the envelope instead.
	for _, path := range []string{"/sandbox/paywall/nothing", "/sandbox/paywall", "/sandbox/paywall/api", paywallAPI + "//apm/list"} {
		t.Run("not found "+path, func(t *testing.T) {
			status, body := page(t, srv, http.MethodGet, path)
			var env pwResponse
			mustJSON(t, []byte(body), &env)
			wantPaywallError(t, status, env, []byte(body), 404, 404)
		})
	}
	t.Run("craftgate root is not redirected", func(t *testing.T) {
		status, body := page(t, srv, http.MethodGet, "/sandbox/craftgate")
		if status != http.StatusNotFound || !strings.Contains(body, `"errorCode":"1006"`) {
			t.Errorf("got status %d body %s, want 404 with the Craftgate envelope", status, body)
		}
	})
}

func TestPaywallMessageLocale(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for _, tt := range []struct{ locale, want string }{
		{"", "Geçersiz para birimi."},
		{"en", "Invalid currency."},
	} {
		_, env, _ := paywallDo(t, srv, http.MethodGet, "/apm/list", map[string]string{"currencyid": "9", "locale": tt.locale}, "")
		if env.Message != tt.want {
			t.Errorf("locale %q: got %q, want %q", tt.locale, env.Message, tt.want)
		}
	}
}

type listItem struct {
	ProviderID        int `json:"ProviderId"`
	ProviderKey       string
	ProviderName      string
	CategoryName      string
	ConnectionID      int64 `json:"ConnectionId"`
	ExternalIDSupport bool  `json:"ExternalIdSupport"`
	ExternalID        string
	Logo              string
	Features          struct{ OtpBased, QrBased, CheckoutBased, DirectPayBased bool }
}

func TestAPMList(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		name      string
		headers   map[string]string
		wantConns []int64
		wantCode  int
	}{
		{"TRY lists every connection", map[string]string{"currencyid": "1"}, []int64{62, 63, 64, 65}, 0},
		{"USD", map[string]string{"currencyid": "2"}, []int64{62}, 0},
		{"known currency without providers", map[string]string{"currencyid": "4"}, []int64{}, 0},
		{"focused on qr", map[string]string{"currencyid": "1", "focusedfeature": "qr"}, []int64{62, 63, 65}, 0},
		{"focused on QR, any case", map[string]string{"currencyid": "1", "focusedfeature": "QR"}, []int64{62, 63, 65}, 0},
		{"focused on otp", map[string]string{"currencyid": "1", "focusedfeature": "otp"}, []int64{64}, 0},
		{"focused on checkout", map[string]string{"currencyid": "1", "focusedfeature": "checkout"}, []int64{62, 65}, 0},
		{"focused on directpay", map[string]string{"currencyid": "1", "focusedfeature": "directpay"}, []int64{64}, 0},
		{"distinct duplicates", map[string]string{"currencyid": "1", "distinctduplicates": "true"}, []int64{62, 63, 64}, 0},
		{"distinct duplicates False", map[string]string{"currencyid": "1", "distinctduplicates": "False"}, []int64{62, 63, 64, 65}, 0},
		{"qr and distinct", map[string]string{"currencyid": "1", "focusedfeature": "qr", "distinctduplicates": "true"}, []int64{62, 63}, 0},
		{"external id", map[string]string{"currencyid": "1", "externalid": "SUBE2"}, []int64{65}, 0},
		{"external id with distinct keeps the match", map[string]string{"currencyid": "1", "externalid": "SUBE2", "distinctduplicates": "true"}, []int64{65}, 0},
		{"currencyid missing", map[string]string{}, nil, 2},
		{"currencyid not a number", map[string]string{"currencyid": "TRY"}, nil, 2},
		{"currencyid unknown", map[string]string{"currencyid": "9"}, nil, 53},
		{"focusedfeature unknown", map[string]string{"currencyid": "1", "focusedfeature": "nfc"}, nil, 540},
		{"externalid 10 characters", map[string]string{"currencyid": "1", "externalid": "ABCDEFGHIJ"}, nil, 394},
		{"distinctduplicates not a bool", map[string]string{"currencyid": "1", "distinctduplicates": "maybe"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env, raw := paywallDo(t, srv, http.MethodGet, "/apm/list", tt.headers, "")
			if tt.wantCode != 0 {
				wantPaywallError(t, status, env, raw, http.StatusOK, tt.wantCode)
				return
			}
			var items []listItem
			mustJSON(t, env.Body, &items)
			got := []int64{}
			for _, it := range items {
				got = append(got, it.ConnectionID)
			}
			if status != http.StatusOK || !env.Result || !slices.Equal(got, tt.wantConns) {
				t.Errorf("got status %d connections %v, want 200 %v; %s", status, got, tt.wantConns, raw)
			}
		})
	}

	t.Run("item fields", func(t *testing.T) {
		env := mustPaywall(t, srv, http.MethodGet, "/apm/list", map[string]string{"currencyid": "1"}, "")
		var items []listItem
		mustJSON(t, env.Body, &items)
		p := items[0]
		if p.ProviderID != 1 || p.ProviderKey != "papara" || p.ProviderName != "Papara" || p.CategoryName != "Cüzdan" ||
			!p.ExternalIDSupport || p.ExternalID != "" || !p.Features.QrBased || p.Features.OtpBased {
			t.Errorf("got %+v, want the Papara connection 62", p)
		}
		if want := srv.URL + "/sandbox/paywall/logo/papara.svg"; p.Logo != want {
			t.Fatalf("got logo %s, want %s", p.Logo, want)
		}
		status, body := page(t, srv, http.MethodGet, "/sandbox/paywall/logo/papara.svg")
		if status != http.StatusOK || !strings.HasPrefix(body, "<svg") {
			t.Errorf("logo: got status %d body %.40q, want 200 SVG", status, body)
		}
	})
}

func TestQRGenerateRules(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	mustGenerateQR(t, srv, qrBody("taken", "https://shop.example"))
	base := func() map[string]any {
		return map[string]any{
			"ApmKey": "papara", "CurrencyId": 1, "MerchantUniqueCode": "order-1", "Amount": json.Number("12.50"),
			"Description": "d", "MerchantSuccessBackUrl": "https://shop.example/ok", "MerchantFailBackUrl": "https://shop.example/fail",
		}
	}
	tests := []struct {
		name     string
		change   func(m map[string]any)
		wantCode int
	}{
		{"merchant unique code missing", func(m map[string]any) { delete(m, "MerchantUniqueCode") }, 101},
		{"merchant unique code blank", func(m map[string]any) { m["MerchantUniqueCode"] = " " }, 101},
		{"merchant unique code 101 characters", func(m map[string]any) { m["MerchantUniqueCode"] = strings.Repeat("x", 101) }, 290},
		{"merchant unique code taken", func(m map[string]any) { m["MerchantUniqueCode"] = "taken" }, 119},
		{"amount missing", func(m map[string]any) { delete(m, "Amount") }, 51},
		{"amount zero", func(m map[string]any) { m["Amount"] = 0 }, 51},
		{"amount negative", func(m map[string]any) { m["Amount"] = -1 }, 51},
		{"amount with three decimals", func(m map[string]any) { m["Amount"] = json.Number("1.005") }, 51},
		{"description missing", func(m map[string]any) { delete(m, "Description") }, 2},
		{"success URL missing", func(m map[string]any) { delete(m, "MerchantSuccessBackUrl") }, 102},
		{"success URL relative", func(m map[string]any) { m["MerchantSuccessBackUrl"] = "/ok" }, 102},
		{"success URL ftp", func(m map[string]any) { m["MerchantSuccessBackUrl"] = "ftp://shop.example/ok" }, 102},
		{"fail URL missing", func(m map[string]any) { delete(m, "MerchantFailBackUrl") }, 103},
		{"redirect URL not absolute", func(m map[string]any) { m["UserRedirectUrl"] = "done" }, 2},
		{"currency missing", func(m map[string]any) { delete(m, "CurrencyId") }, 2},
		{"currency unknown", func(m map[string]any) { m["CurrencyId"] = 9 }, 53},
		{"provider unknown", func(m map[string]any) { m["ApmKey"] = "nowallet" }, 281},
		{"no provider given", func(m map[string]any) { delete(m, "ApmKey") }, 281},
		{"connection unknown", func(m map[string]any) { m["ApmConnectionId"] = 99 }, 286},
		{"provider without QR", func(m map[string]any) { m["ApmKey"] = "otpcuzdan" }, 295},
		{"currency not supported by provider", func(m map[string]any) { m["ApmKey"] = "qrcuzdan"; m["CurrencyId"] = 2 }, 287},
		{"currency not supported by connection", func(m map[string]any) { m["ApmConnectionId"] = 65; m["CurrencyId"] = 3 }, 287},
		{"ApmKey of the wrong type", func(m map[string]any) { m["ApmKey"] = 5 }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.change(m)
			body, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			status, env, raw := paywallDo(t, srv, http.MethodPost, "/apm/pay/qr/generate", nil, string(body))
			wantPaywallError(t, status, env, raw, http.StatusOK, tt.wantCode)
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		status, env, raw := paywallDo(t, srv, http.MethodPost, "/apm/pay/qr/generate", nil, `{"ApmKey":`)
		wantPaywallError(t, status, env, raw, http.StatusOK, 2)
	})
}

func TestQRGenerate(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	first := mustGenerateQR(t, srv, qrBody("gen-0", "https://shop.example"))
	tests := []struct {
		name               string
		body               string
		wantKey            string
		wantConnection     int64
		wantAmount         string
		wantMerchantUnique string
	}{
		{"key in another case", `{"ApmKey":"Papara","CurrencyId":1,"MerchantUniqueCode":"gen-1","Amount":1,"Description":"d",` +
			`"MerchantSuccessBackUrl":"http://shop/ok","MerchantFailBackUrl":"http://shop/fail"}`, "papara", 62, "1.00", "gen-1"},
		{"connection id", `{"ApmConnectionId":63,"CurrencyId":1,"MerchantUniqueCode":"gen-2","Amount":"7.5","Description":"d",` +
			`"MerchantSuccessBackUrl":"http://shop/ok","MerchantFailBackUrl":"http://shop/fail"}`, "qrcuzdan", 63, "7.50", "gen-2"},
		{"connection id wins over key", `{"ApmKey":"papara","ApmConnectionId":63,"CurrencyId":1,"MerchantUniqueCode":"gen-3","Amount":2,` +
			`"Description":"d","MerchantSuccessBackUrl":"http://shop/ok","MerchantFailBackUrl":"http://shop/fail"}`, "qrcuzdan", 63, "2.00", "gen-3"},
		{"duplicate connection", `{"ApmConnectionId":65,"CurrencyId":1,"MerchantUniqueCode":"gen-4","Amount":2,"Description":"d",` +
			`"MerchantSuccessBackUrl":"http://shop/ok","MerchantFailBackUrl":"http://shop/fail"}`, "papara", 65, "2.00", "gen-4"},
		{"camelCase names (.NET SDK)", `{"apmKey":"papara","currencyId":2,"merchantUniqueCode":" gen-5 ","amount":3.1,"description":"d",` +
			`"merchantSuccessBackUrl":"http://shop/ok","merchantFailBackUrl":"http://shop/fail","provider":null}`, "papara", 62, "3.10", "gen-5"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustGenerateQR(t, srv, tt.body)
			if g.ApmKey != tt.wantKey || g.ApmConnectionID != tt.wantConnection || g.Amount.String() != tt.wantAmount ||
				g.MerchantUniqueCode != tt.wantMerchantUnique {
				t.Errorf("got key %s connection %d amount %s code %q, want %s %d %s %q", g.ApmKey, g.ApmConnectionID, g.Amount,
					g.MerchantUniqueCode, tt.wantKey, tt.wantConnection, tt.wantAmount, tt.wantMerchantUnique)
			}
			if want := first.ApmTransactionID + int64(i) + 1; g.ApmTransactionID != want {
				t.Errorf("got ApmTransactionId %d, want %d", g.ApmTransactionID, want)
			}
		})
	}

	t.Run("response body", func(t *testing.T) {
		_, _, raw := paywallDo(t, srv, http.MethodPost, "/apm/pay/qr/generate", nil, qrBody("gen-raw", "https://shop.example"))
		if !bytes.Contains(raw, []byte(`"Amount":12.50,`)) {
			t.Errorf("Amount is not the number 12.50: %s", raw)
		}
		if first.ApmTransactionID != 1 || !uuidV4.MatchString(first.UniqueCode) || first.MerchantUniqueCode != "gen-0" {
			t.Errorf("got id %d unique code %q merchant code %q, want 1, a UUID v4, gen-0", first.ApmTransactionID, first.UniqueCode, first.MerchantUniqueCode)
		}
		if want := srv.URL + "/sandbox/paywall/wallet/" + first.UniqueCode; first.QrDetail.FormatType != 1 || first.QrDetail.Content != want {
			t.Errorf("got QrDetail %+v, want FormatType 1 Content %s", first.QrDetail, want)
		}
	})
}

func TestAPMQuery(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	g := mustGenerateQR(t, srv, qrBody("q-1", "https://shop.example"))
	q := mustQuery(t, srv, "q-1")
	want := queryBody{
		ApmConnectionID: 62, ApmProviderKey: "papara", ApmTransactionID: g.ApmTransactionID, CurrencyID: 1,
		MerchantUniqueCode: "q-1", UniqueCode: g.UniqueCode, MerchantSuccessBackURL: "https://shop.example/ok",
		MerchantFailBackURL: "https://shop.example/fail", Amount: "12.50", Description: "Sipariş 42", ChannelType: 1,
		StatusID: 1, Status: "Oluşturuldu", TypeID: 1, Type: "Satış", IP: "127.0.0.1", DateTime: "2026-03-01T09:30:15.123456",
	}
	if q != want {
		t.Errorf("got  %+v\nwant %+v", q, want)
	}

	env := mustPaywall(t, srv, http.MethodGet, "/apm/query", map[string]string{"merchantuniquecode": "q-1", "locale": "en"}, "")
	mustJSON(t, env.Body, &q)
	if q.Status != "Created" || q.Type != "Sale" {
		t.Errorf("locale en: got Status %q Type %q, want Created Sale", q.Status, q.Type)
	}

	for _, tt := range []struct {
		name     string
		headers  map[string]string
		wantCode int
	}{
		{"header missing", map[string]string{}, 101},
		{"unknown code", map[string]string{"merchantuniquecode": "nope"}, 296},
		{"codes are case-sensitive", map[string]string{"merchantuniquecode": "Q-1"}, 296},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, env, raw := paywallDo(t, srv, http.MethodGet, "/apm/query", tt.headers, "")
			wantPaywallError(t, status, env, raw, http.StatusOK, tt.wantCode)
		})
	}
}

func TestAPMRefunds(t *testing.T) {
	receiver := newCallbackReceiver(t, http.StatusOK)
	srv := MustServe(t, sandbox.Config{})
	g := mustGenerateQR(t, srv, qrBody("r-1", receiver.URL))
	refund := func(code string) string { return `{"UniqueCode":"` + code + `"}` }
	partial := func(code, amount string) string { return `{"UniqueCode":"` + code + `","Amount":` + amount + `}` }

	steps := []struct {
		name            string
		endpoint, body  string
		wantCode        int
		wantAmount      string
		wantStatusAfter int
		walletPayBefore bool
	}{
		{"full refund while Created", "/apm/refund", refund(g.UniqueCode), 359, "", 1, false},
		{"partial refund while Created", "/apm/refund/partial", partial(g.UniqueCode, "1"), 359, "", 1, false},
		{"partial zero", "/apm/refund/partial", partial(g.UniqueCode, "0"), 51, "", 2, true},
		{"partial with three decimals", "/apm/refund/partial", partial(g.UniqueCode, "1.005"), 51, "", 2, false},
		{"partial without amount", "/apm/refund/partial", refund(g.UniqueCode), 51, "", 2, false},
		{"partial above the amount", "/apm/refund/partial", partial(g.UniqueCode, "12.51"), 373, "", 2, false},
		{"partial 5.00", "/apm/refund/partial", partial(g.UniqueCode, "5.00"), 0, "5.00", 5, false},
		{"partial above the remainder", "/apm/refund/partial", partial(g.UniqueCode, "7.51"), 373, "", 5, false},
		{"full refund of the remainder, code upper-cased", "/apm/refund", refund(strings.ToUpper(g.UniqueCode)), 0, "7.50", 4, false},
		{"full refund again", "/apm/refund", refund(g.UniqueCode), 359, "", 4, false},
		{"partial after full", "/apm/refund/partial", partial(g.UniqueCode, "1"), 359, "", 4, false},
		{"unknown code", "/apm/refund", refund("00000000-0000-4000-8000-000000000000"), 296, "", 4, false},
		{"unknown code, partial", "/apm/refund/partial", partial("nope", "1"), 296, "", 4, false},
		{"code missing", "/apm/refund", `{}`, 2, "", 4, false},
		{"malformed JSON", "/apm/refund", `{"UniqueCode"`, 2, "", 4, false},
	}
	for _, st := range steps {
		if st.walletPayBefore {
			mustWallet(t, srv, g.UniqueCode, "pay")
		}
		status, env, raw := paywallDo(t, srv, http.MethodPost, st.endpoint, nil, st.body)
		if st.wantCode != 0 {
			wantPaywallError(t, status, env, raw, http.StatusOK, st.wantCode)
		} else {
			var body struct {
				ApmKey             string
				ApmConnectionID    int64 `json:"ApmConnectionId"`
				ApmTransactionID   int64 `json:"ApmTransactionId"`
				UniqueCode         string
				MerchantUniqueCode string
				Amount             json.Number
			}
			mustJSON(t, env.Body, &body)
			if !env.Result || body.Amount.String() != st.wantAmount || body.ApmKey != "papara" || body.ApmConnectionID != 62 ||
				body.ApmTransactionID != g.ApmTransactionID || body.UniqueCode != g.UniqueCode || body.MerchantUniqueCode != "r-1" {
				t.Errorf("%s: got %s, want Result true and Amount %s for transaction %d", st.name, raw, st.wantAmount, g.ApmTransactionID)
			}
		}
		if q := mustQuery(t, srv, "r-1"); q.StatusID != st.wantStatusAfter {
			t.Errorf("%s: got StatusId %d after, want %d", st.name, q.StatusID, st.wantStatusAfter)
		}
	}

	t.Run("partial of everything is a full refund", func(t *testing.T) {
		g := mustGenerateQR(t, srv, qrBody("r-2", receiver.URL))
		mustWallet(t, srv, g.UniqueCode, "pay")
		mustPaywall(t, srv, http.MethodPost, "/apm/refund/partial", nil, partial(g.UniqueCode, "12.5"))
		if q := mustQuery(t, srv, "r-2"); q.StatusID != 4 || q.Status != "İade" {
			t.Errorf("got StatusId %d %q, want 4 İade", q.StatusID, q.Status)
		}
	})
	t.Run("declined payment cannot be refunded", func(t *testing.T) {
		g := mustGenerateQR(t, srv, qrBody("r-3", receiver.URL))
		mustWallet(t, srv, g.UniqueCode, "decline")
		status, env, raw := paywallDo(t, srv, http.MethodPost, "/apm/refund", nil, refund(g.UniqueCode))
		wantPaywallError(t, status, env, raw, http.StatusOK, 359)
	})
}
