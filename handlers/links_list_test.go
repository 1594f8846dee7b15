package handlers_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

func TestLinksIndexShowsLinks(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	stock := 10
	link := mustCreateLink(t, env.ta, linkRequest("Kahve", "1234.56", func(r *craftclient.ProductRequest) { r.Stock = &stock }))
	mustCreateLink(t, env.ta, linkRequest("Çay", "20", func(r *craftclient.ProductRequest) { r.Currency = craftclient.CurrencyUSD }))

	resp := env.viewer.Get(t, "/links")
	// Rendered pages carry their length, sparing them chunked encoding.
	if resp.ContentLength <= 0 {
		t.Errorf("Content-Length %d, want the page's length", resp.ContentLength)
	}
	doc, _ := page(t, resp, http.StatusOK)
	rows := doc.Find(testid("link-row"))
	if rows.Length() != 2 {
		t.Fatalf("got %d rows, want 2", rows.Length())
	}
	row := doc.Find("#link-row-" + fmt.Sprint(link.ID))
	tests := []struct{ sel, want string }{
		{testid("link-name"), "Kahve"},
		{testid("link-price"), "1.234,56 ₺"},
		{testid("link-status"), "Aktif"},
		{testid("link-sold-stock"), "0 / 10"},
	}
	for _, tt := range tests {
		if got := strings.TrimSpace(row.Find(tt.sel).Text()); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.sel, got, tt.want)
		}
	}
	if got, _ := row.Find(testid("copy-link")).Attr("data-copy"); got != link.URL {
		t.Errorf("copy button: got %q, want %q", got, link.URL)
	}
	if got, _ := row.Find(testid("qr-thumb")).Attr("src"); got != linkPath(link.ID, "/qr.png?size=96") {
		t.Errorf("QR preview: got %q", got)
	}
	if got, _ := row.Find(testid("qr-thumb")).Attr("loading"); got != "lazy" {
		t.Errorf("QR preview loading: got %q, want lazy", got)
	}
	if got, _ := row.Find(testid("select-link")).Attr("form"); got != "link-labels" {
		t.Errorf("row checkbox form: got %q, want link-labels", got)
	}
	if got, _ := doc.Find("#link-labels").Attr("action"); got != "/links/labels" {
		t.Errorf("labels form action: got %q", got)
	}
	if doc.Find(testid("select-all")).Length() != 1 {
		t.Error("no select-all checkbox")
	}
	// A viewer sees no change controls.
	for _, id := range []string{"toggle-status", "edit-link", "delete-link", "new-link"} {
		if n := doc.Find(testid(id)).Length(); n != 0 {
			t.Errorf("viewer sees %d %s", n, id)
		}
	}

	doc, _ = page(t, env.staff.Get(t, "/links", "Accept-Language", "en"), http.StatusOK)
	row = doc.Find("#link-row-" + fmt.Sprint(link.ID))
	if got := strings.TrimSpace(row.Find(testid("link-price")).Text()); got != "₺1,234.56" {
		t.Errorf("English price: got %q, want ₺1,234.56", got)
	}
	for _, id := range []string{"toggle-status", "edit-link", "delete-link"} {
		if row.Find(testid(id)).Length() != 1 {
			t.Errorf("staff row lacks %s", id)
		}
	}
	if doc.Find(testid("new-link")).Length() != 1 {
		t.Error("staff page lacks the new-link button")
	}
}

func TestLinksIndexFragment(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	mustCreateLink(t, env.ta, linkRequest("Kahve", "10"))

	resp := env.viewer.Get(t, "/links?name=Kah&minPrice=&currency=", hx...)
	doc, html := page(t, resp, http.StatusOK)
	wantFragment(t, resp, html)
	if doc.Find("#links-table").Length() != 1 || doc.Find(testid("link-row")).Length() != 1 {
		t.Errorf("fragment lacks the table or its row: %s", excerpt(html))
	}
	if got := resp.Header.Get("HX-Push-Url"); got != "/links?name=Kah" {
		t.Errorf("HX-Push-Url: got %q, want /links?name=Kah", got)
	}
	// The CSV download is swapped with the table, so it exports what the
	// search shows now.
	if got, _ := doc.Find(testid("export-csv")).Attr("href"); got != "/links/export.csv?name=Kah" {
		t.Errorf("CSV download in the fragment: href %q, want the search typed", got)
	}

	// The full page carries the active-search box.
	doc, _ = page(t, env.viewer.Get(t, "/links"), http.StatusOK)
	box := doc.Find(testid("link-search"))
	for attr, want := range map[string]string{
		"hx-get": "/links", "hx-trigger": "input changed delay:300ms, search",
		"hx-target": "#links-table", "hx-push-url": "true",
	} {
		if got, _ := box.Attr(attr); got != want {
			t.Errorf("search box %s: got %q, want %q", attr, got, want)
		}
	}
	if _, ok := box.Attr("data-search"); !ok {
		t.Error("search box lacks data-search")
	}
}

func TestLinksSearchByName(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	for _, name := range []string{"İstanbul Şubesi", "Ankara Şubesi", "IRMAK"} {
		mustCreateLink(t, env.ta, linkRequest(name, "10"))
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"istanbul", []string{"İstanbul Şubesi"}},
		{"İSTANBUL", []string{"İstanbul Şubesi"}},
		{"şube", []string{"Ankara Şubesi", "İstanbul Şubesi"}},
		{"ırmak", []string{"IRMAK"}},
		{"yok", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := env.viewer.Get(t, "/links?name="+url.QueryEscape(tt.query), hx...)
			doc, _ := page(t, resp, http.StatusOK)
			var got []string
			doc.Find(testid("link-name")).Each(func(_ int, s *goquery.Selection) { got = append(got, s.Text()) })
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.want == nil && doc.Find(testid("links-empty")).Length() != 1 {
				t.Error("no designed empty state for a search without results")
			}
		})
	}
}

func TestLinksPaging(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	for i := range 30 {
		mustCreateLink(t, env.ta, linkRequest(fmt.Sprintf("Ürün %02d", i), "10"))
	}
	tests := []struct {
		query    string
		rows     int
		position string
		next     string
		prev     string
	}{
		{"", 25, "Sayfa 1 / 2", "/links?page=2", ""},
		{"?page=2", 5, "Sayfa 2 / 2", "", "/links"},
		{"?name=%C3%9Cr%C3%BCn&size=10&page=2", 10, "Sayfa 2 / 3", "/links?name=%C3%9Cr%C3%BCn&page=3&size=10", "/links?name=%C3%9Cr%C3%BCn&size=10"},
		{"?size=500", 30, "", "", ""}, // clamped to 100: one page
		{"?page=abc", 25, "Sayfa 1 / 2", "/links?page=2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			doc, _ := page(t, env.viewer.Get(t, "/links"+tt.query), http.StatusOK)
			if got := doc.Find(testid("link-row")).Length(); got != tt.rows {
				t.Errorf("got %d rows, want %d", got, tt.rows)
			}
			if got := strings.TrimSpace(doc.Find(testid("pager-position")).Text()); got != tt.position {
				t.Errorf("position: got %q, want %q", got, tt.position)
			}
			if got, _ := doc.Find(testid("pager-next")).Attr("href"); got != tt.next {
				t.Errorf("next: got %q, want %q", got, tt.next)
			}
			if got, _ := doc.Find(testid("pager-prev")).Attr("href"); got != tt.prev {
				t.Errorf("prev: got %q, want %q", got, tt.prev)
			}
		})
	}
	// Past the last page: a designed state pointing back to page one.
	doc, _ := page(t, env.viewer.Get(t, "/links?page=9"), http.StatusOK)
	if doc.Find(testid("links-empty")).Length() != 1 {
		t.Error("no empty state past the last page")
	}
}

func TestLinksFilters(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	mustCreateLink(t, env.ta, linkRequest("Ucuz", "1000"))
	mustCreateLink(t, env.ta, linkRequest("Tam", "1234.56"))
	mustCreateLink(t, env.ta, linkRequest("Pahalı", "2000", func(r *craftclient.ProductRequest) { r.Channel = "web" }))
	mustCreateLink(t, env.ta, linkRequest("Dolar", "1500", func(r *craftclient.ProductRequest) { r.Currency = craftclient.CurrencyUSD }))
	tests := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"min tr", url.Values{"minPrice": {"1.234,56"}}, 3},
		{"min tr no group", url.Values{"minPrice": {"1234,56"}}, 3},
		{"min en", url.Values{"minPrice": {"1234.56"}}, 3},
		{"range", url.Values{"minPrice": {"1.100"}, "maxPrice": {"1.999,99"}}, 2},
		{"currency", url.Values{"currency": {"USD"}}, 1},
		{"channel", url.Values{"channel": {"web"}}, 1},
		{"nothing matches", url.Values{"minPrice": {"5000"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := page(t, env.viewer.Get(t, "/links?"+tt.query.Encode()), http.StatusOK)
			if got := doc.Find(testid("link-row")).Length(); got != tt.want {
				t.Errorf("got %d rows, want %d", got, tt.want)
			}
			for k := range tt.query {
				if got, _ := doc.Find(testid("filter-" + k)).Attr("value"); k != "currency" && got != tt.query.Get(k) {
					t.Errorf("filter %s not kept: got %q, want %q", k, got, tt.query.Get(k))
				}
			}
			if tt.want == 0 && doc.Find(testid("empty-clear")).Length() != 1 {
				t.Error("no clear-filters action in the empty state")
			}
		})
	}
}

func TestLinksInvalidFilters(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	tests := []struct {
		name, query, field string
	}{
		{"garbage min", "minPrice=abc", "minPrice"},
		{"garbage max", "maxPrice=1%2C2%2C3", "maxPrice"},
		{"min above max", "minPrice=50&maxPrice=10", "maxPrice"},
		{"unknown currency", "currency=XYZ", "currency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := page(t, env.viewer.Get(t, "/links?name=kahve&"+tt.query), http.StatusUnprocessableEntity)
			if doc.Find(testid("filter-error-"+tt.field)).Length() != 1 {
				t.Errorf("no message on %s", tt.field)
			}
			if doc.Find(testid("export-csv")).Length() != 0 {
				t.Error("CSV download offered for filters that cannot be searched")
			}
			if got, _ := doc.Find(testid("link-search")).Attr("value"); got != "kahve" {
				t.Errorf("name filter not kept: got %q", got)
			}
			q, _ := url.ParseQuery(tt.query)
			if tt.field != "currency" {
				if got, _ := doc.Find(testid("filter-" + tt.field)).Attr("value"); got != q.Get(tt.field) {
					t.Errorf("typed value not kept: got %q, want %q", got, q.Get(tt.field))
				}
			}

			resp := env.viewer.Get(t, "/links?"+tt.query, hx...)
			frag, html := page(t, resp, http.StatusUnprocessableEntity)
			wantFragment(t, resp, html)
			if frag.Find(testid("links-filter-invalid")).Length() != 1 {
				t.Errorf("fragment lacks the filter message: %s", excerpt(html))
			}
		})
	}
}

func TestLinksEmptyStates(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	doc, _ := page(t, env.staff.Get(t, "/links"), http.StatusOK)
	if doc.Find(testid("links-empty")).Length() != 1 || doc.Find(testid("empty-new")).Length() != 1 {
		t.Error("staff with no links: want the empty state with a create button")
	}
	doc, _ = page(t, env.viewer.Get(t, "/links"), http.StatusOK)
	if doc.Find(testid("links-empty")).Length() != 1 || doc.Find(testid("empty-new")).Length() != 0 {
		t.Error("viewer with no links: want the empty state without a create button")
	}
}

func TestLinksExportCSV(t *testing.T) {
	env := newLinksEnv(t, webtest.Options{})
	const n = 105 // more than one upstream page of 100
	for i := range n - 2 {
		mustCreateLink(t, env.ta, linkRequest(fmt.Sprintf("Link %03d", i), "10"))
	}
	stock := 1
	special := mustCreateLink(t, env.ta, linkRequest("=HYPERLINK(\"x\")", "1234.5", func(r *craftclient.ProductRequest) {
		r.Description = "Şişe, \"büyük\"\nikinci satır"
		r.OrderID, r.Stock = "ORD-1", &stock
	}))
	mustCreateLink(t, env.ta, linkRequest("Kuveyt", "1.5", func(r *craftclient.ProductRequest) { r.Currency = craftclient.CurrencyKWD }))

	resp := env.viewer.Get(t, "/links/export.csv")
	raw := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200: %s", resp.StatusCode, excerpt(raw))
	}
	if got := resp.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type: got %q", got)
	}
	if got := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(got, `attachment; filename="payment-links-`) || !strings.HasSuffix(got, `.csv"`) {
		t.Errorf("Content-Disposition: got %q", got)
	}
	if !strings.HasPrefix(raw, "\uFEFF") {
		t.Fatal("no UTF-8 byte-order mark")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v", err)
	}
	if got := strings.Join(records[0], ","); got != "id,name,description,price,currency,status,stock,soldCount,channel,orderId,expiresAt,url" {
		t.Errorf("header: got %q", got)
	}
	if got := len(records) - 1; got != n {
		t.Fatalf("got %d rows, want %d (every page)", got, n)
	}
	byName := map[string][]string{}
	for _, r := range records[1:] {
		byName[r[1]] = r
	}
	row := byName[`'=HYPERLINK("x")`]
	if row == nil {
		t.Fatalf("formula-like name not defused; names: %v", records[1][1])
	}
	want := []string{fmt.Sprint(special.ID), `'=HYPERLINK("x")`, "Şişe, \"büyük\"\nikinci satır", "1234.50", "TRY", "ACTIVE", "1", "0", "shop", "ORD-1", "", special.URL}
	if strings.Join(row, "|") != strings.Join(want, "|") {
		t.Errorf("row:\n got %q\nwant %q", row, want)
	}
	if got := byName["Kuveyt"][3]; got != "1.500" {
		t.Errorf("KWD price: got %q, want 1.500 (three decimals)", got)
	}

	// The export honours the filters.
	raw = body(t, env.viewer.Get(t, "/links/export.csv?currency=KWD"))
	if got := strings.Count(raw, "\n"); got != 2 {
		t.Errorf("filtered export: got %d lines, want 2:\n%s", got, raw)
	}
	resp = env.viewer.Get(t, "/links/export.csv?minPrice=abc")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad filter: got status %d, want 400", resp.StatusCode)
	}
}
