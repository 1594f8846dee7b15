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
	Payments *PaymentService

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
	c.Payments = &PaymentService{c: c}
	return c
}

// Sign returns Craftgate's x-signature: base64 (standard, padded) of
// SHA-256 over decodedURL + apiKey + secretKey + rndKey + body. decodedURL is
// the full request URL in percent-decoded form; body is exactly the bytes sent.
func Sign(decodedURL, apiKey, secretKey, rndKey string, body []byte) string {
	// One contiguous buffer hashed with Sum256 keeps the digest, the
	// string-to-bytes copies and the encoder's scratch off the heap; the
	// stack array covers any URL and product body the client sends.
	var stack [1024]byte
	msg := append(stack[:0], decodedURL...)
	msg = append(msg, apiKey...)
	msg = append(msg, secretKey...)
	msg = append(msg, rndKey...)
	msg = append(msg, body...)
	sum := sha256.Sum256(msg)
	var out [44]byte // base64 of 32 bytes, padded
	base64.StdEncoding.Encode(out[:], sum[:])
	return string(out[:])
}

// call is one Craftgate request.
type call struct {
	method string
	path   string // without query; used in errors and logs
	query  string // already encoded (see queryBuilder)
	body   any    // marshalled once; those exact bytes are signed and sent
	// fields are the JSON names of the request's fields (body or query) a
	// validation refusal may concern; see APIError.Field.
	fields []string
}

// Canonical header keys: assigning them directly skips
// http.Header.Set's canonicalisation, which allocates a new key for each
// of Craftgate's lower-case names on every request.
const (
	headerAPIKey        = "X-Api-Key"
	headerRndKey        = "X-Rnd-Key"
	headerAuthVersion   = "X-Auth-Version"
	headerSignature     = "X-Signature"
	headerClientVersion = "X-Client-Version"
	headerLang          = "Lang"
)

// send builds, signs and sends one request and returns the status and the
// (bounded) response body.
func (c *Craftgate) send(ctx context.Context, cl call) (int, []byte, error) {
	var body []byte
	switch in := cl.body.(type) {
	case nil:
	case jsonAppender:
		body = in.appendJSON(make([]byte, 0, 512))
	default:
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, nil, fmt.Errorf("craftclient: %s %s: encode request: %w", cl.method, cl.path, err)
		}
	}
	wireURL := c.baseURL + cl.path
	if cl.query != "" {
		wireURL += "?" + cl.query
	}
	// Five of the six official clients sign the percent-decoded URL, and so
	// does the PHP test vector (craftgate-notes §1.4-1.5).
	signedURL, err := url.PathUnescape(wireURL)
	if err != nil {
		return 0, nil, fmt.Errorf("craftclient: %s %s: decode URL for signing: %w", cl.method, cl.path, err)
	}
	rndKey, err := c.rndKey()
	if err != nil {
		return 0, nil, fmt.Errorf("craftclient: %s %s: random key: %w", cl.method, cl.path, err)
	}

	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, wireURL, reqBody)
	if err != nil {
		return 0, nil, fmt.Errorf("craftclient: %s %s: %w", cl.method, cl.path, err)
	}
	// All values share one backing array: one allocation instead of eight.
	values := [...]string{
		c.apiKey, rndKey, "1", Sign(signedURL, c.apiKey, c.secretKey, rndKey, body),
		ClientVersion, "application/json", "application/json", c.lang,
	}
	vs := values[:]
	h := req.Header
	h[headerAPIKey] = vs[0:1:1]
	h[headerRndKey] = vs[1:2:2]
	h[headerAuthVersion] = vs[2:3:3]
	h[headerSignature] = vs[3:4:4]
	h[headerClientVersion] = vs[4:5:5]
	h["Content-Type"] = vs[5:6:6]
	h["Accept"] = vs[6:7:7]
	if c.lang != "" {
		h[headerLang] = vs[7:8:8]
	}
	return c.transport.send(req, cl.path)
}

// do sends cl and returns the envelope's data as a *T.
func do[T any](ctx context.Context, c *Craftgate, cl call) (*T, error) {
	status, body, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	return decodeData[T](cl, status, body)
}

// doNoData sends cl and expects no data (deletes): any 2xx without an
// "errors" object is success.
func (c *Craftgate) doNoData(ctx context.Context, cl call) error {
	status, body, err := c.send(ctx, cl)
	if err != nil {
		return err
	}
	if status < 200 || status >= 300 {
		return craftgateError(cl, status, body)
	}
	// Deletes answer 200 empty, 204 or {"data":null}; only "errors" matters.
	var env struct {
		Errors *craftgateErrors `json:"errors"`
	}
	if len(body) > 0 && json.Unmarshal(body, &env) == nil && env.Errors != nil {
		return newCraftgateError(cl, status, env.Errors)
	}
	return nil
}

// craftgateErrors is the "errors" object of Craftgate's envelope:
// {"data": …} on success, {"errors": {…}} on failure.
type craftgateErrors struct {
	ErrorCode        looseString `json:"errorCode"`
	ErrorDescription looseString `json:"errorDescription"`
	ErrorGroup       looseString `json:"errorGroup"`
	ProviderError    *struct {
		ErrorCode    looseString `json:"errorCode"`
		ErrorMessage looseString `json:"errorMessage"`
	} `json:"providerError"`
}

// decodeData reads a 2xx {"data": …} into a new T in one pass: decoding
// into the envelope's *T field allocates the T the caller gets, and the
// body is scanned once. Anything unusual (non-2xx, "errors", no data, a
// decode error) goes to the slower paths, which say exactly what was wrong.
func decodeData[T any](cl call, status int, body []byte) (*T, error) {
	if status < 200 || status >= 300 {
		return nil, craftgateError(cl, status, body)
	}
	var env struct {
		Data   *T               `json:"data"`
		Errors *craftgateErrors `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, malformedData[T](cl, status, body)
	}
	if env.Errors != nil {
		return nil, newCraftgateError(cl, status, env.Errors)
	}
	if env.Data == nil {
		return nil, malformed(cl.method, cl.path, "response has no data", nil)
	}
	return env.Data, nil
}

// malformedData explains why a 2xx body did not decode. Read in two steps
// (envelope, then data), so a 2xx carrying "errors" next to unreadable data
// is still reported as the *APIError it is.
func malformedData[T any](cl call, status int, body []byte) error {
	var env struct {
		Data   json.RawMessage  `json:"data"`
		Errors *craftgateErrors `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed(cl.method, cl.path, "decode response", err)
	}
	if env.Errors != nil {
		return newCraftgateError(cl, status, env.Errors)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return malformed(cl.method, cl.path, "response has no data", nil)
	}
	var out T
	if err := json.Unmarshal(env.Data, &out); err != nil {
		return malformed(cl.method, cl.path, "decode data", err)
	}
	// Only a body the two readings see differently gets here (a repeated
	// "data" key): malformed either way.
	return malformed(cl.method, cl.path, "decode data", nil)
}

// craftgateError turns a non-2xx answer into an *APIError, from the
// envelope when there is one, else from an excerpt of the body.
func craftgateError(cl call, status int, body []byte) error {
	var env struct {
		Errors *craftgateErrors `json:"errors"`
	}
	if json.Unmarshal(body, &env) == nil && env.Errors != nil {
		return newCraftgateError(cl, status, env.Errors)
	}
	return &APIError{
		Provider: ProviderCraftgate, HTTPStatus: status, Method: cl.method, Path: cl.path,
		Description: excerpt(status, body),
	}
}

func newCraftgateError(cl call, status int, e *craftgateErrors) *APIError {
	apiErr := &APIError{
		Provider: ProviderCraftgate, HTTPStatus: status, Method: cl.method, Path: cl.path,
		Code:        string(e.ErrorCode),
		Description: string(e.ErrorDescription),
		Group:       string(e.ErrorGroup),
	}
	if p := e.ProviderError; p != nil {
		apiErr.ProviderCode = string(p.ErrorCode)
		apiErr.ProviderMessage = string(p.ErrorMessage)
	}
	apiErr.setField(apiErr.Description, cl.fields)
	return apiErr
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
