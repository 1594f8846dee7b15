package sandbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"linkdesk/sandbox"
)

type wirePage struct {
	Items     []wireProduct `json:"items"`
	Page      int           `json:"page"`
	Size      int           `json:"size"`
	TotalSize int64         `json:"totalSize"`
}

func search(tb testing.TB, srv *httptest.Server, q url.Values, wantStatus int) ([]byte, wirePage) {
	tb.Helper()
	body := mustCraft(tb, srv, craftReq{target: "/sandbox/craftgate/craftlink/v1/products?" + q.Encode(), signedURL: decodedURL}, wantStatus)
	var env struct{ Data *wirePage }
	if wantStatus == http.StatusOK {
		mustJSON(tb, body, &env)
		if env.Data == nil || env.Data.Items == nil {
			tb.Fatalf("no data.items in %s", body)
		}
		return body, *env.Data
	}
	return body, wirePage{}
}

func ids(items []wireProduct) []int64 {
	out := make([]int64, len(items))
	for i, p := range items {
		out[i] = p.ID
	}
	return out
}

func TestSearchFilters(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for _, body := range []string{
		`{"name":"İstanbul Turu","price":100,"currency":"TRY","enabledInstallments":[1],"channel":"web","conversationId":"c1","externalId":"e1","expiresAt":"2030-01-01T00:00:00"}`,
		`{"name":"IRMAK Kenarı","price":49.90,"currency":"TRY","enabledInstallments":[1],"channel":"shop"}`,
		`{"name":"ISTANBUL Kart","price":10,"currency":"USD","enabledInstallments":[1],"channel":"web","orderId":"ORD-9","stock":1,"expiresAt":"2031-06-01T12:00:00"}`,
		`{"name":"Kahve","price":149.9,"currency":"EUR","enabledInstallments":[1],"channel":"web","conversationId":"c4","externalId":"e4"}`,
		`{"name":"ırmak balığı","price":20,"currency":"TRY","enabledInstallments":[1]}`,
	} {
		mustCreateProduct(t, srv, body)
	}
	tests := []struct {
		name    string
		q       url.Values
		wantIDs []int64
	}{
		{"no filter, newest first", url.Values{}, []int64{5, 4, 3, 2, 1}},
		{"empty parameters are no filter", url.Values{"name": {""}, "currency": {""}, "channel": {""}, "minPrice": {""}, "id": {""}}, []int64{5, 4, 3, 2, 1}},
		{"unknown parameter ignored", url.Values{"foo": {"bar"}}, []int64{5, 4, 3, 2, 1}},
		// Turkish folding: İ↔i and I↔ı, so "istanbul" does not match "ISTANBUL" (→ "ıstanbul").
		{"istanbul finds İstanbul", url.Values{"name": {"istanbul"}}, []int64{1}},
		{"İSTANBUL finds İstanbul", url.Values{"name": {"İSTANBUL"}}, []int64{1}},
		{"ıstanbul finds ISTANBUL", url.Values{"name": {"ıstanbul"}}, []int64{3}},
		{"ırmak finds IRMAK and ırmak", url.Values{"name": {"ırmak"}}, []int64{5, 2}},
		{"IRMAK finds both", url.Values{"name": {"IRMAK"}}, []int64{5, 2}},
		{"substring", url.Values{"name": {"ahv"}}, []int64{4}},
		{"minPrice decimal compare", url.Values{"minPrice": {"49.9"}}, []int64{4, 2, 1}},
		{"maxPrice Go client format", url.Values{"maxPrice": {"49.900000"}}, []int64{5, 3, 2}},
		{"price range", url.Values{"minPrice": {"20"}, "maxPrice": {"100"}}, []int64{5, 2, 1}},
		{"currency", url.Values{"currency": {"TRY"}}, []int64{5, 2, 1}},
		{"channel", url.Values{"channel": {"web"}}, []int64{4, 3, 1}},
		{"id", url.Values{"id": {"3"}}, []int64{3}},
		{"orderId", url.Values{"orderId": {"ORD-9"}}, []int64{3}},
		{"conversationId", url.Values{"conversationId": {"c4"}}, []int64{4}},
		{"externalId", url.Values{"externalId": {"e1"}}, []int64{1}},
		{"minExpiresAt skips links without expiry", url.Values{"minExpiresAt": {"2030-06-01T00:00:00"}}, []int64{3}},
		{"maxExpiresAt Node format", url.Values{"maxExpiresAt": {"2030-06-01T00:00:00.000Z"}}, []int64{1}},
		{"combined", url.Values{"currency": {"TRY"}, "name": {"ırmak"}, "maxPrice": {"30"}}, []int64{5}},
		{"no match", url.Values{"name": {"yok"}}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, srv, tt.q, http.StatusOK)
			if got := ids(page.Items); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("got ids %v, want %v", got, tt.wantIDs)
			}
			if page.TotalSize != int64(len(tt.wantIDs)) || page.Page != 0 || page.Size != 25 {
				t.Errorf("got page %d size %d totalSize %d, want 0 25 %d", page.Page, page.Size, page.TotalSize, len(tt.wantIDs))
			}
		})
	}
}

func TestSearchInvalidParameters(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	tests := []struct {
		name     string
		q        url.Values
		wantCode string
	}{
		{"minPrice not a number", url.Values{"minPrice": {"abc"}}, "2014"},
		{"maxPrice with comma", url.Values{"maxPrice": {"1,5"}}, "2014"},
		{"id not a number", url.Values{"id": {"x"}}, "2014"},
		{"page negative", url.Values{"page": {"-1"}}, "2014"},
		{"page not a number", url.Values{"page": {"first"}}, "2014"},
		{"size not a number", url.Values{"size": {"many"}}, "2014"},
		{"size 0", url.Values{"size": {"0"}}, "2015"},
		{"size above the cap", url.Values{"size": {"101"}}, "2015"},
		{"currency unknown", url.Values{"currency": {"XYZ"}}, "2005"},
		{"minExpiresAt not a date", url.Values{"minExpiresAt": {"yesterday"}}, "2014"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := search(t, srv, tt.q, http.StatusUnprocessableEntity)
			if code, _ := craftError(t, body); code != tt.wantCode {
				t.Errorf("got code %s, want %s", code, tt.wantCode)
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	srv := MustServe(t, sandbox.Config{})
	for i := 1; i <= 30; i++ {
		mustCreateProduct(t, srv, fmt.Sprintf(`{"name":"Link %d","price":%d,"currency":"TRY","enabledInstallments":[1]}`, i, i))
	}
	idRange := func(from, to int64) []int64 {
		var out []int64
		for id := from; id >= to; id-- {
			out = append(out, id)
		}
		return out
	}
	tests := []struct {
		name               string
		q                  url.Values
		wantPage, wantSize int
		wantIDs            []int64
	}{
		{"defaults", url.Values{}, 0, 25, idRange(30, 6)},
		{"page 0 sent explicitly", url.Values{"page": {"0"}}, 0, 25, idRange(30, 6)},
		{"second default page", url.Values{"page": {"1"}}, 1, 25, idRange(5, 1)},
		{"past the end", url.Values{"page": {"2"}}, 2, 25, nil},
		{"far past the end", url.Values{"page": {"999999999999"}, "size": {"100"}}, 999999999999, 100, nil},
		{"size 10 page 2", url.Values{"page": {"2"}, "size": {"10"}}, 2, 10, idRange(10, 1)},
		{"size at the cap", url.Values{"size": {"100"}}, 0, 100, idRange(30, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, srv, tt.q, http.StatusOK)
			if got := ids(page.Items); !slices.Equal(got, tt.wantIDs) && (len(got) != 0 || len(tt.wantIDs) != 0) {
				t.Errorf("got ids %v, want %v", got, tt.wantIDs)
			}
			if page.Page != tt.wantPage || page.Size != tt.wantSize || page.TotalSize != 30 {
				t.Errorf("got page %d size %d totalSize %d, want %d %d 30", page.Page, page.Size, page.TotalSize, tt.wantPage, tt.wantSize)
			}
		})
	}
}
