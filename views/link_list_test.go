package views

import (
	"fmt"
	"net/url"
	"testing"
)

func TestLinkFilter(t *testing.T) {
	tests := []struct {
		query  string
		valid  bool
		search string // the API request, formatted
		url    string // the canonical list URL of the same page
	}{
		{"", true, "page=0 size=25 name= min=<nil> max=<nil> cur=", "/links"},
		{"name=+%C4%B0stanbul+&page=3&size=50", true, "page=2 size=50 name=İstanbul min=<nil> max=<nil> cur=", "/links?name=+%C4%B0stanbul+&page=3&size=50"},
		{"minPrice=1.234,56&maxPrice=2000&currency=EUR", true, "page=0 size=25 name= min=1234.56 max=2000 cur=EUR", "/links?currency=EUR&maxPrice=2000&minPrice=1.234%2C56"},
		{"page=0&size=0", true, "page=0 size=25 name= min=<nil> max=<nil> cur=", "/links"},
		{"page=-4&size=1000", true, "page=0 size=100 name= min=<nil> max=<nil> cur=", "/links?size=100"},
		{"minPrice=abc", false, "", ""},
		{"minPrice=10&maxPrice=9,99", false, "", ""},
		{"currency=try", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			f := LinkFilterFrom(q)
			if got := f.Validate(); got != tt.valid {
				t.Fatalf("Validate() = %v (%v), want %v", got, f.Errors, tt.valid)
			}
			if !tt.valid {
				return
			}
			s := f.Search()
			got := fmt.Sprintf("page=%d size=%d name=%s min=%v max=%v cur=%s", s.Page, s.Size, s.Name, s.MinPrice, s.MaxPrice, s.Currency)
			if got != tt.search {
				t.Errorf("Search():\n got %s\nwant %s", got, tt.search)
			}
			if got := f.URL(f.Page); got != tt.url {
				t.Errorf("URL: got %s, want %s", got, tt.url)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	tests := []struct {
		page, size      int
		total           int64
		pages           int
		hasPrev, hasNxt bool
	}{
		{1, 25, 0, 1, false, false},
		{1, 25, 25, 1, false, false},
		{1, 25, 26, 2, false, true},
		{2, 25, 26, 2, true, false},
		{5, 10, 30, 3, true, false}, // past the end
	}
	for _, tt := range tests {
		p := Paging{Page: tt.page, Size: tt.size, Total: tt.total}
		if p.Pages() != tt.pages || p.HasPrev() != tt.hasPrev || p.HasNext() != tt.hasNxt {
			t.Errorf("%+v: got pages %d prev %v next %v, want %d %v %v", p, p.Pages(), p.HasPrev(), p.HasNext(), tt.pages, tt.hasPrev, tt.hasNxt)
		}
	}
}
