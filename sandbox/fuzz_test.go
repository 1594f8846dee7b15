package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

// The fuzz targets drive s.Handler() in memory (httptest.NewRecorder, no
// sockets) with requests a client, a proxy or an attacker could send. Each
// fuzz function opens one file database for its whole run. Seeds live in
// testdata/fuzz/<target>; plain `go test` runs them.

// newFuzzSandbox returns a sandbox on a fresh file database. Callbacks go
// through callbacks, so nothing leaves the process.
func newFuzzSandbox(f *testing.F, callbacks http.RoundTripper) *sandbox.Sandbox {
	f.Helper()
	s, err := sandbox.New(context.Background(), sandbox.Config{
		DB:         MustOpenDB(f, filepath.Join(f.TempDir(), "sandbox.db")),
		Now:        newClock(testStart).Now,
		HTTPClient: &http.Client{Transport: callbacks},
	})
	if err != nil {
		f.Fatalf("sandbox.New: %v", err)
	}
	f.Cleanup(func() { _ = s.Close() })
	return s
}

// fuzzHost is the Host every fuzzed request is addressed to.
const fuzzHost = "sandbox.test"

// readRequest builds the request a server would hand its handler for this
// request line, or reports false when a server would refuse the line itself
// (bad method token, unparsable target, control characters).
func readRequest(method, target string, body []byte) (*http.Request, bool) {
	if method == "" || strings.ContainsAny(method+target, " \t\r\n\x00") {
		return nil, false
	}
	line := method + " " + target + " HTTP/1.1\r\nHost: " + fuzzHost + "\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(line)))
	if err != nil {
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.RemoteAddr = "192.0.2.10:40000"
	return r, true
}

// validHeaderValue reports whether net/http's server would accept v.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// setHeaders sets each non-empty pair, or reports false when a value could
// not travel in a real request.
func setHeaders(r *http.Request, pairs ...string) bool {
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if !validHeaderValue(pairs[i+1]) {
			return false
		}
		r.Header.Set(pairs[i], pairs[i+1])
	}
	return true
}

func serve(s *sandbox.Sandbox, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

// craftgateEnvelopeError returns why body is not a complete Craftgate error
// envelope, or "" when it is one.
func craftgateEnvelopeError(body []byte) string {
	var env struct {
		Errors *struct {
			ErrorCode        string `json:"errorCode"`
			ErrorDescription string `json:"errorDescription"`
		} `json:"errors"`
	}
	switch {
	case json.Unmarshal(body, &env) != nil:
		return "not JSON"
	case env.Errors == nil:
		return "no errors object"
	case env.Errors.ErrorCode == "" || env.Errors.ErrorDescription == "":
		return "empty errorCode or errorDescription"
	}
	return ""
}

// FuzzCraftgateRequest sends arbitrary requests under /sandbox/craftgate.
// API answers are JSON: {"data":…} or an empty 200 on success, otherwise the
// error envelope. Nothing redirects or fails with 5xx. A correctly signed
// request always passes authentication.
func FuzzCraftgateRequest(f *testing.F) {
	s := newFuzzSandbox(f, nil)
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte,
		apiKey, rnd, authVersion, signature, lang string, signIt bool) {
		if path != "" && !strings.HasPrefix(path, "/") {
			return // another service's path ("/sandbox/craftgateX"), not Craftgate's
		}
		target := "/sandbox/craftgate" + path
		if query != "" {
			target += "?" + query
		}
		r, ok := readRequest(method, target, body)
		if !ok {
			return
		}
		if signIt {
			apiKey, authVersion = sandbox.CraftgateAPIKey, "1"
			signature = sign("http://"+fuzzHost+r.RequestURI, apiKey, sandbox.CraftgateSecretKey, rnd, string(body))
		}
		if !setHeaders(r, "x-api-key", apiKey, "x-rnd-key", rnd, "x-auth-version", authVersion,
			"x-signature", signature, "lang", lang, "Content-Type", "application/json") {
			return
		}
		w := serve(s, r)
		status, got := w.Code, w.Body.Bytes()
		call := method + " " + target
		switch {
		case status >= 300 && status < 400:
			t.Fatalf("%s: redirected (%d) to %q", call, status, w.Header().Get("Location"))
		case status >= 500:
			t.Fatalf("%s: HTTP %d: %s", call, status, got)
		case strings.HasPrefix(w.Header().Get("Content-Type"), "text/html"):
			// The hosted payment page (GET/POST /pay/{token}) is HTML for shoppers.
			if !strings.HasPrefix(r.URL.Path, "/sandbox/craftgate/pay/") {
				t.Fatalf("%s: HTML answer outside the hosted page: %d %s", call, status, got)
			}
			return
		case strings.HasSuffix(r.URL.Path, "/qr") && status == http.StatusOK:
			return // the link's QR PNG
		case status >= 400:
			if why := craftgateEnvelopeError(got); why != "" {
				t.Fatalf("%s: HTTP %d error is %s: %s", call, status, why, got)
			}
			if signIt && status == http.StatusUnauthorized {
				t.Fatalf("%s: correctly signed request refused: %s", call, got)
			}
		case len(got) > 0:
			var env struct{ Data json.RawMessage }
			if err := json.Unmarshal(got, &env); err != nil || len(env.Data) == 0 {
				t.Fatalf("%s: HTTP %d success is not {\"data\":…}: %s", call, status, got)
			}
			if (r.Method == http.MethodPost || r.Method == http.MethodPut) && strings.Contains(r.URL.Path, "/craftlink/") {
				mustReadBack(t, s, call, env.Data)
			}
		case r.Method != http.MethodDelete && r.Method != http.MethodHead:
			t.Fatalf("%s: HTTP %d with an empty body", call, status)
		}
	})
}

// mustReadBack retrieves a link a create or update just answered: whatever
// the sandbox accepts, it must be able to read again.
func mustReadBack(t *testing.T, s *sandbox.Sandbox, call string, data json.RawMessage) {
	t.Helper()
	var p struct{ ID int64 }
	if err := json.Unmarshal(data, &p); err != nil || p.ID <= 0 {
		t.Fatalf("%s: answered a link without an id: %s", call, data)
	}
	target := "/sandbox/craftgate/craftlink/v1/products/" + strconv.FormatInt(p.ID, 10)
	r, _ := readRequest(http.MethodGet, target, nil)
	setHeaders(r, "x-api-key", sandbox.CraftgateAPIKey, "x-auth-version", "1", "x-rnd-key", "r",
		"x-signature", sign("http://"+fuzzHost+target, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, "r", ""))
	if w := serve(s, r); w.Code != http.StatusOK {
		t.Fatalf("%s answered %s, but GET %s: HTTP %d: %s", call, data, target, w.Code, w.Body)
	}
}

// FuzzSignatureCheck signs fuzzed URLs and bodies the way clients do (the
// raw or the percent-decoded URL). The signed request passes; changing any
// single byte of the body makes it fail. PATCH is refused after
// authentication (405, or 404 for a bad id), so no iteration writes.
func FuzzSignatureCheck(f *testing.F) {
	s := newFuzzSandbox(f, nil)
	f.Fuzz(func(t *testing.T, segment, query string, body []byte, rnd string, at uint, flip byte, decoded bool) {
		target := "/sandbox/craftgate/craftlink/v1/products"
		if segment != "" {
			target += "/" + url.PathEscape(segment)
		}
		if query != "" {
			target += "?" + query
		}
		r, ok := readRequest(http.MethodPatch, target, body)
		if !ok || !validHeaderValue(rnd) {
			return
		}
		signedURL := "http://" + fuzzHost + r.RequestURI
		if decoded {
			var err error
			if signedURL, err = url.PathUnescape(signedURL); err != nil {
				return
			}
		}
		sig := sign(signedURL, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, rnd, string(body))
		send := func(sent []byte) *httptest.ResponseRecorder {
			r, _ := readRequest(http.MethodPatch, target, sent)
			setHeaders(r, "x-api-key", sandbox.CraftgateAPIKey, "x-auth-version", "1", "x-rnd-key", rnd, "x-signature", sig)
			return serve(s, r)
		}
		w := send(body)
		switch {
		case w.Code == http.StatusNotFound && !isCleanPath(r.URL.Path):
			return // "/./" and the like are answered 404 before authentication
		case w.Code == http.StatusUnauthorized:
			t.Fatalf("PATCH %s signed over %q and body %q: refused: %s", target, signedURL, body, w.Body)
		case len(body) == 0:
			return
		}
		changed := bytes.Clone(body)
		changed[at%uint(len(body))] ^= max(flip, 1)
		if w := send(changed); w.Code != http.StatusUnauthorized {
			t.Fatalf("PATCH %s signed over %q and body %q, sent %q: got %d, want 401: %s",
				target, signedURL, body, changed, w.Code, w.Body)
		}
	})
}

// isCleanPath mirrors the sandbox's redirect guard: paths ServeMux would
// redirect get a 404 envelope.
func isCleanPath(p string) bool {
	return path.Clean(p) == p
}

// paidMerchantCode names the transaction FuzzPaywallRequest settles before
// fuzzing; "$UC" in a fuzzed body stands for its UniqueCode, so refunds
// reach the refund logic instead of stopping at "not found".
const paidMerchantCode = "fuzz-paid-1"

// fuzzedPaywallCalls are the endpoints FuzzPaywallRequest picks from.
var fuzzedPaywallCalls = []struct{ method, endpoint string }{
	{http.MethodPost, "apm/pay/qr/generate"},
	{http.MethodPost, "apm/refund"},
	{http.MethodPost, "apm/refund/partial"},
	{http.MethodGet, "apm/list"},
	{http.MethodGet, "apm/query"},
}

// okCallbacks answers every Paywall callback 200 in memory.
type okCallbacks struct{}

func (okCallbacks) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
}

// mustPaidTransaction starts a QR payment and pays it in the wallet, and
// returns its UniqueCode.
func mustPaidTransaction(f *testing.F, s *sandbox.Sandbox) string {
	f.Helper()
	r, _ := readRequest(http.MethodPost, "/sandbox/paywall/api/paywall/apm/pay/qr/generate", []byte(`{"ApmKey":"papara",`+
		`"CurrencyId":1,"MerchantUniqueCode":"`+paidMerchantCode+`","Amount":100.00,"Description":"Fuzz",`+
		`"MerchantSuccessBackUrl":"https://shop.test/ok","MerchantFailBackUrl":"https://shop.test/fail"}`))
	setHeaders(r, "apikeypublic", sandbox.PaywallPublicKey, "apiclientpublic", sandbox.PaywallPublicClient)
	w := serve(s, r)
	var env struct{ Body struct{ UniqueCode string } }
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Body.UniqueCode == "" {
		f.Fatalf("generate: %d %s", w.Code, w.Body)
	}
	r, _ = readRequest(http.MethodPost, "/sandbox/paywall/wallet/"+env.Body.UniqueCode+"/pay", nil)
	if w := serve(s, r); w.Code != http.StatusOK {
		f.Fatalf("wallet pay: %d %s", w.Code, w.Body)
	}
	return env.Body.UniqueCode
}

// paywallEnvelopeError returns why body is not Paywall's envelope, exactly
// {ErrorCode, Result, Message, Body} with Result true iff ErrorCode is 0,
// a Message on failure and Body null then, or "" when it is one.
func paywallEnvelopeError(body []byte) string {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return "not a JSON object"
	}
	var env struct {
		ErrorCode *int
		Result    *bool
		Message   *string
		Body      json.RawMessage
	}
	switch {
	case len(fields) != 4 || fields["ErrorCode"] == nil || fields["Result"] == nil ||
		fields["Message"] == nil || fields["Body"] == nil:
		return "not exactly ErrorCode, Result, Message, Body"
	case json.Unmarshal(body, &env) != nil || env.ErrorCode == nil || env.Result == nil || env.Message == nil:
		return "fields of the wrong type"
	case *env.Result != (*env.ErrorCode == 0):
		return "Result disagrees with ErrorCode"
	case !*env.Result && (*env.Message == "" || string(env.Body) != "null"):
		return "failure without a Message or with a Body"
	case *env.Result && string(env.Body) == "null":
		return "success without a Body"
	}
	return ""
}

// FuzzPaywallRequest sends fuzzed JSON bodies to generate and the refunds,
// and fuzzed parameter headers to list and query. Every answer is Paywall's
// envelope with HTTP 200, or 401 exactly when the public key pair is wrong.
func FuzzPaywallRequest(f *testing.F) {
	s := newFuzzSandbox(f, okCallbacks{})
	uniqueCode := mustPaidTransaction(f, s)
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte, currencyID, focusedFeature, externalID,
		distinct, merchantCode, locale string, credentials uint8) {
		c := fuzzedPaywallCalls[int(endpoint)%len(fuzzedPaywallCalls)]
		body = bytes.ReplaceAll(body, []byte("$UC"), []byte(uniqueCode))
		r, ok := readRequest(c.method, "/sandbox/paywall/api/paywall/"+c.endpoint, body)
		if !ok {
			t.Fatalf("request for %s %s refused", c.method, c.endpoint)
		}
		key, client := sandbox.PaywallPublicKey, sandbox.PaywallPublicClient
		switch credentials % 3 {
		case 1:
			key = "" // missing header
		case 2:
			client = "not-" + client
		}
		if !setHeaders(r, "apikeypublic", key, "apiclientpublic", client, "Content-Type", "application/json",
			"currencyid", currencyID, "focusedfeature", focusedFeature, "externalid", externalID,
			"distinctduplicates", distinct, "merchantuniquecode", merchantCode, "locale", locale) {
			return
		}
		w := serve(s, r)
		call := c.method + " " + c.endpoint
		wantStatus := http.StatusOK
		if credentials%3 != 0 {
			wantStatus = http.StatusUnauthorized
		}
		if w.Code != wantStatus {
			t.Fatalf("%s (credentials %d) body %q: got %d, want %d: %s", call, credentials%3, body, w.Code, wantStatus, w.Body)
		}
		if why := paywallEnvelopeError(w.Body.Bytes()); why != "" {
			t.Fatalf("%s body %q: answer is %s: %s", call, body, why, w.Body)
		}
	})
}
