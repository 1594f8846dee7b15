package sandbox_test

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

// sign is a test-only Craftgate signer, written from the docs rather than shared with
// the sandbox so that both sides are checked: base64(sha256(url+key+secret+rnd+body)).
func sign(url, key, secret, rnd, body string) string {
	sum := sha256.Sum256([]byte(url + key + secret + rnd + body))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestSignerVector(t *testing.T) {
	got := sign("https://api.craftgate.io/onboarding/v1/members/1", "key-1", "FooBar123!", "Xa15Fp11T", "")
	if want := "y1TtnjNCJEvlkP5ufCkK3H0i2guMB/bKL4Ayw3VlKWA="; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// craftReq describes one Craftgate API call as a client would send it.
type craftReq struct {
	method, target, body string              // target is path and query as sent on the wire
	signedURL            func(string) string // turns the full URL into the signed string; nil signs it raw
	signBase             string              // scheme://host the client signs; empty: the server's URL
	apiKey, secret       string              // empty: the sandbox pair
	authVersion          string              // empty sends "1"; "-" sends none
	headers              map[string]string
}

func decodedURL(u string) string {
	s, err := url.PathUnescape(u)
	if err != nil {
		panic(err)
	}
	return s
}

func decodedPlusURL(u string) string {
	s, err := url.QueryUnescape(u)
	if err != nil {
		panic(err)
	}
	return s
}

func craftDo(tb testing.TB, srv *httptest.Server, c craftReq) (int, []byte) {
	tb.Helper()
	if c.method == "" {
		c.method = http.MethodGet
	}
	base := srv.URL
	if c.signBase != "" {
		base = c.signBase
	}
	signed := base + c.target
	if c.signedURL != nil {
		signed = c.signedURL(signed)
	}
	key, secret := cmp.Or(c.apiKey, sandbox.CraftgateAPIKey), cmp.Or(c.secret, sandbox.CraftgateSecretKey)
	req, err := http.NewRequest(c.method, srv.URL+c.target, strings.NewReader(c.body))
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	const rnd = "Xa15Fp"
	req.Header.Set("x-api-key", key)
	req.Header.Set("x-rnd-key", rnd)
	req.Header.Set("x-signature", sign(signed, key, secret, rnd, c.body))
	switch c.authVersion {
	case "":
		req.Header.Set("x-auth-version", "1")
	case "-":
	default:
		req.Header.Set("x-auth-version", c.authVersion)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	return do(tb, req)
}

// mustCraft calls and checks the status.
func mustCraft(tb testing.TB, srv *httptest.Server, c craftReq, wantStatus int) []byte {
	tb.Helper()
	status, body := craftDo(tb, srv, c)
	if status != wantStatus {
		tb.Fatalf("%s %s: got status %d, want %d; body %s", cmp.Or(c.method, "GET"), c.target, status, wantStatus, body)
	}
	return body
}

// craftError decodes the error envelope and checks it is complete.
func craftError(tb testing.TB, body []byte) (code, desc string) {
	tb.Helper()
	var env struct {
		Errors *struct {
			ErrorCode        *string `json:"errorCode"`
			ErrorDescription *string `json:"errorDescription"`
		} `json:"errors"`
	}
	mustJSON(tb, body, &env)
	if env.Errors == nil || env.Errors.ErrorCode == nil || *env.Errors.ErrorCode == "" ||
		env.Errors.ErrorDescription == nil || *env.Errors.ErrorDescription == "" {
		tb.Fatalf("incomplete error envelope: %s", body)
	}
	if bytes.Contains(body, []byte("errorGroup")) {
		tb.Errorf("validation error carries errorGroup: %s", body)
	}
	return *env.Errors.ErrorCode, *env.Errors.ErrorDescription
}

// wireProduct mirrors the product JSON; pointers expose nulls.
type wireProduct struct {
	ID                  int64       `json:"id"`
	Name                string      `json:"name"`
	Description         *string     `json:"description"`
	OrderID             *string     `json:"orderId"`
	ConversationID      *string     `json:"conversationId"`
	ExternalID          *string     `json:"externalId"`
	Status              string      `json:"status"`
	Price               json.Number `json:"price"`
	Currency            string      `json:"currency"`
	Stock               *int64      `json:"stock"`
	SoldCount           int64       `json:"soldCount"`
	Token               string      `json:"token"`
	EnabledInstallments []int       `json:"enabledInstallments"`
	URL                 string      `json:"url"`
	QRCodeURL           string      `json:"qrCodeUrl"`
	Channel             *string     `json:"channel"`
	MultiPayment        bool        `json:"multiPayment"`
	ExpiresAt           *string     `json:"expiresAt"`
	BasketIdentifier    *string     `json:"basketIdentifier"`
}

func decodeProduct(tb testing.TB, body []byte) wireProduct {
	tb.Helper()
	var env struct{ Data *wireProduct }
	mustJSON(tb, body, &env)
	if env.Data == nil {
		tb.Fatalf("no data in %s", body)
	}
	return *env.Data
}

func mustCreateProduct(tb testing.TB, srv *httptest.Server, body string) wireProduct {
	tb.Helper()
	return decodeProduct(tb, mustCraft(tb, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate/craftlink/v1/products", body: body}, http.StatusOK))
}

func mustRetrieveProduct(tb testing.TB, srv *httptest.Server, id int64) wireProduct {
	tb.Helper()
	return decodeProduct(tb, mustCraft(tb, srv, craftReq{target: fmt.Sprintf("/sandbox/craftgate/craftlink/v1/products/%d", id)}, http.StatusOK))
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestCraftgateAuthentication(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	const search = "/sandbox/craftgate/craftlink/v1/products"
	const escaped = search + "?name=Zeytinya%C4%9F%C4%B1%20%C3%9Cretim&currency=&page=0"
	tests := []struct {
		name       string
		req        craftReq
		wantStatus int
		wantCode   string
	}{
		{"raw URL, version 1", craftReq{target: escaped}, 200, ""},
		{"version v1", craftReq{target: escaped, authVersion: "v1"}, 200, ""},
		{"version V1", craftReq{target: escaped, authVersion: "V1"}, 200, ""},
		{"decoded URL (Node, .NET)", craftReq{target: escaped, signedURL: decodedURL}, 200, ""},
		{"decoded URL with + as space (Java, PHP, Python)", craftReq{target: search + "?name=Zeytinya%C4%9F%C4%B1+%C3%9Cretim", signedURL: decodedPlusURL}, 200, ""},
		{"plus kept as plus (Node)", craftReq{target: search + "?name=a+b", signedURL: decodedURL}, 200, ""},
		{"trailing ampersand (Java, .NET)", craftReq{target: search + "?name=x&page=0&size=10&", signedURL: decodedURL}, 200, ""},
		{"no query", craftReq{target: search}, 200, ""},
		{"unknown API key", craftReq{target: search, apiKey: "other-key"}, 401, "1001"},
		{"wrong secret", craftReq{target: search, secret: "other-secret"}, 401, "1000"},
		{"signed another URL", craftReq{target: escaped, signedURL: func(u string) string { return u + "&x=1" }}, 401, "1000"},
		{"signed another host", craftReq{target: search, signBase: "http://example.com"}, 401, "1000"},
		{"version 2", craftReq{target: search, authVersion: "2"}, 401, "1002"},
		{"no version", craftReq{target: search, authVersion: "-"}, 401, "1002"},
		{"bad key on a create", craftReq{method: http.MethodPost, target: search, body: `{}`, apiKey: "x"}, 401, "1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, tt.req, tt.wantStatus)
			if tt.wantCode == "" {
				return
			}
			code, desc := craftError(t, body)
			if code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
			if tt.wantCode != "1002" && desc != "Signature is not equal!" {
				t.Errorf("got description %q, want %q", desc, "Signature is not equal!")
			}
		})
	}
}

// A client that signs with its configured public base URL (behind a proxy) is accepted.
func TestCraftgateAuthenticationWithPublicURL(t *testing.T) {
	srv := MustServe(t, sandbox.Config{PublicURL: "https://links.example.com"})
	target := "/sandbox/craftgate/craftlink/v1/products?name=%C3%87ay"
	mustCraft(t, srv, craftReq{target: target, signBase: "https://links.example.com", signedURL: decodedURL}, http.StatusOK)
	mustCraft(t, srv, craftReq{target: target}, http.StatusOK)
	body := mustCraft(t, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate/craftlink/v1/products",
		body: `{"name":"n","price":1,"currency":"TRY","enabledInstallments":[1]}`}, http.StatusOK)
	if p := decodeProduct(t, body); !strings.HasPrefix(p.URL, "https://links.example.com/sandbox/craftgate/pay/") {
		t.Errorf("got url %s, want it under PublicURL", p.URL)
	}
}

// The signature covers the raw body bytes, whatever their encoding.
func TestCraftgateBodyEncodings(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	const name = "Çay & Simit <2'li>"

	var goStyle bytes.Buffer // json.Encoder: escapes <>& and appends a newline, both signed
	if err := json.NewEncoder(&goStyle).Encode(map[string]any{
		"name": name, "price": json.Number("149.90"), "currency": "TRY", "enabledInstallments": []int{1, 2, 3, 6},
	}); err != nil {
		t.Fatal(err)
	}
	nodeStyle := `{"name":"` + name + `","description":null,"orderId":"","price":149.9,"currency":"TRY",` +
		`"stock":0,"channel":"web","enabledInstallments":[1,2,3,6],"expiresAt":"2030-01-02T03:04:05.000Z"}`

	if !strings.HasSuffix(goStyle.String(), "\n") || !strings.Contains(goStyle.String(), `\u0026`) {
		t.Fatalf("Go-style body is not what json.Encoder sends: %q", goStyle.String())
	}
	for _, tt := range []struct{ name, body string }{
		{"Go: escaped, trailing newline", goStyle.String()},
		{"Node: compact, unescaped, nulls kept", nodeStyle},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate/craftlink/v1/products", body: tt.body}, http.StatusOK)
			p := decodeProduct(t, body)
			if p.Name != name || p.Price != "149.9" || p.Stock != nil || p.OrderID != nil {
				t.Errorf("got name %q price %s stock %v orderId %s, want %q 149.9 <nil> <null>", p.Name, p.Price, p.Stock, str(p.OrderID), name)
			}
			if !bytes.Contains(body, []byte(`"price":149.9,`)) {
				t.Errorf("price is not a plain JSON number: %s", body)
			}
		})
	}
}

func TestCreateProductRules(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	const valid = `"name":"Link","price":10,"currency":"TRY","enabledInstallments":[1]`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"malformed JSON", `{"name":`, 400, "1003"},
		{"array body", `[]`, 400, "1003"},
		{"empty body", ``, 400, "1003"},
		{"price of wrong type", `{"name":"Link","price":"ten","currency":"TRY","enabledInstallments":[1]}`, 400, "1003"},
		{"name missing", `{"price":10,"currency":"TRY","enabledInstallments":[1]}`, 422, "2001"},
		{"name blank", `{"name":"  ","price":10,"currency":"TRY","enabledInstallments":[1]}`, 422, "2001"},
		{"price missing", `{"name":"Link","currency":"TRY","enabledInstallments":[1]}`, 422, "2002"},
		{"price null", `{"name":"Link","price":null,"currency":"TRY","enabledInstallments":[1]}`, 422, "2002"},
		{"price zero", `{"name":"Link","price":0,"currency":"TRY","enabledInstallments":[1]}`, 422, "2003"},
		{"price negative", `{"name":"Link","price":-1.5,"currency":"TRY","enabledInstallments":[1]}`, 422, "2003"},
		{"currency missing", `{"name":"Link","price":10,"enabledInstallments":[1]}`, 422, "2004"},
		{"currency unknown", `{"name":"Link","price":10,"currency":"XYZ","enabledInstallments":[1]}`, 422, "2005"},
		{"currency lower case", `{"name":"Link","price":10,"currency":"try","enabledInstallments":[1]}`, 422, "2005"},
		{"installments missing", `{"name":"Link","price":10,"currency":"TRY"}`, 422, "2006"},
		{"installments null (Go client nil slice)", `{"name":"Link","price":10,"currency":"TRY","enabledInstallments":null}`, 422, "2006"},
		{"installment 0", `{"name":"Link","price":10,"currency":"TRY","enabledInstallments":[0,1]}`, 422, "2007"},
		{"installment 13", `{"name":"Link","price":10,"currency":"TRY","enabledInstallments":[1,13]}`, 422, "2007"},
		{"installment repeated", `{"name":"Link","price":10,"currency":"TRY","enabledInstallments":[3,1,3]}`, 422, "2008"},
		{"stock negative", `{` + valid + `,"stock":-1}`, 422, "2009"},
		{"orderId without stock", `{` + valid + `,"orderId":"ORD-1"}`, 422, "2010"},
		{"orderId with stock 2", `{` + valid + `,"orderId":"ORD-1","stock":2}`, 422, "2010"},
		{"expiresAt not a date", `{` + valid + `,"expiresAt":"tomorrow"}`, 422, "2013"},
		{"expiresAt month 13", `{` + valid + `,"expiresAt":"2030-13-01T00:00:00"}`, 422, "2013"},
		{"expiresAt date only", `{` + valid + `,"expiresAt":"2030-01-01"}`, 422, "2013"},
		{"expiresAt before year 0 in UTC", `{` + valid + `,"expiresAt":"0000-01-01T00:30:00+01:00"}`, 422, "2013"},
		{"expiresAt after year 9999 in UTC", `{` + valid + `,"expiresAt":"9999-12-31T23:30-01:00"}`, 422, "2013"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate/craftlink/v1/products", body: tt.body}, tt.wantStatus)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}
}

func TestErrorLanguage(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for _, tt := range []struct{ lang, want string }{
		{"", "Link adı zorunludur!"},
		{"tr", "Link adı zorunludur!"},
		{"en", "name is required!"},
		{"EN", "name is required!"},
	} {
		t.Run("lang="+tt.lang, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate/craftlink/v1/products",
				body: `{"price":1}`, headers: map[string]string{"lang": tt.lang}}, 422)
			if _, desc := craftError(t, body); desc != tt.want {
				t.Errorf("got %q, want %q", desc, tt.want)
			}
		})
	}
}

func TestCreateProductResponse(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	p := mustCreateProduct(t, srv, `{"name":"Kahve","description":"**Sıcak** kahve\nBüyük boy","price":149.90,`+
		`"currency":"EUR","enabledInstallments":[6,1,3],"channel":"instagram","conversationId":"conv-1",`+
		`"externalId":"ext-1","multiPayment":true,"basketIdentifier":"basket-1","status":"PASSIVE",`+
		`"orderId":"ORD-1","stock":1,"expiresAt":"2030-01-02T06:04:05.250+03:00"}`)
	if p.ID <= 0 {
		t.Errorf("got id %d, want > 0", p.ID)
	}
	if !uuidV4.MatchString(p.Token) {
		t.Errorf("got token %q, want a UUID v4", p.Token)
	}
	wantURL := srv.URL + "/sandbox/craftgate/pay/" + p.Token
	checks := []struct{ field, got, want string }{
		{"url", p.URL, wantURL},
		{"qrCodeUrl", p.QRCodeURL, wantURL + "/qr"},
		{"status (create ignores it)", p.Status, "ACTIVE"},
		{"price", p.Price.String(), "149.9"},
		{"currency", p.Currency, "EUR"},
		{"soldCount", fmt.Sprint(p.SoldCount), "0"},
		{"stock", fmt.Sprint(*p.Stock), "1"},
		{"enabledInstallments (sorted)", fmt.Sprint(p.EnabledInstallments), "[1 3 6]"},
		{"description", str(p.Description), "**Sıcak** kahve\nBüyük boy"},
		{"channel", str(p.Channel), "instagram"},
		{"orderId", str(p.OrderID), "ORD-1"},
		{"conversationId", str(p.ConversationID), "conv-1"},
		{"externalId", str(p.ExternalID), "ext-1"},
		{"basketIdentifier", str(p.BasketIdentifier), "basket-1"},
		{"multiPayment", fmt.Sprint(p.MultiPayment), "true"},
		{"expiresAt (UTC, no fraction)", str(p.ExpiresAt), "2030-01-02T03:04:05"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
		}
	}
}

func TestCreateProductAcceptedForms(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		name                   string
		extra                  string
		wantStock, wantExpires string
		wantInstallments       string
		wantPrice              string
	}{
		{"minimal", ``, "<nil>", "<null>", "[1]", "10"},
		{"stock 0 is unlimited", `,"stock":0`, "<nil>", "<null>", "[1]", "10"},
		{"stock null is unlimited", `,"stock":null`, "<nil>", "<null>", "[1]", "10"},
		{"empty orderId is none", `,"orderId":""`, "<nil>", "<null>", "[1]", "10"},
		{"expiresAt without seconds", `,"expiresAt":"2030-01-02T03:04"`, "<nil>", "2030-01-02T03:04:00", "[1]", "10"},
		{"expiresAt with Z and millis", `,"expiresAt":"2030-01-02T03:04:05.000Z"`, "<nil>", "2030-01-02T03:04:05", "[1]", "10"},
		{"expiresAt naive is UTC", `,"expiresAt":"2030-01-02T03:04:05"`, "<nil>", "2030-01-02T03:04:05", "[1]", "10"},
		{"expiresAt compact offset", `,"expiresAt":"2030-01-02T05:04:05+0200"`, "<nil>", "2030-01-02T03:04:05", "[1]", "10"},
		{"expiresAt empty is none", `,"expiresAt":""`, "<nil>", "<null>", "[1]", "10"},
		{"stock 7", `,"stock":7`, "7", "<null>", "[1]", "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCreateProduct(t, srv, `{"name":"Link","price":10.00,"currency":"TRY","enabledInstallments":[1]`+tt.extra+`}`)
			stock := "<nil>"
			if p.Stock != nil {
				stock = fmt.Sprint(*p.Stock)
			}
			if stock != tt.wantStock || str(p.ExpiresAt) != tt.wantExpires || p.Price.String() != tt.wantPrice {
				t.Errorf("got stock %s expiresAt %s price %s, want %s %s %s", stock, str(p.ExpiresAt), p.Price, tt.wantStock, tt.wantExpires, tt.wantPrice)
			}
		})
	}
	t.Run("empty installments allowed", func(t *testing.T) {
		p := mustCreateProduct(t, srv, `{"name":"Link","price":1,"currency":"JPY","enabledInstallments":[]}`)
		if p.EnabledInstallments == nil || len(p.EnabledInstallments) != 0 {
			t.Errorf("got %v, want []", p.EnabledInstallments)
		}
	})
}

func TestProductLifecycle(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	created := mustCreateProduct(t, srv, `{"name":"Eski","description":"d","channel":"c","conversationId":"cv",`+
		`"price":5,"currency":"TRY","enabledInstallments":[1,2],"stock":3,"expiresAt":"2030-01-01T00:00:00"}`)
	mustPayLink(t, srv, created.Token)
	item := fmt.Sprintf("/sandbox/craftgate/craftlink/v1/products/%d", created.ID)

	for _, ct := range []string{"application/json", "text/plain", ""} {
		got := decodeProduct(t, mustCraft(t, srv, craftReq{target: item, headers: map[string]string{"Content-Type": ct}}, 200))
		if got.ID != created.ID || got.SoldCount != 1 {
			t.Errorf("GET with Content-Type %q: got id %d sold %d, want %d 1", ct, got.ID, got.SoldCount, created.ID)
		}
	}

	updated := decodeProduct(t, mustCraft(t, srv, craftReq{method: http.MethodPut, target: item,
		body: `{"status":"PASSIVE","name":"Yeni","price":7.5,"currency":"USD","enabledInstallments":[3]}`}, 200))
	checks := []struct{ field, got, want string }{
		{"id", fmt.Sprint(updated.ID), fmt.Sprint(created.ID)},
		{"token", updated.Token, created.Token},
		{"url", updated.URL, created.URL},
		{"soldCount", fmt.Sprint(updated.SoldCount), "1"},
		{"status", updated.Status, "PASSIVE"},
		{"name", updated.Name, "Yeni"},
		{"price", updated.Price.String(), "7.5"},
		{"currency", updated.Currency, "USD"},
		{"description", str(updated.Description), "<null>"},
		{"channel", str(updated.Channel), "<null>"},
		{"conversationId", str(updated.ConversationID), "<null>"},
		{"expiresAt", str(updated.ExpiresAt), "<null>"},
		{"stock", fmt.Sprint(updated.Stock), "<nil>"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("after PUT %s: got %q, want %q", c.field, c.got, c.want)
		}
	}
	if again := mustRetrieveProduct(t, srv, created.ID); again.Name != "Yeni" || again.Status != "PASSIVE" {
		t.Errorf("GET after PUT: got %q %s, want Yeni PASSIVE", again.Name, again.Status)
	}

	for _, tt := range []struct {
		name, body, wantCode string
	}{
		{"status missing", `{"name":"n","price":1,"currency":"TRY","enabledInstallments":[1]}`, "2011"},
		{"status unknown", `{"status":"DELETED","name":"n","price":1,"currency":"TRY","enabledInstallments":[1]}`, "2012"},
		{"status lower case", `{"status":"active","name":"n","price":1,"currency":"TRY","enabledInstallments":[1]}`, "2012"},
		{"create rules apply", `{"status":"ACTIVE","name":"n","price":1,"currency":"TRY","enabledInstallments":[1],"orderId":"o"}`, "2010"},
	} {
		t.Run("PUT "+tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: http.MethodPut, target: item, body: tt.body}, 422)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}

	body := mustCraft(t, srv, craftReq{method: http.MethodDelete, target: item, headers: map[string]string{"Content-Type": "text/plain"}}, 200)
	if len(body) != 0 {
		t.Errorf("DELETE: got body %q, want empty", body)
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		body := mustCraft(t, srv, craftReq{method: method, target: item}, 404)
		if code, _ := craftError(t, body); code != "5001" {
			t.Errorf("%s after delete: got code %s, want 5001", method, code)
		}
	}
}

func TestProductNotFoundAndRouting(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	const valid = `{"status":"ACTIVE","name":"n","price":1,"currency":"TRY","enabledInstallments":[1]}`
	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		wantCode                   string
	}{
		{"GET unknown id", "GET", "/products/999", "", 404, "5001"},
		{"GET non-numeric id", "GET", "/products/abc", "", 404, "5001"},
		{"GET id 0", "GET", "/products/0", "", 404, "5001"},
		{"GET negative id", "GET", "/products/-1", "", 404, "5001"},
		{"GET id too large", "GET", "/products/99999999999999999999", "", 404, "5001"},
		{"PUT unknown id", "PUT", "/products/999", valid, 404, "5001"},
		{"DELETE unknown id", "DELETE", "/products/999", "", 404, "5001"},
		{"PATCH", "PATCH", "/products/1", valid, 405, "1005"},
		{"DELETE collection", "DELETE", "/products", "", 405, "1005"},
		{"unknown endpoint", "GET", "/links", "", 404, "1006"},
		{"double slash is not redirected", "GET", "//products", "", 404, "1006"},
		{"dot segment is not redirected", "GET", "/./products", "", 404, "1006"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustCraft(t, srv, craftReq{method: tt.method, target: "/sandbox/craftgate/craftlink/v1" + tt.target, body: tt.body}, tt.wantStatus)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	big := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
	body := mustCraft(t, srv, craftReq{method: http.MethodPost, target: "/sandbox/craftgate/craftlink/v1/products", body: big}, 413)
	if code, _ := craftError(t, body); code != "1004" {
		t.Errorf("got code %s, want 1004", code)
	}
}

func TestInstallmentsEchoOrder(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	p := mustCreateProduct(t, srv, `{"name":"n","price":1,"currency":"TRY","enabledInstallments":[12,9,6,3,2,1]}`)
	if !slices.Equal(p.EnabledInstallments, []int{1, 2, 3, 6, 9, 12}) {
		t.Errorf("got %v, want [1 2 3 6 9 12]", p.EnabledInstallments)
	}
}
