// Package linkseed creates benchmark links through the sandbox's own
// Craftgate API, signed as the official clients sign, so the benchmarks of
// issue #16 (bench/sandboxsearch, bench/scale) stand on the same data.
//
// The links: half are named for coffee ("kahve"), one in 500 ends in "nadir"
// (rare), one in 8 starts with "İri"; prices run from 1.00 to 999.99; 60 %
// TRY; four channels; every tenth link has an orderId (with stock 1), every
// other one an externalId shared by 200 links and an expiry in 2030 or 2031.
package linkseed

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"linkdesk/sandbox"
)

// ProductsPath is the sandbox's product collection under its own prefix.
const ProductsPath = "/sandbox/craftgate/craftlink/v1/products"

// Client signs Craftgate requests as the official clients do (notes §1.2):
// base64(sha256(url + apiKey + secret + rnd + body)) over the URL as sent.
// Base is the origin the sandbox is served at (no trailing slash).
type Client struct {
	Base string
	HTTP *http.Client
}

// Request is a signed request for target (a path and query under Base).
func (c *Client) Request(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, c.Base+target, strings.NewReader(body))
	req.RequestURI = "" // httptest sets it for servers; a client request must not carry it
	rnd := make([]byte, 6)
	_, _ = rand.Read(rnd) // never fails
	key := base64.RawURLEncoding.EncodeToString(rnd)
	sum := sha256.Sum256([]byte(c.Base + target + sandbox.CraftgateAPIKey + sandbox.CraftgateSecretKey + key + body))
	req.Header.Set("x-api-key", sandbox.CraftgateAPIKey)
	req.Header.Set("x-rnd-key", key)
	req.Header.Set("x-auth-version", "v1")
	req.Header.Set("x-signature", base64.StdEncoding.EncodeToString(sum[:]))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// Do sends a signed request and returns the body of a 200 answer.
func (c *Client) Do(method, target, body string) ([]byte, error) {
	resp, err := c.HTTP.Do(c.Request(method, target, body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: status %d: %s", method, target, resp.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}

var (
	adjectives = []string{"Türk", "Filtre", "Sıcak", "Soğuk", "İri", "Organik", "Yöresel", "Taze"}
	nouns      = []string{"Kahve", "Çay", "Kupa", "Lokum", "Simit", "Boza", "Salep", "Ayran"}
	channels   = []string{"web", "shop", "app", "pos"}
)

// Body is the JSON create request of the i-th link; the same i always gives
// the same link.
func Body(i int) string {
	rng := mathrand.New(mathrand.NewPCG(uint64(i), 16))
	noun := nouns[1+rng.IntN(len(nouns)-1)] // anything but Kahve
	if i%2 == 0 {
		noun = nouns[0]
	}
	name := adjectives[rng.IntN(len(adjectives))] + " " + noun + " " + strconv.Itoa(i)
	if i%500 == 0 {
		name += " nadir"
	}
	fields := map[string]any{
		"name":                name,
		"price":               json.Number(fmt.Sprintf("%d.%02d", 1+rng.IntN(999), rng.IntN(100))),
		"currency":            []string{"TRY", "TRY", "TRY", "USD", "EUR"}[rng.IntN(5)],
		"channel":             channels[rng.IntN(len(channels))],
		"enabledInstallments": []int{1, 3, 6},
	}
	if i%10 == 0 {
		fields["orderId"], fields["stock"] = fmt.Sprintf("ORD-%d", i), 1
	}
	if i%2 == 1 {
		fields["externalId"] = fmt.Sprintf("EXT-%d", i%200)
		fields["expiresAt"] = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).
			Add(time.Duration(rng.IntN(2*365*24)) * time.Hour).Format("2006-01-02T15:04:05")
	}
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err) // only maps of strings, numbers and ints
	}
	return string(b)
}

// Seed creates links 1..n through the API with writers concurrent clients, so
// ids follow i closely but not exactly.
func Seed(c *Client, n, writers int) error {
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for range writers {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if _, err := c.Do(http.MethodPost, ProductsPath, Body(i)); err != nil {
					errOnce.Do(func() { first = fmt.Errorf("create link %d: %w", i, err) })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
