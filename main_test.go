package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/sandbox"
	"linkdesk/web/webtest"
)

// startServe runs serve in the background on a free port and returns its
// base URL; the server stops when the test ends, and must stop cleanly.
func startServe(t *testing.T, env map[string]string, logs io.Writer) string {
	t.Helper()
	env2 := map[string]string{"LINKDESK_ADDR": "127.0.0.1:0", "LINKDESK_DATA": t.TempDir()}
	for k, v := range env {
		env2[k] = v
	}
	cfg, err := LoadConfig(nil, envOf(env2), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not become ready")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("graceful shutdown: %v", err)
		}
	})
	return base
}

func TestServeSandboxOutOfTheBox(t *testing.T) {
	logs := &webtest.SyncBuffer{}
	base := startServe(t, nil, logs)

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct {
		Status    string            `json:"status"`
		Database  string            `json:"database"`
		Upstreams map[string]string `json:"upstreams"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || health.Database != "ok" || health.Upstreams["craftgate"] != "sandbox" || health.Upstreams["paywall"] != "sandbox" {
		t.Errorf("healthz %d %+v, want ok with both upstreams in sandbox mode", resp.StatusCode, health)
	}

	// The mounted sandbox answers the real client with the well-known keys.
	cg := craftclient.NewCraftgate(base+"/sandbox/craftgate", sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey)
	_, err = cg.Products.Create(context.Background(), craftclient.ProductRequest{
		Name: "Kahve", Price: craftclient.NewAmount(decimal.RequireFromString("45.50")), Currency: craftclient.CurrencyTRY,
		EnabledInstallments: []int{1},
	})
	if err != nil {
		t.Errorf("sandbox create through the dashboard's listener: %v", err)
	}
	if !strings.Contains(logs.String(), "sandbox") {
		t.Errorf("logs should say the sandbox is used: %s", logs.String())
	}
	// The sandbox logged the link it created, tagged once with its component.
	var tagged int
	for line := range strings.Lines(logs.String()) {
		switch strings.Count(line, "component=sandbox") {
		case 0:
		case 1:
			tagged++
		default:
			t.Errorf("component repeated in %q", line)
		}
	}
	if tagged == 0 {
		t.Errorf("no sandbox log line tagged component=sandbox:\n%s", logs.String())
	}
	// In sandbox mode callbacks are checked with the sandbox's hash key.
	if strings.Contains(logs.String(), "PAYWALL_HASH_KEY is not set") {
		t.Errorf("sandbox mode must verify callback hashes with the sandbox key:\n%s", logs.String())
	}
}

// TestServeLiveCredentialsMountNoSandbox: with Craftgate live and Paywall
// in the sandbox, only the Paywall emulator answers; the Craftgate one is
// not reachable even with the sandbox's keys.
func TestServeLiveCredentialsMountNoSandbox(t *testing.T) {
	base := startServe(t, map[string]string{
		"CRAFTGATE_API_KEY": "live-key-123", "CRAFTGATE_SECRET_KEY": "live-secret-456",
		"CRAFTGATE_BASE_URL": "http://127.0.0.1:1",
	}, io.Discard)
	ctx := context.Background()
	for _, path := range []string{"/sandbox/craftgate/craftlink/v1/products", "/sandbox/craftgate/pay/some-token"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (Craftgate is live)", path, resp.StatusCode)
		}
	}
	cg := craftclient.NewCraftgate(base+"/sandbox/craftgate", sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey)
	if _, err := cg.Products.Search(ctx, craftclient.ProductSearchRequest{}); err == nil {
		t.Error("the Craftgate emulator answered although Craftgate is live")
	}
	pw := craftclient.NewPaywall(base+"/sandbox/paywall", sandbox.PaywallPublicKey, sandbox.PaywallPublicClient)
	try, _ := craftclient.CurrencyID(craftclient.CurrencyTRY)
	if _, err := pw.APM.List(ctx, craftclient.APMListRequest{CurrencyID: try}); err != nil {
		t.Errorf("the Paywall emulator must still answer: %v", err)
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct{ Upstreams map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if health.Upstreams["craftgate"] != "live" || health.Upstreams["paywall"] != "sandbox" {
		t.Errorf("upstreams %v, want craftgate live, paywall sandbox", health.Upstreams)
	}
}

// TestServeWarnsWithoutHashKey: live Paywall without PAYWALL_HASH_KEY
// cannot check callback hashes, and says so once at start.
func TestServeWarnsWithoutHashKey(t *testing.T) {
	logs := &webtest.SyncBuffer{}
	startServe(t, map[string]string{
		"PAYWALL_PUBLIC_KEY": "pk", "PAYWALL_PUBLIC_CLIENT": "pc", "PAYWALL_BASE_URL": "http://127.0.0.1:1",
	}, logs)
	if got := strings.Count(logs.String(), "PAYWALL_HASH_KEY is not set"); got != 1 {
		t.Errorf("warned %d times, want once:\n%s", got, logs.String())
	}
}

func TestServeNeverLogsSecrets(t *testing.T) {
	logs := &webtest.SyncBuffer{}
	base := startServe(t, map[string]string{
		"PAYWALL_PUBLIC_KEY": "pw-public-key-SECRET1", "PAYWALL_PUBLIC_CLIENT": "pw-client-SECRET2",
		"PAYWALL_BASE_URL": "http://127.0.0.1:1", "PAYWALL_HASH_KEY": "hash-SECRET3",
	}, logs)
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("a secret reached the logs:\n%s", logs.String())
	}
}
