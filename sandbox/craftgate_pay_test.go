package sandbox_test

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"linkdesk/sandbox"
)

// page requests a hosted HTML page and returns its status and body.
func page(tb testing.TB, srv *httptest.Server, method, path string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	status, body := do(tb, req)
	return status, string(body)
}

func mustGetPage(tb testing.TB, srv *httptest.Server, path string, wantStatus int) string {
	tb.Helper()
	status, body := page(tb, srv, http.MethodGet, path)
	if status != wantStatus {
		tb.Fatalf("GET %s: got status %d, want %d; body %s", path, status, wantStatus, body)
	}
	return body
}

// Test cards of the hosted page (README.md).
const (
	cardSuccess      = "5528790000000008"
	cardDoNotHonour  = "4111111111111129"
	cardInsufficient = "4129111111111111"
)

// payForm is a valid payment form for number in one installment; change may alter it.
func payForm(number string, change ...func(url.Values)) string {
	form := url.Values{"name": {"Ayşe Yılmaz"}, "number": {number}, "expiry": {"12/30"}, "cvc": {"739"}, "installment": {"1"}}
	for _, c := range change {
		c(form)
	}
	return form.Encode()
}

// postForm POSTs a urlencoded form to a hosted page.
func postForm(tb testing.TB, srv *httptest.Server, path, form string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form))
	if err != nil {
		tb.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body := do(tb, req)
	return status, string(body)
}

// mustPayLink pays the link token with the success card in one installment.
func mustPayLink(tb testing.TB, srv *httptest.Server, token string) {
	tb.Helper()
	if status, body := postForm(tb, srv, "/sandbox/craftgate/pay/"+token, payForm(cardSuccess)); status != http.StatusOK {
		tb.Fatalf("pay link: got status %d, want 200; body %s", status, body)
	}
}

func TestHostedPaymentPage(t *testing.T) {
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	link := mustCreateProduct(t, srv, `{"name":"Simit <sıcak>","description":"Taze","price":149.90,"currency":"TRY","enabledInstallments":[1,3],"stock":2}`)
	path := "/sandbox/craftgate/pay/" + link.Token

	body := mustGetPage(t, srv, path, http.StatusOK)
	for _, want := range []string{"Simit &lt;sıcak&gt;", "149.9 TRY", "Taze", `data-testid="pay-button"`, `action="` + path + `"`, "1, 3"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	steps := []struct {
		name             string
		wantStatus       int
		wantText         string
		wantSold         int64
		wantStock        int64
		wantPayButtonGET bool
	}{
		{"first payment", 200, "Ödemeniz alındı", 1, 1, true},
		{"second payment uses the last stock", 200, "Payment received", 2, 0, false},
		{"sold out", 409, "stoğu tükendi", 2, 0, false},
	}
	for _, st := range steps {
		status, body := postForm(t, srv, path, payForm(cardSuccess))
		if status != st.wantStatus || !strings.Contains(body, st.wantText) {
			t.Fatalf("%s: got status %d, want %d with %q; body %s", st.name, status, st.wantStatus, st.wantText, body)
		}
		got := mustRetrieveProduct(t, srv, link.ID)
		if got.SoldCount != st.wantSold || got.Stock == nil || *got.Stock != st.wantStock {
			t.Errorf("%s: got sold %d stock %v, want %d %d", st.name, got.SoldCount, got.Stock, st.wantSold, st.wantStock)
		}
		wantGET := http.StatusOK
		if !st.wantPayButtonGET {
			wantGET = http.StatusConflict
		}
		if body := mustGetPage(t, srv, path, wantGET); strings.Contains(body, "pay-button") != st.wantPayButtonGET {
			t.Errorf("%s: pay button shown = %v, want %v", st.name, !st.wantPayButtonGET, st.wantPayButtonGET)
		}
	}
}

func TestHostedPaymentPageRefusals(t *testing.T) {
	clk := newClock(testStart)
	srv := MustServe(t, sandbox.Config{Now: clk.Now})
	tests := []struct {
		name       string
		create     string
		update     string // PUT body applied after create, if any
		now        time.Time
		wantStatus int
		wantText   string
	}{
		{"passive", `{"name":"p","price":1,"currency":"TRY","enabledInstallments":[1]}`,
			`{"status":"PASSIVE","name":"p","price":1,"currency":"TRY","enabledInstallments":[1]}`, testStart, 409, "pasif"},
		{"expired", `{"name":"e","price":1,"currency":"TRY","enabledInstallments":[1],"expiresAt":"2026-03-01T10:00:00"}`,
			"", testStart.Add(time.Hour), 410, "süresi doldu"},
		{"expires exactly now", `{"name":"e","price":1,"currency":"TRY","enabledInstallments":[1],"expiresAt":"2026-03-01T10:00:00"}`,
			"", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), 410, "has expired"},
		{"expired and passive: expiry wins", `{"name":"e","price":1,"currency":"TRY","enabledInstallments":[1],"expiresAt":"2026-03-01T10:00:00"}`,
			`{"status":"PASSIVE","name":"e","price":1,"currency":"TRY","enabledInstallments":[1],"expiresAt":"2026-03-01T10:00:00"}`,
			testStart.Add(time.Hour), 410, "süresi doldu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(testStart)
			link := mustCreateProduct(t, srv, tt.create)
			if tt.update != "" {
				mustCraft(t, srv, craftReq{method: http.MethodPut, target: fmt.Sprintf("/sandbox/craftgate/craftlink/v1/products/%d", link.ID), body: tt.update}, 200)
			}
			clk.Set(tt.now)
			path := "/sandbox/craftgate/pay/" + link.Token
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				status, body := page(t, srv, method, path)
				if status != tt.wantStatus || !strings.Contains(body, tt.wantText) || strings.Contains(body, "pay-button") {
					t.Errorf("%s: got status %d, want %d with %q and no pay button; body %s", method, status, tt.wantStatus, tt.wantText, body)
				}
			}
			if got := mustRetrieveProduct(t, srv, link.ID); got.SoldCount != 0 {
				t.Errorf("got soldCount %d after refusals, want 0", got.SoldCount)
			}
		})
	}
}

func TestHostedPaymentUnlimitedStock(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"u","price":1,"currency":"TRY","enabledInstallments":[1]}`)
	for range 3 {
		mustPayLink(t, srv, link.Token)
	}
	if got := mustRetrieveProduct(t, srv, link.ID); got.SoldCount != 3 || got.Stock != nil {
		t.Errorf("got sold %d stock %v, want 3 <nil>", got.SoldCount, got.Stock)
	}
}

func TestHostedPaymentUnknownToken(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/sandbox/craftgate/pay/no-such-token"},
		{http.MethodPost, "/sandbox/craftgate/pay/no-such-token"},
		{http.MethodGet, "/sandbox/craftgate/pay/no-such-token/qr"},
	} {
		if status, body := page(t, srv, tt.method, tt.path); status != http.StatusNotFound || !strings.Contains(body, "bulunamadı") {
			t.Errorf("%s %s: got status %d, want 404 page; body %s", tt.method, tt.path, status, body)
		}
	}
}

// Concurrent payments on a limited link never oversell it.
func TestHostedPaymentConcurrent(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"c","price":1,"currency":"TRY","enabledInstallments":[1],"stock":3}`)
	const buyers = 10
	got := concurrently(buyers, func() string {
		return postOutcome(srv, "/sandbox/craftgate/pay/"+link.Token, payForm(cardSuccess),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	})
	if got["HTTP 200"] != 3 || got["HTTP 409"] != buyers-3 {
		t.Errorf("got %v, want 3×200 and %d×409", got, buyers-3)
	}
	if got := mustRetrieveProduct(t, srv, link.ID); got.SoldCount != 3 || got.Stock == nil || *got.Stock != 0 {
		t.Errorf("got sold %d stock %v, want 3 0", got.SoldCount, got.Stock)
	}
}

func TestLinkQRCode(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	link := mustCreateProduct(t, srv, `{"name":"q","price":1,"currency":"TRY","enabledInstallments":[1]}`)
	req, err := http.NewRequest(http.MethodGet, link.QRCodeURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("got status %d type %q, want 200 image/png", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("got %dx%d, want 256x256", b.Dx(), b.Dy())
	}
}
