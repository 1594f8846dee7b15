package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"linkdesk/sandbox"
)

// TestServerMode runs the sandbox alone on its own listener with PublicURL set to that
// listener's origin, as `linkdesk sandbox -addr` does for several dashboards. Every URL
// it hands out points at that origin, whatever Host a caller used, and answers there.
func TestServerMode(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	origin := "http://" + srv.Listener.Addr().String()
	s, err := sandbox.New(context.Background(), sandbox.Config{
		DB:        MustOpenDB(t, filepath.Join(t.TempDir(), "sandbox.db")),
		PublicURL: origin,
		Now:       newClock(testStart).Now,
	})
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)

	// A dashboard reaching the sandbox under another name (a container alias, a proxy)
	// signs with the Host it used.
	const create = `{"name":"Paylaşılan","price":5,"currency":"TRY","enabledInstallments":[1]}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/craftlink/v1/products", strings.NewReader(create))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "sandbox.internal"
	req.Header.Set("x-api-key", sandbox.CraftgateAPIKey)
	req.Header.Set("x-rnd-key", "r1")
	req.Header.Set("x-auth-version", "1")
	req.Header.Set("x-signature", sign("http://sandbox.internal/craftlink/v1/products",
		sandbox.CraftgateAPIKey, sandbox.CraftgateSecretKey, "r1", create))
	status, body := do(t, req)
	if status != http.StatusOK {
		t.Fatalf("create: got %d, want 200: %s", status, body)
	}
	link := decodeProduct(t, body)
	gen := mustGenerateQR(t, srv, qrBody("server-1", "https://shop.example"))
	list := mustPaywall(t, srv, http.MethodGet, "/apm/list", map[string]string{"currencyid": "1"}, "")

	urls := []struct{ name, url string }{
		{"link url", link.URL},
		{"link qrCodeUrl", link.QRCodeURL},
		{"wallet QR content", gen.QrDetail.Content},
	}
	var providers []struct{ Logo string }
	mustJSON(t, list.Body, &providers)
	for _, p := range providers {
		urls = append(urls, struct{ name, url string }{"provider logo", p.Logo})
	}
	for _, u := range urls {
		if !strings.HasPrefix(u.url, origin+"/sandbox/") {
			t.Errorf("%s: got %s, want it under %s/sandbox/", u.name, u.url, origin)
			continue
		}
		resp, err := srv.Client().Get(u.url)
		if err != nil {
			t.Fatalf("GET %s: %v", u.url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: GET %s: got %d, want 200", u.name, u.url, resp.StatusCode)
		}
	}
}
