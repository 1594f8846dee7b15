package handlers

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/craftclient"
	"linkdesk/views"
)

func renderRow(t *testing.T, l views.Locale, r views.LinkRowProps) string {
	t.Helper()
	var b bytes.Buffer
	if err := views.LinkRow(l, r).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRowCacheKeyCoversRow changes each field of a link in turn: whenever
// the rendered row changes, the cache key must change too, or a cached row
// would show stale data. New fields are covered as they are added.
func TestRowCacheKeyCoversRow(t *testing.T) {
	stock := 5
	qr := "https://example.com/qr"
	exp := craftclient.DateTime{Time: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	base := views.LinkRowProps{
		Link: craftclient.Product{
			ID: 42, Name: "Simit", Description: "d", Status: craftclient.LinkStatusActive,
			Price: craftclient.NewAmount(decimal.RequireFromString("12.50")), Currency: craftclient.CurrencyTRY,
			Stock: &stock, SoldCount: 3, Token: "tok", EnabledInstallments: []int{1, 3}, URL: "https://pay.example/tok",
			QRCodeURL: &qr, Channel: "tezgah", ExpiresAt: &exp,
		},
		CanChange: true, CSRF: "csrf-1", Next: "/links?page=2",
	}
	l := views.NewLocale(views.LangTR)
	baseHTML, baseKey := renderRow(t, l, base), rowKey(l, base)

	v := reflect.ValueOf(&base.Link).Elem()
	for i := 0; i < v.NumField(); i++ {
		changed := base
		field := reflect.ValueOf(&changed.Link).Elem().Field(i)
		name := v.Type().Field(i).Name
		switch f := field.Addr().Interface().(type) {
		case *int64:
			*f++
		case *int:
			*f++
		case *bool:
			*f = !*f
		case *string:
			*f += "x"
		case *craftclient.LinkStatus:
			*f = craftclient.LinkStatusPassive
		case *craftclient.Currency:
			*f = craftclient.CurrencyEUR
		case *craftclient.Amount:
			*f = craftclient.NewAmount(f.Add(decimal.NewFromInt(1)))
		case **int:
			n := **f + 1
			*f = &n
		case **string:
			s := **f + "x"
			*f = &s
		case **craftclient.DateTime:
			d := craftclient.DateTime{Time: (*f).Add(time.Hour)}
			*f = &d
		case *[]int:
			*f = append([]int{}, 1, 2, 3, 6)
		default:
			t.Fatalf("field %s has a type this test cannot change; teach it", name)
		}
		html, key := renderRow(t, l, changed), rowKey(l, changed)
		if html != baseHTML && key == baseKey {
			t.Errorf("changing %s changes the row but not its cache key", name)
		}
	}
	for _, change := range []func(*views.LinkRowProps){
		func(r *views.LinkRowProps) { r.CanChange = false },
		func(r *views.LinkRowProps) { r.CSRF = "csrf-2" },
		func(r *views.LinkRowProps) { r.Next = "/links" },
	} {
		changed := base
		change(&changed)
		if renderRow(t, l, changed) != baseHTML && rowKey(l, changed) == baseKey {
			t.Errorf("a row prop change is not in the key: %+v", changed)
		}
	}
	if en := views.NewLocale(views.LangEN); rowKey(en, base) == baseKey {
		t.Error("the language is not in the key")
	}
}

func TestRowCacheServesTheSameHTML(t *testing.T) {
	rc := NewRowCache()
	l := views.NewLocale(views.LangEN)
	r := views.LinkRowProps{Link: craftclient.Product{ID: 1, Name: "Çay <b>", Status: craftclient.LinkStatusActive,
		Price: craftclient.NewAmount(decimal.RequireFromString("5")), Currency: craftclient.CurrencyTRY}}
	want := renderRow(t, l, r)
	for range 2 {
		var b bytes.Buffer
		if err := rc.Row(l, r).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("cached row differs:\n%s\nwant\n%s", b.String(), want)
		}
	}
	if !strings.Contains(want, "Çay &lt;b&gt;") {
		t.Errorf("the row must stay escaped: %s", want)
	}
	if len(rc.rows) != 1 {
		t.Errorf("%d rows cached, want 1", len(rc.rows))
	}
}
