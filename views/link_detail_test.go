package views_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/views"
)

func TestDuplicateLinkForm(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("TRT", 3*3600))
	past := time.Date(2026, 5, 1, 11, 59, 0, 0, time.UTC) // wall time, a minute ago in TRT
	future := time.Date(2026, 5, 1, 12, 1, 0, 0, time.UTC)
	stock := 1
	base := app.Link{ID: 7, Name: "Pasta", Price: decimal.RequireFromString("250"), Currency: "TRY", Status: app.LinkStatusPassive,
		OrderID: "SIP-1", Stock: &stock, EnabledInstallments: []int{1, 3}}

	f := views.DuplicateLinkForm(views.NewLocale(views.LangTR), base, now)
	if f.ID != 0 || f.Status != "" || f.OrderID != "" || f.Name != "Pasta (kopya)" || f.Stock != "1" {
		t.Errorf("copy: %+v", f)
	}
	for _, tt := range []struct {
		name    string
		expires time.Time
		want    string
	}{
		{"expired", past, ""},
		{"still valid", future, "2026-05-01T12:01"},
	} {
		l := base
		l.ExpiresAt = &tt.expires
		if got := views.DuplicateLinkForm(views.NewLocale(views.LangEN), l, now).ExpiresAt; got != tt.want {
			t.Errorf("%s: expiry %q, want %q", tt.name, got, tt.want)
		}
	}
	long := base
	long.Name = strings.Repeat("ş", app.MaxLinkNameLen)
	f = views.DuplicateLinkForm(views.NewLocale(views.LangEN), long, now)
	if n := utf8.RuneCountInString(f.Name); n != app.MaxLinkNameLen || !strings.HasSuffix(f.Name, " (copy)") {
		t.Errorf("long name: %d runes %q", n, f.Name)
	}
}
