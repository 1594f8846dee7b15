package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linkdesk/app"
	"linkdesk/web/webtest"
)

// TestMetricsScrape: /metrics is off by default, refuses a request without
// the bearer token, and with it serves what happened in Prometheus's
// format: requests per route and status, provider calls, payments by
// status, reconciler passes and refused sign-ins.
func TestMetricsScrape(t *testing.T) {
	if resp := acctAnon(t, webtest.New(t, webtest.Options{})).Get(t, "/metrics"); resp.StatusCode == http.StatusOK {
		t.Errorf("/metrics without a token configured: status %d, want it off", resp.StatusCode)
	}
	const token = "scrape-token-0123456789"
	ta := webtest.New(t, webtest.Options{MetricsToken: token})
	staff := acctUser(t, ta, "kasa@shop.example", app.RoleStaff)
	c := acctAs(t, ta, staff)
	c.Get(t, "/links")
	form := url.Values{"amount": {"10"}, "currency": {"TRY"}, "description": {"Ölçüm"}, "provider": {"62"}}
	if resp := c.PostForm(t, "/payments", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start a payment: status %d", resp.StatusCode)
	}
	acctAnon(t, ta).PostForm(t, "/login", url.Values{"email": {staff.Email}, "password": {"not the password"}})
	if err := ta.Core.Payments.ReconcileOnce(context.Background()); err != nil {
		t.Fatal(err)
	}

	scrape := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, ta.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, auth := range []string{"", "Bearer wrong", token} {
		if status, _ := scrape(auth); status != http.StatusUnauthorized {
			t.Errorf("scrape with %q: status %d, want 401", auth, status)
		}
	}
	status, body := scrape("Bearer " + token)
	if status != http.StatusOK {
		t.Fatalf("scrape: status %d", status)
	}
	for _, want := range []string{
		`linkdesk_http_request_duration_seconds_count{method="GET",route="/links",status="200"} 1`,
		`linkdesk_http_request_duration_seconds_count{method="POST",route="/payments",status="303"} 1`,
		`linkdesk_upstream_request_duration_seconds_count{operation="POST /sandbox/paywall/api/paywall/apm/pay/qr/generate",provider="paywall",status="200"} 1`,
		`linkdesk_payments{status="pending"} 1`,
		`linkdesk_reconciler_runs_total{outcome="ok"} 1`,
		`linkdesk_login_refusals_total{reason="wrong_password"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the scrape lacks %s", want)
		}
	}
	if strings.Contains(body, "/links/1") || strings.Contains(body, staff.Email) {
		t.Error("the scrape carries a path with an id or a person's e-mail")
	}
}
