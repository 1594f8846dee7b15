package sandbox_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"linkdesk/sandbox"
)

type receivedCallback struct {
	path, contentType string
	form              url.Values
}

// callbackReceiver is a merchant endpoint that records the callbacks it receives.
type callbackReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	calls []receivedCallback
}

func newCallbackReceiver(tb testing.TB, status int) *callbackReceiver {
	tb.Helper()
	c := &callbackReceiver{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.calls = append(c.calls, receivedCallback{r.URL.Path, r.Header.Get("Content-Type"), r.PostForm})
		c.mu.Unlock()
		w.WriteHeader(status)
	}))
	tb.Cleanup(c.Close)
	return c
}

func (c *callbackReceiver) Calls() []receivedCallback {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]receivedCallback(nil), c.calls...)
}

// mustWallet presses pay or decline on the wallet simulator and returns the page.
func mustWallet(tb testing.TB, srv *httptest.Server, uniqueCode, action string) string {
	tb.Helper()
	status, body := page(tb, srv, http.MethodPost, "/sandbox/paywall/wallet/"+uniqueCode+"/"+action)
	if status != http.StatusOK {
		tb.Fatalf("wallet %s: got status %d, want 200; body %s", action, status, body)
	}
	return body
}

func wantHash(key, id, merchantUniqueCode, amount string) string {
	sum := sha256.Sum256([]byte(key + "###" + id + "###" + merchantUniqueCode + "###" + amount))
	return hex.EncodeToString(sum[:])
}

func TestWalletSettlesAndCallsBack(t *testing.T) {
	const hashKey = "apm-hash-key"
	tests := []struct {
		name          string
		hashKey       string
		action        string
		wantPath      string
		wantStatusID  int
		wantPageText  string
		wantFormExtra map[string]string
	}{
		{"pay with hash", hashKey, "pay", "/ok", 2, "Ödeme onaylandı",
			map[string]string{"status": "true", "errorCode": "0", "errorMessage": ""}},
		{"decline with hash", hashKey, "decline", "/fail", 3, "Payment declined",
			map[string]string{"status": "false", "errorCode": "1", "errorMessage": "Müşteri ödemeyi reddetti"}},
		{"pay without hash key", "", "pay", "/ok", 2, "Payment approved",
			map[string]string{"status": "true", "errorCode": "0", "errorMessage": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			receiver := newCallbackReceiver(t, http.StatusOK)
			srv := MustServe(t, sandbox.Config{PaywallHashKey: tt.hashKey})
			g := mustGenerateQR(t, srv, qrBody("w-1", receiver.URL))
			walletPath := "/sandbox/paywall/wallet/" + g.UniqueCode

			body := mustGetPage(t, srv, walletPath, http.StatusOK)
			for _, want := range []string{"12.50 TRY", "Sipariş 42", "Papara", `data-testid="wallet-pay"`, `data-testid="wallet-decline"`, "Oluşturuldu"} {
				if !strings.Contains(body, want) {
					t.Errorf("wallet page lacks %q", want)
				}
			}

			body = mustWallet(t, srv, g.UniqueCode, tt.action)
			for _, want := range []string{tt.wantPageText, "HTTP 200 OK", receiver.URL + tt.wantPath, "https://shop.example/done"} {
				if !strings.Contains(body, want) {
					t.Errorf("result page lacks %q:\n%s", want, body)
				}
			}
			calls := receiver.Calls()
			if len(calls) != 1 {
				t.Fatalf("got %d callbacks, want 1", len(calls))
			}
			c := calls[0]
			if c.path != tt.wantPath || c.contentType != "application/x-www-form-urlencoded" {
				t.Errorf("got callback to %s as %q, want %s as a form", c.path, c.contentType, tt.wantPath)
			}
			id := strconv.FormatInt(g.ApmTransactionID, 10)
			want := map[string]string{
				"date": "2026-03-01T09:30:15.123456", "uniqueCode": g.UniqueCode, "merchantUniqueCode": "w-1",
				"amount": "12.50", "apmTransactionId": id,
			}
			maps.Copy(want, tt.wantFormExtra)
			if tt.hashKey != "" {
				want["hash"] = wantHash(tt.hashKey, id, "w-1", "12.50")
			}
			got := map[string]string{}
			for k, v := range c.form {
				got[k] = strings.Join(v, ",")
			}
			if !maps.Equal(got, want) {
				t.Errorf("callback form:\ngot  %v\nwant %v", got, want)
			}
			if q := mustQuery(t, srv, "w-1"); q.StatusID != tt.wantStatusID {
				t.Errorf("got StatusId %d, want %d", q.StatusID, tt.wantStatusID)
			}

			// Settling again changes nothing and sends nothing, whichever button.
			for _, again := range []string{"pay", "decline"} {
				if body := mustWallet(t, srv, g.UniqueCode, again); !strings.Contains(body, "zaten işlendi") || strings.Contains(body, "wallet-pay") {
					t.Errorf("%s again: page does not say it was already processed:\n%s", again, body)
				}
			}
			if n := len(receiver.Calls()); n != 1 {
				t.Errorf("got %d callbacks after repeats, want 1", n)
			}
			if q := mustQuery(t, srv, "w-1"); q.StatusID != tt.wantStatusID {
				t.Errorf("after repeats got StatusId %d, want %d", q.StatusID, tt.wantStatusID)
			}
			if body := mustGetPage(t, srv, walletPath, http.StatusOK); !strings.Contains(body, "HTTP 200 OK") || strings.Contains(body, "wallet-pay") {
				t.Errorf("wallet page after settling lacks the outcome or still offers payment:\n%s", body)
			}
		})
	}
}

// A failed callback is shown but does not undo the payment.
func TestWalletCallbackFailures(t *testing.T) {
	failing := newCallbackReceiver(t, http.StatusInternalServerError)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name, receiverURL, wantOutcome string
	}{
		{"merchant answers 500", failing.URL, "HTTP 500 Internal Server Error"},
		{"merchant unreachable", closed.URL, "Hata / Error"},
	}
	srv := MustServe(t, sandbox.Config{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := "fail-" + strconv.Itoa(i)
			g := mustGenerateQR(t, srv, qrBody(code, tt.receiverURL))
			if body := mustWallet(t, srv, g.UniqueCode, "pay"); !strings.Contains(body, tt.wantOutcome) {
				t.Errorf("result page lacks %q:\n%s", tt.wantOutcome, body)
			}
			if q := mustQuery(t, srv, code); q.StatusID != 2 {
				t.Errorf("got StatusId %d, want 2", q.StatusID)
			}
			if body := mustGetPage(t, srv, "/sandbox/paywall/wallet/"+g.UniqueCode, http.StatusOK); !strings.Contains(body, tt.wantOutcome) {
				t.Errorf("wallet page lacks the recorded outcome %q", tt.wantOutcome)
			}
		})
	}
}

func TestWalletUnknownTransaction(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/sandbox/paywall/wallet/nope"},
		{http.MethodPost, "/sandbox/paywall/wallet/nope/pay"},
		{http.MethodPost, "/sandbox/paywall/wallet/nope/decline"},
	} {
		if status, body := page(t, srv, tt.method, tt.path); status != http.StatusNotFound || !strings.Contains(body, "Ödeme bulunamadı") {
			t.Errorf("%s %s: got status %d, want the 404 page; body %s", tt.method, tt.path, status, body)
		}
	}
}

var paywallHeaders = map[string]string{
	"apikeypublic": sandbox.PaywallPublicKey, "apiclientpublic": sandbox.PaywallPublicClient, "Content-Type": "application/json",
}

func TestPaywallConcurrency(t *testing.T) {
	receiver := newCallbackReceiver(t, http.StatusOK)
	srv := MustServe(t, sandbox.Config{})

	t.Run("same merchant unique code", func(t *testing.T) {
		got := concurrently(8, func() string {
			return postOutcome(srv, paywallAPI+"/apm/pay/qr/generate", qrBody("race-gen", receiver.URL), paywallHeaders)
		})
		if got["code 0"] != 1 || got["code 119"] != 7 {
			t.Errorf("got %v, want one success and 7×119", got)
		}
	})

	t.Run("wallet pressed many times", func(t *testing.T) {
		g := mustGenerateQR(t, srv, qrBody("race-wallet", receiver.URL))
		before := len(receiver.Calls())
		got := concurrently(8, func() string {
			return postOutcome(srv, "/sandbox/paywall/wallet/"+g.UniqueCode+"/pay", "", nil)
		})
		if got["HTTP 200"] != 8 {
			t.Errorf("got %v, want 8×HTTP 200", got)
		}
		if n := len(receiver.Calls()) - before; n != 1 {
			t.Errorf("got %d callbacks, want 1", n)
		}
	})

	t.Run("partial refunds never exceed the amount", func(t *testing.T) {
		g := mustGenerateQR(t, srv, qrBody("race-refund", receiver.URL))
		mustWallet(t, srv, g.UniqueCode, "pay")
		got := concurrently(10, func() string {
			return postOutcome(srv, paywallAPI+"/apm/refund/partial", `{"UniqueCode":"`+g.UniqueCode+`","Amount":2}`, paywallHeaders)
		})
		if got["code 0"] != 6 || got["code 373"] != 4 { // 6 × 2.00 of 12.50
			t.Errorf("got %v, want 6 successes and 4×373", got)
		}
		rest := mustPaywall(t, srv, http.MethodPost, "/apm/refund", nil, `{"UniqueCode":"`+g.UniqueCode+`"}`)
		var body struct{ Amount json.Number }
		mustJSON(t, rest.Body, &body)
		if body.Amount != "0.50" {
			t.Errorf("got remaining refund %s, want 0.50", body.Amount)
		}
	})
}

// syncBuffer is a log destination the sandbox's handlers and the test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Merchants put secrets in callback URLs, so the log names only scheme and host, also
// when the delivery fails with an error that quotes the URL.
func TestWalletCallbackLogHidesURL(t *testing.T) {
	const secret = "s3cret-callback-token"
	reachable := newCallbackReceiver(t, http.StatusOK)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct{ name, base string }{
		{"delivered", reachable.URL},
		{"merchant unreachable", closed.URL},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := MustServe(t, sandbox.Config{Logger: logger})
			code := "log-" + strconv.Itoa(i)
			g := mustGenerateQR(t, srv, qrBody(code, tt.base+"/cb/"+secret))
			mustWallet(t, srv, g.UniqueCode, "pay")

			got := logs.String()
			if !strings.Contains(got, "apm callback sent") || !strings.Contains(got, tt.base+"/…") {
				t.Errorf("log lacks the callback and its origin %s:\n%s", tt.base, got)
			}
			if strings.Contains(got, secret) {
				t.Errorf("log contains the callback URL's secret:\n%s", got)
			}
		})
	}
}
