package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linkdesk/sandbox"
)

// goClient builds and signs requests the way the official Craftgate Go client does
// (craftgate-notes §1.2, §1.5): it resolves the API path against its base URL, which
// drops any path in the base URL, encodes GET parameters with url.Values.Encode (sorted,
// space as '+', then %3A turned back into ':'), encodes bodies with json.Encoder
// (trailing newline) and signs req.URL.String() raw.
type goClient struct {
	base *url.URL
	http *http.Client
}

func newGoClient(tb testing.TB, baseURL string) *goClient {
	tb.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		tb.Fatalf("parse base URL: %v", err)
	}
	return &goClient{base: u, http: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends method to apiPath with query (GET/DELETE) or body (others) and returns the
// status and response body.
func (c *goClient) do(tb testing.TB, method, apiPath string, query url.Values, body any) (int, []byte) {
	tb.Helper()
	u, err := c.base.Parse(apiPath)
	if err != nil {
		tb.Fatalf("resolve %s: %v", apiPath, err)
	}
	var payload bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&payload).Encode(body); err != nil {
			tb.Fatalf("encode body: %v", err)
		}
	}
	req, err := http.NewRequest(method, u.String(), &payload)
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	if query != nil {
		req.URL.RawQuery = strings.ReplaceAll(query.Encode(), "%3A", ":")
	}
	const rnd = "a1b2c3d4"
	sum := sha256.Sum256([]byte(req.URL.String() + sandbox.CraftgateAPIKey + sandbox.CraftgateSecretKey + rnd + payload.String()))
	req.Header.Set("x-api-key", sandbox.CraftgateAPIKey)
	req.Header.Set("x-rnd-key", rnd)
	req.Header.Set("x-auth-version", "1")
	req.Header.Set("x-client-version", "craftgate-go-client:1.0.31")
	req.Header.Set("x-signature", base64.StdEncoding.EncodeToString(sum[:]))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json; charset=utf-8")
	resp, err := c.http.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, req.URL, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); len(got) > 0 && !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("%s %s: got Content-Type %q, want JSON: %s", method, req.URL, ct, got)
	}
	return resp.StatusCode, got
}

// TestOfficialGoClientAtRootPaths drives the Craftlink API the way the official Go
// client does when it is configured with the sandbox's base URL: its requests land on
// /craftlink/v1/… at the host root, signed over that root URL.
func TestOfficialGoClientAtRootPaths(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	c := newGoClient(t, srv.URL+"/sandbox/craftgate")

	status, body := c.do(t, http.MethodPost, "/craftlink/v1/products", nil, map[string]any{
		"name": "Zeytinyağı Üretim <1L>", "price": 149.9, "currency": "TRY",
		"enabledInstallments": []int{1, 3}, "expiresAt": "2030-01-02T03:04:05Z",
	})
	if status != http.StatusOK {
		t.Fatalf("create: got status %d, want 200: %s", status, body)
	}
	created := decodeProduct(t, body)
	if want := srv.URL + "/sandbox/craftgate/pay/" + created.Token; created.URL != want {
		t.Errorf("create: got url %s, want %s (the hosted page stays under the prefix)", created.URL, want)
	}

	item := fmt.Sprintf("/craftlink/v1/products/%d", created.ID)
	tests := []struct {
		name, method, path string
		query              url.Values
		check              func(t *testing.T, body []byte)
	}{
		{"retrieve", http.MethodGet, item, nil, func(t *testing.T, body []byte) {
			if got := decodeProduct(t, body); got.ID != created.ID || got.Name != created.Name {
				t.Errorf("got id %d name %q, want %d %q", got.ID, got.Name, created.ID, created.Name)
			}
		}},
		{"search with an encoded name and a time bound", http.MethodGet, "/craftlink/v1/products",
			url.Values{"name": {"zeytinyağı üretim"}, "minExpiresAt": {"2030-01-01T00:00:00"}, "size": {"10"}},
			func(t *testing.T, body []byte) {
				var env struct{ Data struct{ Items []wireProduct } }
				mustJSON(t, body, &env)
				if len(env.Data.Items) != 1 || env.Data.Items[0].ID != created.ID {
					t.Errorf("got %s, want exactly link %d", body, created.ID)
				}
			}},
		{"delete", http.MethodDelete, item, nil, func(t *testing.T, body []byte) {
			if len(body) != 0 {
				t.Errorf("got body %q, want empty", body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.do(t, tt.method, tt.path, tt.query, nil)
			if status != http.StatusOK {
				t.Fatalf("got status %d, want 200: %s", status, body)
			}
			tt.check(t, body)
		})
	}
	status, body = c.do(t, http.MethodGet, item, nil, nil)
	if code, _ := craftError(t, body); status != http.StatusNotFound || code != "5001" {
		t.Errorf("retrieve after delete: got %d %s, want 404 5001", status, code)
	}
}

// TestPaywallAtRootPath runs a QR payment through /api/paywall/…, where the .NET SDK's
// base URI points on Paywall's own host.
func TestPaywallAtRootPath(t *testing.T) {
	receiver := newCallbackReceiver(t, http.StatusOK)
	srv := MustServe(t, sandbox.Config{})
	call := func(method, endpoint string, headers map[string]string, body string) pwResponse {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/api/paywall"+endpoint, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("apikeypublic", sandbox.PaywallPublicKey)
		req.Header.Set("apiclientpublic", sandbox.PaywallPublicClient)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		status, raw := do(t, req)
		var env pwResponse
		mustJSON(t, raw, &env)
		if status != http.StatusOK || !env.Result {
			t.Fatalf("%s %s: got %d %s, want 200 with Result true", method, endpoint, status, raw)
		}
		return env
	}

	list := call(http.MethodGet, "/apm/list", map[string]string{"currencyid": "1", "focusedfeature": "qr"}, "")
	if !bytes.Contains(list.Body, []byte(`"ProviderKey":"papara"`)) {
		t.Errorf("apm/list: got %s, want papara listed", list.Body)
	}
	var g genBody
	mustJSON(t, call(http.MethodPost, "/apm/pay/qr/generate", nil, qrBody("root-1", receiver.URL)).Body, &g)
	if want := srv.URL + "/sandbox/paywall/wallet/" + g.UniqueCode; g.QrDetail.Content != want {
		t.Errorf("generate: got QR content %s, want %s (the wallet stays under the prefix)", g.QrDetail.Content, want)
	}
	mustWallet(t, srv, g.UniqueCode, "pay")
	var q queryBody
	mustJSON(t, call(http.MethodGet, "/apm/query", map[string]string{"merchantuniquecode": "root-1"}, "").Body, &q)
	if q.StatusID != 2 {
		t.Errorf("query: got StatusId %d, want 2", q.StatusID)
	}
	var refund struct{ Amount json.Number }
	mustJSON(t, call(http.MethodPost, "/apm/refund/partial", nil, `{"UniqueCode":"`+g.UniqueCode+`","Amount":2.5}`).Body, &refund)
	if refund.Amount != "2.50" {
		t.Errorf("partial refund: got Amount %s, want 2.50", refund.Amount)
	}
}

// TestAPIPrefixesAnswerInEnvelopes: every path under a root API prefix answers in its
// provider's JSON envelope, never HTML and never a redirect, including the bare prefix
// and paths ServeMux would clean.
func TestAPIPrefixesAnswerInEnvelopes(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		path       string
		wantStatus int
		wantCode   string // Craftgate errorCode, or Paywall ErrorCode as text
	}{
		{"/craftlink/v1/unknown", 404, "1006"},
		{"/craftlink/v1", 404, "1006"},
		{"/craftlink/v1/", 404, "1006"},
		{"/craftlink/v1//products", 404, "1006"},
		{"/craftlink/v1/./products", 404, "1006"},
		{"/craftlink/v1/products", 401, "1001"}, // a real endpoint, unsigned
		{"/payment-reporting/v1", 404, "1006"},
		{"/payment-reporting/v1/unknown", 404, "1006"},
		{"/payment/v1", 404, "1006"},
		{"/payment/v1/unknown", 404, "1006"},
		{"/api/paywall", 404, "404"},
		{"/api/paywall/", 401, "4"}, // the Paywall API checks credentials first
		{"/api/paywall//apm/list", 404, "404"},
		{"/api/paywall/apm/list", 401, "4"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			status, body := do(t, req)
			if status != tt.wantStatus {
				t.Fatalf("got status %d, want %d: %s", status, tt.wantStatus, body)
			}
			if strings.HasPrefix(tt.path, "/api/paywall") {
				var env pwResponse
				mustJSON(t, body, &env)
				if got := fmt.Sprint(env.ErrorCode); got != tt.wantCode || env.Result {
					t.Errorf("got ErrorCode %s Result %v, want %s false: %s", got, env.Result, tt.wantCode, body)
				}
				return
			}
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got errorCode %s, want %s", code, tt.wantCode)
			}
		})
	}
}

// TestMountedBesideADashboard mounts Handler the way the dashboard does, at Prefix+"/"
// and at each of APIPrefixes next to its own HTML routes, and checks that each API
// prefix reaches the sandbox while other paths stay the dashboard's.
func TestMountedBesideADashboard(t *testing.T) {
	s, err := sandbox.New(context.Background(), sandbox.Config{
		DB: MustOpenDB(t, filepath.Join(t.TempDir(), "s.db")), Now: newClock(testStart).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	dashboard := http.NewServeMux()
	dashboard.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>dashboard</html>")
	})
	dashboard.Handle(sandbox.Prefix+"/", s.Handler())
	for _, p := range sandbox.APIPrefixes() {
		if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || strings.HasPrefix(p, sandbox.Prefix+"/") {
			t.Errorf("prefix %q: want a root path ending in / outside %s", p, sandbox.Prefix)
		}
		dashboard.Handle(p, s.Handler())
	}
	srv := httptest.NewServer(dashboard)
	t.Cleanup(srv.Close)

	for _, p := range append(sandbox.APIPrefixes(), "/sandbox/craftgate/craftlink/v1/", "/sandbox/paywall/api/paywall/") {
		req, err := http.NewRequest(http.MethodGet, srv.URL+p+"no-such-endpoint", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || resp.StatusCode < 400 {
			t.Errorf("GET %sno-such-endpoint: got %d %q, want a JSON error envelope", p, resp.StatusCode, ct)
		}
	}
	status, body := page(t, srv, http.MethodGet, "/links")
	if status != http.StatusOK || !strings.Contains(body, "dashboard") {
		t.Errorf("GET /links: got %d %s, want the dashboard's page", status, body)
	}
}

// TestOfficialGoClientPayments reports and refunds a link payment the way the official
// Go client calls payment reporting and the refund API: at the root paths, with its
// RefundPaymentRequest body (no amount: the whole payment).
func TestOfficialGoClientPayments(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	c := newGoClient(t, srv.URL+"/sandbox/craftgate")
	link := mustCreateProduct(t, srv, `{"name":"n","price":30,"currency":"TRY","enabledInstallments":[1]}`)
	_, _, id := pay(t, srv, link.Token, payForm(cardSuccess))

	status, body := c.do(t, http.MethodGet, "/payment-reporting/v1/payments", url.Values{
		"paymentSource": {"PAY_BY_LINK"}, "minCreatedDate": {"2026-03-01T00:00:00"}, "size": {"10"},
	}, nil)
	var page struct{ Data wirePaymentPage }
	mustJSON(t, body, &page)
	if status != http.StatusOK || len(page.Data.Items) != 1 || page.Data.Items[0].ID != id {
		t.Fatalf("search: got %d %s, want payment %d", status, body, id)
	}
	status, body = c.do(t, http.MethodPost, "/payment/v1/refunds", nil, map[string]any{
		"paymentId": id, "conversationId": "go-1", "refundDestinationType": "PROVIDER",
	})
	if rf := decodeRefund(t, body); status != http.StatusOK || rf.RefundPrice != "30" || rf.PaymentID != id {
		t.Fatalf("refund: got %d %s, want all 30 of payment %d back", status, body, id)
	}
	status, body = c.do(t, http.MethodGet, fmt.Sprintf("/payment-reporting/v1/payments/%d", id), nil, nil)
	var p struct{ Data wirePayment }
	mustJSON(t, body, &p)
	if status != http.StatusOK || p.Data.RefundStatus != "FULLY_REFUNDED" {
		t.Errorf("retrieve: got %d %s, want FULLY_REFUNDED", status, body)
	}
}
