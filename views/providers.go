package views

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// providerNames are the display names of the providers' machine keys
// (Paywall's wallet keys, and the APIs themselves as audit actors).
var providerNames = map[string]string{
	"craftgate": "Craftgate",
	"paywall":   "Paywall",
	"papara":    "Papara",
	"qrcuzdan":  "QR Cüzdan",
	"otpcuzdan": "OTP Cüzdan",
}

// ProviderName is how every page names a provider from its key ("papara"
// → "Papara"): the one place provider names are written, so the form, the
// lists, the counter screen and the audit log agree. An unknown key is
// shown with a capital first letter.
func ProviderName(key string) string {
	k := strings.ToLower(strings.TrimSpace(key))
	if name, ok := providerNames[k]; ok {
		return name
	}
	r, n := utf8.DecodeRuneInString(k)
	if n == 0 {
		return ""
	}
	return string(unicode.ToUpper(r)) + k[n:]
}
