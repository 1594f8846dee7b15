package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/sandbox"
)

// TestSandboxCommand runs `linkdesk sandbox` and talks to it as a shared
// provider would be talked to: the stock clients, given only its origin as
// their base URL, reach both APIs at their own paths.
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "-addr", "127.0.0.1:0", "-data", t.TempDir()}, envOf(nil), strings.NewReader(""), w, io.Discard)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	var origin string
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "sandbox ready: "); ok {
			origin = u
			break
		}
	}
	go io.Copy(io.Discard, out)
	if origin == "" {
		t.Fatalf("the sandbox never said it was ready: %v", <-done)
	}

	cg := craftclient.NewCraftgate(origin, sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey)
	p, err := cg.Products.Create(ctx, craftclient.ProductRequest{Name: "Çay", Price: craftclient.NewAmount(decimal.NewFromInt(15)),
		Currency: craftclient.CurrencyTRY, EnabledInstallments: []int{1}})
	if err != nil {
		t.Fatalf("create a link at %s: %v", origin, err)
	}
	if got, err := cg.Products.Retrieve(ctx, p.ID); err != nil || got.Name != "Çay" || !strings.HasPrefix(got.URL, origin+"/") {
		t.Errorf("retrieve: %+v, %v; want the link with a URL on the sandbox's own origin", got, err)
	}
	pw := craftclient.NewPaywall(origin, sandbox.PaywallPublicKey, sandbox.PaywallPublicClient)
	if list, err := pw.APM.List(ctx, craftclient.APMListRequest{CurrencyID: 1}); err != nil || len(list) == 0 {
		t.Errorf("Paywall's wallets at %s: %v, %v", origin, list, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stopping: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
}
