package views

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/web/fragment"
)

func renderString(t *testing.T, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// change alters the value f points to in a way the test can see: a
// different number, string, status, amount, time, or a nil pointer filled.
// It reports false for a type it cannot change, so new field types fail
// the test instead of going unchecked.
func change(f any) bool {
	switch f := f.(type) {
	case *int64:
		*f++
	case *int:
		*f++
	case *bool:
		*f = !*f
	case *string:
		*f += "x"
	case *Lang:
		*f = LangEN
	case *app.LinkStatus:
		*f = f.Other()
	case *app.Currency:
		*f = "EUR"
	case *decimal.Decimal:
		*f = f.Add(decimal.NewFromInt(1))
	case **int:
		n := 7
		if *f != nil {
			n = **f + 1
		}
		*f = &n
	case **string:
		s := "x"
		if *f != nil {
			s = **f + "x"
		}
		*f = &s
	case **time.Time:
		d := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
		if *f != nil {
			d = (*f).Add(time.Hour)
		}
		*f = &d
	case *[]int:
		*f = append([]int{}, 1, 2, 3, 6)
	case *[]app.Money:
		*f = append(append([]app.Money{}, *f...), app.Money{Amount: decimal.NewFromInt(3), Currency: "USD"})
	case *[]Flash:
		*f = append(append([]Flash{}, *f...), Flash{Kind: "success", Text: "x"})
	default:
		return false
	}
	return true
}

// checkKeyCovers changes each field of the struct *target points into, one
// at a time (nested structs and pointed-to structs included): whenever the
// fragment's HTML changes, its key must change too, or the cache would
// serve stale or another user's HTML. render and key read *target.
func checkKeyCovers[T any](t *testing.T, target *T, render func() string, key func() string) {
	t.Helper()
	base := *target
	baseHTML, baseKey := render(), key()
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			f, name := v.Field(i), path+sf.Name
			switch {
			case f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[decimal.Decimal]():
				walk(name+".", f)
				continue
			case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct && !f.IsNil() &&
				f.Type() != reflect.TypeFor[*time.Time]():
				copied := reflect.New(f.Type().Elem())
				copied.Elem().Set(f.Elem())
				f.Set(copied)
				walk(name+".", copied.Elem())
				continue
			case f.Kind() == reflect.Func, f.Kind() == reflect.Map:
				continue // the memo hook; filter errors are checked on their own
			}
			before := reflect.New(f.Type()).Elem()
			before.Set(f)
			if !change(f.Addr().Interface()) {
				t.Fatalf("field %s has a type this test cannot change; teach it", name)
			}
			if html := render(); html != baseHTML && key() == baseKey {
				t.Errorf("changing %s changes the HTML but not the key", name)
			}
			f.Set(before)
		}
	}
	walk("", reflect.ValueOf(target).Elem())
	*target = base
}

func TestRowKeyCoversRow(t *testing.T) {
	stock := 5
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, lang := range Langs {
		r := LinkRowProps{
			Link: app.Link{
				ID: 42, Name: "Simit", Description: "d", Status: app.LinkStatusActive,
				Price: decimal.RequireFromString("12.50"), Currency: "TRY",
				Stock: &stock, SoldCount: 3, Token: "tok", EnabledInstallments: []int{1, 3}, URL: "https://pay.example/tok",
				Channel: "tezgah", ExpiresAt: &exp,
			},
			Sales:     app.LinkSales{Revenue: []app.Money{{Amount: decimal.RequireFromString("25"), Currency: "TRY"}}, Sales: 2, LastSaleAt: &exp},
			CanChange: true, CSRF: "csrf-1", Next: "/links?page=2",
		}
		l := NewLocale(lang)
		checkKeyCovers(t, &r, func() string { return renderString(t, LinkRow(l, r)) }, func() string { return r.key(l) })
		r.Link.Stock, r.Link.ExpiresAt, r.Sales = nil, nil, app.LinkSales{}
		checkKeyCovers(t, &r, func() string { return renderString(t, LinkRow(l, r)) }, func() string { return r.key(l) })
	}
	r := LinkRowProps{Link: app.Link{ID: 1}}
	if r.key(NewLocale(LangTR)) == r.key(NewLocale(LangEN)) {
		t.Error("the language is not in the row key")
	}
}

func TestFilterFormKeyCoversForm(t *testing.T) {
	for _, lang := range Langs {
		l := NewLocale(lang)
		f := LinkFilter{Name: "çay", MinPrice: "1", MaxPrice: "abc", Currency: "TRY", Channel: "tezgah", Page: 2, Size: 50, Sort: "revenue"}
		render := func() string { return renderString(t, linkFilters(l, f)) }
		key := func() string { return f.formKey(l) }
		checkKeyCovers(t, &f, render, key)
		valid := key()
		f.Validate()
		if len(f.Errors) == 0 || key() == valid {
			t.Errorf("errors %v: the key must change with them", f.Errors)
		}
		checkKeyCovers(t, &f, render, key)
		f.Errors = map[string]string{"minPrice": "links.err.price"}
		if other := key(); other == valid {
			t.Error("an error is not in the key")
		}
	}
}

// TestFragmentKeysDoNotCollide: typed text cannot make one key equal to
// another by moving a separator between fields.
func TestFragmentKeysDoNotCollide(t *testing.T) {
	l := NewLocale(LangTR)
	a := LinkFilter{Name: "ab", MinPrice: "c"}
	b := LinkFilter{Name: "a", MinPrice: "bc"}
	if a.formKey(l) == b.formKey(l) {
		t.Error("moving text from one filter to the next keeps the key")
	}
	r1 := LinkRowProps{CSRF: "tok", Next: "/x"}
	r2 := LinkRowProps{CSRF: "", Next: "3:tok/x"}
	if r1.key(l) == r2.key(l) {
		t.Error("a URL can imitate a CSRF token in the row key")
	}
	if (LinkRowProps{}).key(l) == (LinkFilter{}).formKey(l) {
		t.Error("keys of different fragments collide")
	}
}

func TestCSRFHeaders(t *testing.T) {
	for token, want := range map[string]string{
		"AbC09_-": `{"X-CSRF-Token":"AbC09_-"}`,
		"":        `{"X-CSRF-Token":""}`,
		`a"b<\`:   `{"X-CSRF-Token":"a\"b\u003c\\"}`,
		"ç":       `{"X-CSRF-Token":"ç"}`,
	} {
		if got := csrfHeaders(token); got != want {
			t.Errorf("csrfHeaders(%q) = %s, want %s", token, got, want)
		}
	}
	if !strings.Contains(csrfHeaders("x"), "X-CSRF-Token") {
		t.Error("header name missing")
	}
}

// TestMemoizedPageIsTheSame renders the list page through a real fragment
// cache, cold and warm, and without one: all three must be the same bytes.
func TestMemoizedPageIsTheSame(t *testing.T) {
	cache := fragment.New(fragment.DefaultMaxBytes)
	stock := 2
	links := []app.Link{
		{ID: 1, Name: "Çay <b>", Status: app.LinkStatusActive, URL: "https://pay.example/1",
			Price: decimal.RequireFromString("12.5"), Currency: "TRY"},
		{ID: 2, Name: "Simit", Status: app.LinkStatusPassive, Stock: &stock,
			Price: decimal.RequireFromString("1234.56"), Currency: "EUR"},
	}
	for _, lang := range Langs {
		m := PageMeta{Locale: NewLocale(lang), Title: "Links", Nav: "links", Path: "/links?name=%C3%A7", CSRF: "tok",
			Viewer: &Viewer{Email: "a@example.com", Role: "staff"}, Sandbox: true}
		for _, f := range []LinkFilter{{Name: "ç", Page: 1, Size: 25}, {Name: "ç", MaxPrice: "x", Page: 1, Size: 25}} {
			f.Validate()
			p := LinksProps{Filter: f, Links: links, Total: 2, CanChange: true, CSRF: "tok"}
			m.Memo, p.Memo = nil, nil
			want := renderString(t, LinksPage(m, p))
			m.Memo, p.Memo = cache.Memo, cache.Memo
			for _, pass := range []string{"cold", "warm"} {
				if got := renderString(t, LinksPage(m, p)); got != want {
					t.Errorf("%s %s: the memoized page differs:\n%s\nwant\n%s", lang, pass, got, want)
				}
			}
		}
	}
	if cache.Len() == 0 {
		t.Error("nothing was cached")
	}
}

// TestRowsKey: the key of a page of rows changes with any row (each row's
// part is the row key's, checked above), their number and their order.
func TestRowsKey(t *testing.T) {
	l := NewLocale(LangTR)
	a := app.Link{ID: 1, Name: "a"}
	b := app.Link{ID: 2, Name: "b"}
	keys := map[string][]app.Link{}
	for _, links := range [][]app.Link{nil, {a}, {b}, {a, b}, {b, a}, {a, a}} {
		key := LinksProps{Links: links}.rowsKey(l, "/links")
		if other, ok := keys[key]; ok {
			t.Errorf("rows %v and %v share a key", links, other)
		}
		keys[key] = links
	}
	p := LinksProps{Links: []app.Link{a}, CanChange: true, CSRF: "t"}
	for name, q := range map[string]LinksProps{
		"role": {Links: p.Links, CSRF: "t"},
		"csrf": {Links: p.Links, CanChange: true, CSRF: "u"},
	} {
		if q.rowsKey(l, "/links") == p.rowsKey(l, "/links") {
			t.Errorf("%s is not in the rows key", name)
		}
	}
	if p.rowsKey(l, "/links") == p.rowsKey(l, "/links?page=2") || p.rowsKey(l, "/links") == p.rowsKey(NewLocale(LangEN), "/links") {
		t.Error("the return URL or the language is not in the rows key")
	}
}

// TestRowsKeyOfSharedPages: a page the core shares is named by a number of
// its own, the same on every view while it is held, never another page's;
// the rows' context stays in the key; and its rows render as they would
// unnamed.
func TestRowsKeyOfSharedPages(t *testing.T) {
	l := NewLocale(LangTR)
	cache := fragment.New(fragment.DefaultMaxBytes)
	newPage := func(name string) *app.LinkPage {
		return &app.LinkPage{Links: []app.Link{{ID: 1, Name: name, Currency: "TRY"}}, Total: 1}
	}
	shown := func(page *app.LinkPage, csrf string) LinksProps {
		p := LinksProps{CanChange: true, CSRF: csrf, Memo: cache.Memo}
		p.Show(page)
		return p
	}
	first, second := newPage("Çay"), newPage("Simit")
	if k := shown(first, "t").rowsKey(l, "/links"); k != shown(first, "t").rowsKey(l, "/links") {
		t.Error("one page got two keys")
	}
	if shown(first, "t").rowsKey(l, "/links") == shown(newPage("Çay"), "t").rowsKey(l, "/links") {
		t.Error("two pages share a key") // equal content, but a page is named for itself alone
	}
	if shown(first, "t").rowsKey(l, "/links") == shown(first, "u").rowsKey(l, "/links") {
		t.Error("the CSRF token is not in the key of a shared page")
	}
	for _, page := range []*app.LinkPage{first, second, first} {
		p := shown(page, "t")
		unnamed := LinksProps{Links: page.Links, Total: page.Total, CanChange: true, CSRF: "t"}
		if got, want := renderString(t, LinksTable(l, p)), renderString(t, LinksTable(l, unnamed)); got != want {
			t.Errorf("page %q through its name:\n%s\nwant\n%s", page.Links[0].Name, got, want)
		}
	}
}
