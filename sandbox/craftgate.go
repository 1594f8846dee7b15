package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// craftgateError is an error answered in Craftgate's envelope
// {"errors":{"errorCode":"…","errorDescription":"…"}}. Codes are strings below 10000,
// so no errorGroup is sent (that is reserved for payment errors).
type craftgateError struct {
	status int
	code   string
	desc   text
}

func (e *craftgateError) Error() string { return "craftgate " + e.code + ": " + e.desc.en }

// signatureMismatch is the docs' wording for every signature failure; it is not localised.
var signatureMismatch = text{"Signature is not equal!", "Signature is not equal!"}

// Craftgate error codes. The real codes for these cases are not published; README.md
// lists this table.
var (
	errSignature    = &craftgateError{http.StatusUnauthorized, "1000", signatureMismatch}
	errAPIKey       = &craftgateError{http.StatusUnauthorized, "1001", signatureMismatch}
	errAuthVersion  = &craftgateError{http.StatusUnauthorized, "1002", text{"Geçersiz x-auth-version değeri!", "Invalid x-auth-version value!"}}
	errMalformed    = &craftgateError{http.StatusBadRequest, "1003", text{"İstek gövdesi geçerli bir JSON değil!", "Request body is not valid JSON!"}}
	errBodyTooLarge = &craftgateError{http.StatusRequestEntityTooLarge, "1004", text{"İstek gövdesi çok büyük!", "Request body is too large!"}}
	errMethod       = &craftgateError{http.StatusMethodNotAllowed, "1005", text{"Bu HTTP metodu desteklenmiyor!", "This HTTP method is not supported!"}}
	errEndpoint     = &craftgateError{http.StatusNotFound, "1006", text{"İstek adresi bulunamadı!", "Endpoint not found!"}}
	errInternal     = &craftgateError{http.StatusInternalServerError, "1099", text{"Beklenmeyen bir hata oluştu!", "An unexpected error occurred!"}}

	errNameRequired        = validation("2001", "Link adı zorunludur!", "name is required!")
	errPriceRequired       = validation("2002", "Fiyat zorunludur!", "price is required!")
	errPricePositive       = validation("2003", "Fiyat sıfırdan büyük olmalıdır!", "price must be greater than 0!")
	errCurrencyRequired    = validation("2004", "Para birimi zorunludur!", "currency is required!")
	errCurrencyInvalid     = validation("2005", "Geçersiz para birimi!", "currency is not valid!")
	errInstallmentsMissing = validation("2006", "Taksit seçenekleri zorunludur!", "enabledInstallments is required!")
	errInstallmentRange    = validation("2007", "Taksit değerleri 1 ile 12 arasında olmalıdır!", "enabledInstallments values must be between 1 and 12!")
	errInstallmentRepeated = validation("2008", "Taksit değerleri tekrar edemez!", "enabledInstallments values must be unique!")
	errStockNegative       = validation("2009", "Stok negatif olamaz!", "stock must not be negative!")
	errOrderIDStock        = validation("2010", "Sipariş numarası gönderildiğinde stok 1 olmalıdır!", "stock must be 1 when orderId is given!")
	errStatusRequired      = validation("2011", "Link durumu zorunludur!", "status is required!")
	errStatusInvalid       = validation("2012", "Link durumu ACTIVE veya PASSIVE olmalıdır!", "status must be ACTIVE or PASSIVE!")
	errExpiresAtInvalid    = validation("2013", "Geçersiz son geçerlilik tarihi!", "expiresAt is not a valid date-time!")
	// 2014 (invalid search parameter) carries the parameter name: see errInvalidParam.
	errPageSize = validation("2015", "Sayfa büyüklüğü 1 ile 100 arasında olmalıdır!", "size must be between 1 and 100!")

	errProductNotFound = &craftgateError{http.StatusNotFound, "5001", text{"Link bulunamadı!", "Product not found!"}}
)

func validation(code, tr, en string) *craftgateError {
	return &craftgateError{http.StatusUnprocessableEntity, code, text{tr, en}}
}

func errInvalidParam(name string) *craftgateError {
	return validation("2014", "Geçersiz arama parametresi: "+name, "Invalid search parameter: "+name)
}

// craftgateHandler serves one authenticated Craftgate API call. It writes successful
// responses itself and returns errors, which the wrapper turns into the envelope.
type craftgateHandler func(w http.ResponseWriter, r *http.Request, body []byte) error

// craftgateAPI authenticates the request (notes §1.5) before calling h.
func (s *Sandbox) craftgateAPI(h craftgateHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if isTooLarge(err) {
			err = errBodyTooLarge
		} // any other read error is a broken connection, answered as internal
		if err == nil {
			err = s.authenticate(r, body)
		}
		if err == nil {
			err = h(w, r, body)
		}
		if err != nil {
			s.writeCraftgateError(w, r, err)
		}
	})
}

func (s *Sandbox) craftgateNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeCraftgateError(w, r, errEndpoint)
}

// authenticate checks the x-api-key, x-auth-version and x-signature headers.
func (s *Sandbox) authenticate(r *http.Request, body []byte) error {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("x-api-key")), []byte(CraftgateAPIKey)) != 1 {
		return errAPIKey
	}
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("x-auth-version"))) {
	case "1", "v1":
	default:
		return errAuthVersion
	}
	got := []byte(r.Header.Get("x-signature"))
	rnd := r.Header.Get("x-rnd-key")
	for _, u := range s.signedURLCandidates(r) {
		want := signature(u, CraftgateAPIKey, CraftgateSecretKey, rnd, body)
		if subtle.ConstantTimeCompare(got, []byte(want)) == 1 {
			return nil
		}
	}
	return errSignature
}

// signature is base64(sha256(url + apiKey + secret + rnd + body)) over the raw body bytes.
func signature(url, apiKey, secret, rnd string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(url + apiKey + secret + rnd))
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// signedURLCandidates lists the URL strings a client may have signed. Official clients
// disagree (notes §1.2): Go signs the raw URL, Node and .NET the percent-decoded one,
// Java, PHP and Python also turn '+' into a space. Each form is tried with the host the
// request was addressed to and, when configured, with PublicURL (for proxies).
func (s *Sandbox) signedURLCandidates(r *http.Request) []string {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	var bases []string
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		bases = []string{""} // absolute-form request target: it already is the full URL
	} else {
		bases = []string{requestBase(r)}
		if s.publicURL != "" && s.publicURL != bases[0] {
			bases = append(bases, s.publicURL)
		}
	}
	var out []string
	for _, b := range bases {
		raw := b + target
		out = append(out, raw)
		if dec, err := url.PathUnescape(raw); err == nil && dec != raw {
			out = append(out, dec)
		}
		if dec, err := url.QueryUnescape(raw); err == nil && dec != raw {
			out = append(out, dec)
		}
	}
	return out
}

func (s *Sandbox) writeCraftgateError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *craftgateError
	if !errors.As(err, &ce) {
		s.log.ErrorContext(r.Context(), "craftgate request failed",
			"method", r.Method, "path", r.URL.Path, "err", err)
		ce = errInternal
	}
	type errorBody struct {
		ErrorCode        string `json:"errorCode"`
		ErrorDescription string `json:"errorDescription"`
	}
	writeJSON(w, ce.status, struct {
		Errors errorBody `json:"errors"`
	}{errorBody{ce.code, ce.desc.in(parseLang(r.Header.Get("lang")))}})
}

// writeData answers {"data": v}.
func writeData(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, struct {
		Data any `json:"data"`
	}{v})
}

// writeJSON writes v without HTML escaping, as the real services do.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own response types reach here; they always encode.
		http.Error(w, "sandbox: encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
