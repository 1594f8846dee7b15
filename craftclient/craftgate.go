package craftclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// ClientVersion is sent as x-client-version on every Craftgate request.
const ClientVersion = "linkdesk-craftclient:1"

// Craftgate is a client for the Craftgate API. It is safe for concurrent use.
type Craftgate struct {
	Products *ProductService

	baseURL   string
	apiKey    string
	secretKey string
	lang      string
	random    io.Reader
	transport transport
}

// NewCraftgate returns a client for the API at baseURL, e.g.
// "https://sandbox-api.craftgate.io". A path prefix such as
// "https://host/sandbox/craftgate" is kept: paths are appended to it.
func NewCraftgate(baseURL, apiKey, secretKey string, opts ...Option) *Craftgate {
	cfg := newConfig(opts)
	c := &Craftgate{
		baseURL:   strings.TrimRight(baseURL, "/"),
		apiKey:    apiKey,
		secretKey: secretKey,
		lang:      cfg.lang,
		random:    cfg.random,
		transport: transport{provider: ProviderCraftgate, client: cfg.httpClient, logger: cfg.logger},
	}
	c.Products = &ProductService{c: c}
	return c
}

// Sign returns Craftgate's x-signature: base64 (standard, padded) of
// SHA-256 over decodedURL + apiKey + secretKey + rndKey + body. decodedURL is
// the full request URL in percent-decoded form; body is exactly the bytes sent.
func Sign(decodedURL, apiKey, secretKey, rndKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(decodedURL))
	h.Write([]byte(apiKey))
	h.Write([]byte(secretKey))
	h.Write([]byte(rndKey))
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// do builds, signs and sends one request. query is already encoded (see
// queryBuilder); in, when not nil, is marshalled once and those exact bytes
// are both signed and sent. out, when not nil, receives the envelope's data;
// when nil (delete) any 2xx without an "errors" object is success.
func (c *Craftgate) do(ctx context.Context, method, path, query string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("craftclient: %s %s: encode request: %w", method, path, err)
		}
	}
	wireURL := c.baseURL + path
	if query != "" {
		wireURL += "?" + query
	}
	// Five of the six official clients sign the percent-decoded URL, and so
	// does the PHP test vector (craftgate-notes §1.4-1.5).
	signedURL, err := url.PathUnescape(wireURL)
	if err != nil {
		return fmt.Errorf("craftclient: %s %s: decode URL for signing: %w", method, path, err)
	}
	rndKey, err := c.rndKey()
	if err != nil {
		return fmt.Errorf("craftclient: %s %s: random key: %w", method, path, err)
	}

	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, wireURL, reqBody)
	if err != nil {
		return fmt.Errorf("craftclient: %s %s: %w", method, path, err)
	}
	h := req.Header
	h.Set("x-api-key", c.apiKey)
	h.Set("x-rnd-key", rndKey)
	h.Set("x-auth-version", "1")
	h.Set("x-signature", Sign(signedURL, c.apiKey, c.secretKey, rndKey, body))
	h.Set("x-client-version", ClientVersion)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	if c.lang != "" {
		h.Set("lang", c.lang)
	}

	status, respBody, err := c.transport.send(req, path)
	if err != nil {
		return err
	}
	return c.decode(method, path, status, respBody, out)
}

// craftgateEnvelope is {"data": …} on success, {"errors": {…}} on failure.
type craftgateEnvelope struct {
	Data   json.RawMessage  `json:"data"`
	Errors *craftgateErrors `json:"errors"`
}

type craftgateErrors struct {
	ErrorCode        looseString `json:"errorCode"`
	ErrorDescription looseString `json:"errorDescription"`
	ErrorGroup       looseString `json:"errorGroup"`
	ProviderError    *struct {
		ErrorCode    looseString `json:"errorCode"`
		ErrorMessage looseString `json:"errorMessage"`
	} `json:"providerError"`
}

func (c *Craftgate) decode(method, path string, status int, body []byte, out any) error {
	apiErr := &APIError{Provider: ProviderCraftgate, HTTPStatus: status, Method: method, Path: path}
	var env craftgateEnvelope
	decodeErr := json.Unmarshal(body, &env)
	if decodeErr == nil && env.Errors != nil {
		e := env.Errors
		apiErr.Code = string(e.ErrorCode)
		apiErr.Description = string(e.ErrorDescription)
		apiErr.Group = string(e.ErrorGroup)
		if p := e.ProviderError; p != nil {
			apiErr.ProviderCode = string(p.ErrorCode)
			apiErr.ProviderMessage = string(p.ErrorMessage)
		}
		return apiErr
	}
	if status < 200 || status >= 300 {
		apiErr.Description = excerpt(status, body)
		return apiErr
	}
	if out == nil {
		// Deletes answer 200 empty, 204 or {"data":null}; the body carries nothing.
		return nil
	}
	if decodeErr != nil {
		return malformed(method, path, "decode response", decodeErr)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return malformed(method, path, "response has no data", nil)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return malformed(method, path, "decode data", err)
	}
	return nil
}

// rndKey returns a UUIDv4-formatted random key for x-rnd-key, read from
// c.random so WithRandom can make it deterministic.
func (c *Craftgate) rndKey() (string, error) {
	id, err := uuid.NewRandomFromReader(c.random)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// looseString decodes a JSON string, number or bool as its text, and null as
// "". Craftgate documents errorCode as a string; tolerating a number keeps a
// slightly different upstream from turning an error answer into a decode
// failure.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	text, err := jsonScalarText(b)
	if err != nil {
		return fmt.Errorf("craftclient: %w", err)
	}
	*s = looseString(text)
	return nil
}

// queryBuilder writes a query string in the order fields are added, with
// spaces as %20 (never '+', which the decoding signers would misread).
type queryBuilder struct{ b strings.Builder }

func (q *queryBuilder) add(key, value string) {
	if q.b.Len() > 0 {
		q.b.WriteByte('&')
	}
	q.b.WriteString(queryEscape(key))
	q.b.WriteByte('=')
	q.b.WriteString(queryEscape(value))
}

func (q *queryBuilder) String() string { return q.b.String() }

// queryEscape escapes everything but unreserved characters; QueryEscape
// already turns a literal '+' into %2B, so only its spaces need fixing.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
