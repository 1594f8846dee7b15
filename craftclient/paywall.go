package craftclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// paywallAPIPrefix is prepended to every Paywall PaymentAPI path.
const paywallAPIPrefix = "/api/paywall/"

// Paywall is a client for Paywall's PaymentAPI (public key pair). It is safe
// for concurrent use.
type Paywall struct {
	APM *APMService

	baseURL      string
	publicKey    string
	publicClient string
	lang         string
	transport    transport
}

// NewPaywall returns a client for the PaymentAPI at baseURL, e.g.
// "https://test-payment-api.itspaywall.com"; "/api/paywall/…" is appended.
func NewPaywall(baseURL, publicKey, publicClient string, opts ...Option) *Paywall {
	cfg := newConfig(opts)
	p := &Paywall{
		baseURL:      strings.TrimRight(baseURL, "/"),
		publicKey:    publicKey,
		publicClient: publicClient,
		lang:         cfg.lang,
		transport:    transport{provider: ProviderPaywall, client: cfg.httpClient, logger: cfg.logger},
	}
	p.APM = &APMService{p: p}
	return p
}

// paywallEnvelope wraps every Paywall answer. Pointers tell "absent" from
// zero, so a body that is not an envelope at all can be recognised.
type paywallEnvelope struct {
	ErrorCode *int            `json:"ErrorCode"`
	Result    *bool           `json:"Result"`
	Message   string          `json:"Message"`
	Body      json.RawMessage `json:"Body"`
}

// paywallDo sends one request and returns the envelope's Body as a *T.
// endpoint is relative to /api/paywall/ (e.g. "apm/list"); params are sent
// as headers, which is how Paywall takes the parameters of its GET
// endpoints; in, when not nil, is the JSON body. fields are the request's
// field names a refusal may concern (APIError.Field).
func paywallDo[T any](ctx context.Context, p *Paywall, method, endpoint string, params http.Header, in any, fields []string) (*T, error) {
	path := paywallAPIPrefix + endpoint
	var reqBody io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("craftclient: %s %s: encode request: %w", method, path, err)
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.baseURL+path, reqBody)
	if err != nil {
		return nil, fmt.Errorf("craftclient: %s %s: %w", method, path, err)
	}
	for k, v := range params {
		req.Header[k] = v
	}
	req.Header.Set("apikeypublic", p.publicKey)
	req.Header.Set("apiclientpublic", p.publicClient)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if p.lang != "" {
		req.Header.Set("locale", p.lang)
	}

	status, body, err := p.transport.send(req, path)
	if err != nil {
		return nil, err
	}
	// One pass for the usual success; anything else is read again by
	// decode, which tells the failures apart.
	if status >= 200 && status < 300 {
		var env struct {
			ErrorCode *int  `json:"ErrorCode"`
			Result    *bool `json:"Result"`
			Body      *T    `json:"Body"`
		}
		if json.Unmarshal(body, &env) == nil && (env.ErrorCode == nil || *env.ErrorCode == 0) &&
			env.Result != nil && *env.Result && env.Body != nil {
			return env.Body, nil
		}
	}
	var out T
	if err := p.decode(method, path, status, body, &out, fields); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p *Paywall) decode(method, path string, status int, body []byte, out any, fields []string) error {
	newError := func(description string) *APIError {
		return &APIError{Provider: ProviderPaywall, HTTPStatus: status, Method: method, Path: path, Description: description}
	}
	var env paywallEnvelope
	decodeErr := json.Unmarshal(body, &env)
	isEnvelope := decodeErr == nil && (env.ErrorCode != nil || env.Result != nil)
	ok2xx := status >= 200 && status < 300

	if !isEnvelope {
		if ok2xx {
			// Not an error answer either: like Craftgate's decoder, a 2xx the
			// client cannot read is the provider's fault, not the caller's.
			what := "response is not a Paywall envelope"
			if decodeErr != nil {
				what = "decode response"
			}
			return malformed(method, path, what, decodeErr)
		}
		return newError(excerpt(status, body))
	}
	code := 0
	if env.ErrorCode != nil {
		code = *env.ErrorCode
	}
	if !ok2xx || code != 0 || env.Result == nil || !*env.Result {
		apiErr := newError(env.Message)
		apiErr.Code = strconv.Itoa(code)
		apiErr.setField(env.Message, fields)
		if apiErr.Description == "" {
			apiErr.Description = excerpt(status, body)
		}
		return apiErr
	}
	if out == nil {
		return nil
	}
	if len(env.Body) == 0 || string(env.Body) == "null" {
		return malformed(method, path, "response has no Body", nil)
	}
	if err := json.Unmarshal(env.Body, out); err != nil {
		return malformed(method, path, "decode Body", err)
	}
	return nil
}
