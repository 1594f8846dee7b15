package views_test

import (
	"testing"

	"linkdesk/app"
	"linkdesk/views"
)

func TestProviderName(t *testing.T) {
	tests := []struct{ key, want string }{
		{"papara", "Papara"},
		{"PAPARA", "Papara"},
		{"qrcuzdan", "QR Cüzdan"},
		{"paywall", "Paywall"},
		{"craftgate", "Craftgate"},
		{"tosla", "Tosla"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := views.ProviderName(tt.key); got != tt.want {
			t.Errorf("ProviderName(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	// The form's choice names a wallet as the lists name its payments.
	w := app.Wallet{Key: "papara", Name: "papara", ExternalID: "SUBE2"}
	if got, want := views.ProviderLabel(w), "Papara · SUBE2"; got != want {
		t.Errorf("ProviderLabel = %q, want %q", got, want)
	}
}
