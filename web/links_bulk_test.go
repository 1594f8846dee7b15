package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// seedLinks creates n links named prefix-i straight at the provider.
func seedLinks(t *testing.T, ta *webtest.App, prefix string, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		p, err := ta.Craftgate.Products.Create(context.Background(), craftclient.ProductRequest{
			Name: fmt.Sprintf("%s-%d", prefix, i), Price: craftclient.NewAmount(decimal.NewFromInt(10)), Currency: craftclient.CurrencyTRY, EnabledInstallments: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = p.ID
	}
	return ids
}

func TestLabelsForEveryMatchingLink(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	c := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "parola-parola-1"))
	seedLinks(t, ta, "Raf", 70) // more than the three sheets once allowed
	seedLinks(t, ta, "Başka", 3)
	doc := acctDoc(t, c.Get(t, "/links/labels?all=1&name=Raf"))
	if got := doc.Find(`[data-testid="label"]`).Length(); got != 70 {
		t.Errorf("labels: got %d, want 70", got)
	}
	if got := doc.Find(`[data-testid="print-sheet"]`).Length(); got != 4 {
		t.Errorf("sheets: got %d, want 4", got)
	}
}

func TestBulkDeactivateAllMatchingThenDeleteTicked(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	c := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "parola-parola-1"))
	ids := seedLinks(t, ta, "Toplu", 30)
	seedLinks(t, ta, "Kalan", 2)

	// The list offers "all matching" when the search has more than a page.
	doc := acctDoc(t, c.Get(t, "/links?name=Toplu&size=25"))
	if doc.Find(`[data-testid="select-matching"]`).Length() != 1 {
		t.Fatalf("no \"all matching\" choice on a list of 30 with pages of 25")
	}
	confirm := acctDoc(t, c.Get(t, "/links/bulk?action=deactivate&all=1&name=Toplu"))
	if h1 := confirm.Find("h1").Text(); !strings.Contains(h1, "30") {
		t.Fatalf("confirmation %q does not name 30 links", h1)
	}
	resp := c.PostForm(t, "/links/bulk", url.Values{"action": {"deactivate"}, "all": {"1"}, "name": {"Toplu"}, "next": {"/links?name=Toplu"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/links?name=Toplu" {
		t.Fatalf("bulk: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, id := range ids {
		p, err := ta.Craftgate.Products.Retrieve(context.Background(), id)
		if err != nil || p.Status != craftclient.LinkStatusPassive {
			t.Fatalf("link %d: %v %v, want PASSIVE", id, p, err)
		}
	}
	if n := len(auditRows(t, ta, "link.status")); n != 30 {
		t.Errorf("%d status audit rows, want 30", n)
	}

	// Delete two ticked links: the confirmation names two.
	q := url.Values{"action": {"delete"}, "id": {strconv.FormatInt(ids[0], 10), strconv.FormatInt(ids[1], 10)}}
	if h1 := acctDoc(t, c.Get(t, "/links/bulk?"+q.Encode())).Find("h1").Text(); !strings.Contains(h1, "2") {
		t.Errorf("delete confirmation %q does not name 2 links", h1)
	}
	c.PostForm(t, "/links/bulk", q)
	if n := countLinks(t, ta); n != 30 {
		t.Errorf("after deleting 2 of 32: %d links", n)
	}

	// Nothing ticked: back to the list with a message, not a 400 page.
	if resp := c.Get(t, "/links/bulk?action=delete"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("empty selection: got %d, want 303", resp.StatusCode)
	}
}
