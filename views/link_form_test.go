package views

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// validLinkForm is a form that passes; tests break one field at a time.
func validLinkForm() LinkForm {
	return LinkForm{
		Name: "Kahve", Description: "Sıcak", Price: "1.234,56", Currency: "TRY",
		EnabledInstallments: []string{"1"}, Channel: "kasa",
	}
}

func TestLinkFormValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		edit  func(*LinkForm)
		field string // "" when valid
		key   string
	}{
		{"valid", func(*LinkForm) {}, "", ""},
		{"name blank", func(f *LinkForm) { f.Name = " \t" }, FieldName, "links.err.name_required"},
		{"name 200 runes", func(f *LinkForm) { f.Name = strings.Repeat("ğ", 200) }, "", ""},
		{"name 201 runes", func(f *LinkForm) { f.Name = strings.Repeat("ğ", 201) }, FieldName, "links.err.name_long"},
		{"price blank", func(f *LinkForm) { f.Price = "" }, FieldPrice, "links.err.price_required"},
		{"price tr", func(f *LinkForm) { f.Price = "1234,56" }, "", ""},
		{"price en", func(f *LinkForm) { f.Price = "1234.56" }, "", ""},
		{"price garbage", func(f *LinkForm) { f.Price = "on beş" }, FieldPrice, "links.err.price_format"},
		{"price zero", func(f *LinkForm) { f.Price = "0" }, FieldPrice, "links.err.price_positive"},
		{"price too many decimals", func(f *LinkForm) { f.Price = "1,2345" }, FieldPrice, "links.err.price_decimals"},
		{"price trailing zeros", func(f *LinkForm) { f.Price = "1.50000" }, "", ""},
		{"price KWD three decimals", func(f *LinkForm) { f.Currency, f.Price = "KWD", "1.2340" }, "", ""},
		{"price JPY decimals", func(f *LinkForm) { f.Currency, f.Price = "JPY", "100,5" }, FieldPrice, "links.err.price_decimals"},
		{"currency lower case", func(f *LinkForm) { f.Currency = "try" }, FieldCurrency, "links.err.currency"},
		{"currency empty", func(f *LinkForm) { f.Currency = "" }, FieldCurrency, "links.err.currency"},
		{"installments none", func(f *LinkForm) { f.EnabledInstallments = nil }, FieldInstallments, "links.err.installments_required"},
		{"installments repeat", func(f *LinkForm) { f.EnabledInstallments = []string{"3", "3", "1"} }, "", ""},
		{"installments 0", func(f *LinkForm) { f.EnabledInstallments = []string{"0"} }, FieldInstallments, "links.err.installments_range"},
		{"installments text", func(f *LinkForm) { f.EnabledInstallments = []string{"x"} }, FieldInstallments, "links.err.installments_range"},
		{"stock 1", func(f *LinkForm) { f.Stock = "1" }, "", ""},
		{"stock 0", func(f *LinkForm) { f.Stock = "0" }, FieldStock, "links.err.stock"},
		{"stock fraction", func(f *LinkForm) { f.Stock = "1.5" }, FieldStock, "links.err.stock"},
		{"order with stock 1", func(f *LinkForm) { f.OrderID, f.Stock = "O-1", " 1 " }, "", ""},
		{"order unlimited", func(f *LinkForm) { f.OrderID = "O-1" }, FieldOrderID, "links.err.order_stock"},
		{"order stock 5", func(f *LinkForm) { f.OrderID, f.Stock = "O-1", "5" }, FieldOrderID, "links.err.order_stock"},
		{"expiry future", func(f *LinkForm) { f.ExpiresAt = "2026-11-23T12:01" }, "", ""},
		{"expiry with seconds", func(f *LinkForm) { f.ExpiresAt = "2026-12-01T08:00:30" }, "", ""},
		{"expiry now", func(f *LinkForm) { f.ExpiresAt = "2026-11-23T12:00" }, FieldExpiresAt, "links.err.expires_past"},
		{"expiry date only: the end of that day", func(f *LinkForm) { f.ExpiresAt = "2026-12-01" }, "", ""},
		{"expiry date only, past", func(f *LinkForm) { f.ExpiresAt = "2026-11-22" }, FieldExpiresAt, "links.err.expires_past"},
		{"expiry garbage", func(f *LinkForm) { f.ExpiresAt = "yarın" }, FieldExpiresAt, "links.err.expires_format"},
		{"status on edit missing", func(f *LinkForm) { f.ID = 4 }, FieldStatus, "links.err.status"},
		{"status on edit", func(f *LinkForm) { f.ID, f.Status = 4, "PASSIVE" }, "", ""},
		{"status unknown", func(f *LinkForm) { f.Status = "active" }, FieldStatus, "links.err.status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validLinkForm()
			tt.edit(&f)
			ok := f.Validate(now)
			if ok != (tt.field == "") {
				t.Fatalf("Validate() = %v, errors %v", ok, f.Errors)
			}
			if tt.field != "" {
				if got := f.Errors[tt.field]; got != tt.key || len(f.Errors) != 1 {
					t.Errorf("errors: got %v, want only %s=%s", f.Errors, tt.field, tt.key)
				}
				if _, known := messages[tt.key]; !known {
					t.Errorf("key %q is not in the catalog", tt.key)
				}
			}
		})
	}
}

func TestLinkFormInput(t *testing.T) {
	loc := time.FixedZone("TRT", 3*3600)
	f := LinkForm{
		ID: 9, Name: "  Kahve ", Description: " d ", Price: "1.234,5", Currency: "USD",
		EnabledInstallments: []string{"6", "1", "6"}, Stock: "1", Channel: " kasa ",
		OrderID: " O-1 ", ExpiresAt: "2026-12-31T23:30", Status: "PASSIVE",
	}
	if !f.Validate(time.Date(2026, 1, 1, 0, 0, 0, 0, loc)) {
		t.Fatalf("Validate: %v", f.Errors)
	}
	in := f.Input()
	got := fmt.Sprintf("%s|%s|%s|%s|%v|%d|%s|%s|%s|%s", in.Name, in.Description, in.Price, in.Currency,
		in.Installments, *in.Stock, in.Channel, in.OrderID, in.ExpiresAt.Format("2006-01-02T15:04:05"), in.Status)
	want := "Kahve|d|1234.5|USD|[1 6]|1|kasa|O-1|2026-12-31T23:30:00|PASSIVE"
	if got != want {
		t.Errorf("Input():\n got %s\nwant %s", got, want)
	}
	if err := in.Validate(); err != nil {
		t.Errorf("the core refuses the input: %v", err)
	}

	f.ID, f.Stock, f.OrderID, f.ExpiresAt, f.Status = 0, "", "", "", ""
	if !f.Validate(time.Date(2026, 1, 1, 0, 0, 0, 0, loc)) {
		t.Fatalf("Validate: %v", f.Errors)
	}
	in = f.Input()
	if in.Stock != nil || in.ExpiresAt != nil || in.Status != "" {
		t.Errorf("create input: stock %v expiresAt %v status %q, want unlimited, none, none", in.Stock, in.ExpiresAt, in.Status)
	}
}

func TestLinkFormFromRoundTrip(t *testing.T) {
	stock := 1
	expires := time.Date(2027, 3, 1, 9, 15, 0, 0, time.UTC)
	tests := []struct {
		price    string
		currency app.Currency
		want     string
	}{
		{"149.9", "TRY", "149.9"},
		{"100", "TRY", "100"},
		{"1.234", "KWD", "1.2340"}, // not the thousands group 1234
		{"0.125", "KWD", "0.125"},  // a lone zero group is never thousands
		{"1234.5", "EUR", "1234.5"},
	}
	for _, tt := range tests {
		t.Run(tt.price, func(t *testing.T) {
			p := app.Link{
				ID: 3, Name: "Kahve", Description: "d", Price: decimal.RequireFromString(tt.price),
				Currency: tt.currency, EnabledInstallments: []int{1, 3}, Stock: &stock, OrderID: "O",
				Channel: "c", Status: app.LinkStatusActive, ExpiresAt: &expires,
			}
			f := LinkFormFrom(p)
			if f.Price != tt.want || f.ExpiresAt != "2027-03-01T09:15" || f.Stock != "1" || f.Status != "ACTIVE" || !f.HasInstallment(3) {
				t.Errorf("LinkFormFrom: %+v", f)
			}
			if !f.Validate(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("pre-filled form is refused: %v", f.Errors)
			}
			in := f.Input()
			if !in.Price.Equal(p.Price) || !in.ExpiresAt.Equal(expires) || fmt.Sprint(in.Installments) != "[1 3]" {
				t.Errorf("round trip changed values: price %s expires %v installments %v", in.Price, in.ExpiresAt, in.Installments)
			}
		})
	}
}

func TestLinkFormFromValues(t *testing.T) {
	v := url.Values{"name": {"A"}, "price": {"1,5"}, "enabledInstallments": {"1", "2"}, "status": {"ACTIVE"}, "id": {"99"}}
	f := LinkFormFromValues(7, v)
	if f.ID != 7 || f.Name != "A" || f.Price != "1,5" || strings.Join(f.EnabledInstallments, ",") != "1,2" || f.Status != "ACTIVE" {
		t.Errorf("got %+v", f)
	}
}

func TestLinkFormAddProviderError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		handled bool
		field   string
		code    string
	}{
		{"refusal naming a field", &app.ProviderError{Kind: app.ProviderRefused, Code: "2010", Description: "stok 1 olmalı", Field: FieldOrderID}, true, FieldOrderID, "2010"},
		{"refusal naming no field", &app.ProviderError{Kind: app.ProviderRefused, Code: "77", Description: "?"}, true, "", "77"},
		{"refusal naming a field the form lacks", &app.ProviderError{Kind: app.ProviderRefused, Code: "9", Field: "basketIdentifier"}, true, "", "9"},
		{"client check", fmt.Errorf("wrapped: %w", &app.ProviderError{Kind: app.ProviderRefused, Field: "stock", Description: "must be at least 1"}), true, FieldStock, ""},
		{"server error", &app.ProviderError{Kind: app.ProviderFailedCall, Code: "1099"}, false, "", ""},
		{"not found", &app.ProviderError{Kind: app.ProviderNotFound, Code: "5001"}, false, "", ""},
		{"network", errors.New("connection reset"), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validLinkForm()
			if got := f.AddProviderError(tt.err); got != tt.handled {
				t.Fatalf("AddProviderError = %v, want %v", got, tt.handled)
			}
			if tt.field != "" && f.Errors[tt.field] != "links.err.rejected" {
				t.Errorf("errors: got %v, want %s marked", f.Errors, tt.field)
			}
			if tt.field == "" && len(f.Errors) != 0 {
				t.Errorf("errors: got %v, want none", f.Errors)
			}
			if f.ProviderCode != tt.code || f.Refused() != tt.handled {
				t.Errorf("code %q refused %v, want %q %v", f.ProviderCode, f.Refused(), tt.code, tt.handled)
			}
		})
	}
}

// TestLinkCatalogDynamicKeys checks the keys the link views build at run
// time, which the literal-key catalog test cannot see.
func TestLinkCatalogDynamicKeys(t *testing.T) {
	var keys []string
	for _, field := range app.LinkFields {
		keys = append(keys, "links.field."+field)
		if k := linkHintKey(field); k != "" {
			keys = append(keys, k)
		}
	}
	for _, s := range []app.LinkStatus{app.LinkStatusActive, app.LinkStatusPassive, "GONE"} {
		keys = append(keys, statusKey(s))
	}
	for _, layout := range PrintLayouts {
		keys = append(keys, "links.print."+layout)
	}
	for _, name := range []string{"minPrice", "maxPrice", "currency"} {
		keys = append(keys, "links.filter."+name)
	}
	for _, k := range keys {
		if _, ok := messages[k]; !ok {
			t.Errorf("missing catalog key %q", k)
		}
	}
}
