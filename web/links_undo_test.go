package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// undoForm reads the undo offered beside the page's success message: its
// action, its fields (the CSRF token among them) and the links it names.
func undoForm(t *testing.T, doc *goquery.Document) (string, url.Values) {
	t.Helper()
	form := doc.Find(`[data-testid="flash-success"] form[data-testid="flash-undo"]`)
	if form.Length() != 1 {
		t.Fatalf("success message %q offers no undo", strings.TrimSpace(doc.Find(`[data-testid="flash-success"]`).Text()))
	}
	if m := form.AttrOr("method", ""); m != "post" {
		t.Fatalf("undo form method %q, want post", m)
	}
	fields := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		fields.Add(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	return form.AttrOr("action", ""), fields
}

// submitUndo posts the undo form as a browser would: its own fields only,
// the CSRF token in the form, not in a header.
func submitUndo(t *testing.T, c *webtest.Client, action string, fields url.Values) *http.Response {
	t.Helper()
	return c.Do(t, http.MethodPost, action, strings.NewReader(fields.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

func wantStatuses(t *testing.T, ta *webtest.App, want map[int64]craftclient.LinkStatus) {
	t.Helper()
	for id, s := range want {
		p, err := ta.Craftgate.Products.Retrieve(context.Background(), id)
		if err != nil || p.Status != s {
			t.Errorf("link %d: %v %v, want %s", id, p, err, s)
		}
	}
}

func ids(vs ...int64) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.FormatInt(v, 10)
	}
	slices.Sort(out)
	return out
}

// TestUndoDeactivationReactivatesTheSameLinks: a deactivation, of one link
// or of many, says so with an Undo button (a form with its CSRF token) that
// reactivates exactly the links it changed and returns to the same page;
// deleting offers no undo and its confirmations say it cannot be undone
// (#14, #15).
func TestUndoDeactivationReactivatesTheSameLinks(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	c := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "parola-parola-1"))
	l := seedLinks(t, ta, "Raf", 4)
	a, b, d, gone := l[0], l[1], l[2], l[3]
	path := func(id int64, rest string) string { return "/links/" + strconv.FormatInt(id, 10) + rest }

	// One link, from a plain form on its page.
	resp := c.PostForm(t, path(a, "/status"), url.Values{"status": {"PASSIVE"}, "next": {"/links?name=Raf"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	action, fields := undoForm(t, acctDoc(t, c.Get(t, "/links?name=Raf")))
	if action != "/links/bulk" || fields.Get("action") != "activate" || fields.Get("_csrf") == "" ||
		fields.Get("next") != "/links?name=Raf" || !slices.Equal(fields["id"], ids(a)) {
		t.Fatalf("undo form %s %v, want activate of link %d back to the list", action, fields, a)
	}
	forged := url.Values{"action": {"activate"}, "id": {strconv.FormatInt(a, 10)}}
	if resp := submitUndo(t, c, action, forged); resp.StatusCode != http.StatusForbidden {
		t.Errorf("undo without the CSRF token: %d, want 403", resp.StatusCode)
	}
	wantStatuses(t, ta, map[int64]craftclient.LinkStatus{a: craftclient.LinkStatusPassive})
	if resp := submitUndo(t, c, action, fields); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/links?name=Raf" {
		t.Fatalf("undo: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	wantStatuses(t, ta, map[int64]craftclient.LinkStatus{a: craftclient.LinkStatusActive})
	if got := strings.TrimSpace(acctDoc(t, c.Get(t, "/links")).Find(`[data-testid="flash-success"]`).Text()); got != "1 link etkinleştirildi." {
		t.Errorf("after the undo: %q", got)
	}

	// One link, from its list row with htmx: the undo comes out of band and
	// returns to the list the person was looking at.
	resp = c.Do(t, http.MethodPost, path(b, "/status"), nil, "HX-Request", "true", "HX-Target", "link-row-"+strconv.FormatInt(b, 10),
		"HX-Current-URL", ta.URL+"/links?name=Raf&size=25")
	doc := acctDoc(t, resp)
	if resp.StatusCode != http.StatusOK || doc.Find(`[hx-swap-oob] [data-testid="flash-undo"]`).Length() != 1 {
		t.Fatalf("row deactivate: %d, no undo out of band", resp.StatusCode)
	}
	if _, f := undoForm(t, doc); f.Get("next") != "/links?name=Raf&size=25" || !slices.Equal(f["id"], ids(b)) {
		t.Errorf("row undo %v, want link %d back to the list as it was", f, b)
	}

	// Many: a, b (passive already) and d. The undo brings back a and d only.
	resp = c.PostForm(t, "/links/bulk", url.Values{"action": {"deactivate"}, "id": ids(a, b, d), "next": {"/links"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk deactivate: %d", resp.StatusCode)
	}
	doc = acctDoc(t, c.Get(t, "/links"))
	if got := strings.TrimSpace(doc.Find(`[data-testid="flash-text"]`).Text()); got != "3 link pasifleştirildi." {
		t.Errorf("bulk message %q", got)
	}
	action, fields = undoForm(t, doc)
	if !slices.Equal(fields["id"], ids(a, d)) {
		t.Fatalf("bulk undo names %v, want %v (not %d, passive before)", fields["id"], ids(a, d), b)
	}
	if resp := submitUndo(t, c, action, fields); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk undo: %d", resp.StatusCode)
	}
	wantStatuses(t, ta, map[int64]craftclient.LinkStatus{a: craftclient.LinkStatusActive, d: craftclient.LinkStatusActive, b: craftclient.LinkStatusPassive})
	if n := len(auditRows(t, ta, "link.status")); n != 7 { // a off, on; b off; a, d off; a, d on
		t.Errorf("%d status audit rows, want 7", n)
	}

	// Activating offers no undo; deleting cannot be undone and says so first.
	c.PostForm(t, path(b, "/status"), url.Values{"status": {"ACTIVE"}})
	if n := acctDoc(t, c.Get(t, "/links")).Find(`[data-testid="flash-undo"]`).Length(); n != 0 {
		t.Errorf("activation offers %d undos", n)
	}
	for _, p := range []string{path(gone, "/delete"), "/links/bulk?action=delete&id=" + strconv.FormatInt(gone, 10)} {
		if body := acctBody(t, c.Get(t, p)); !strings.Contains(body, "geri alınamaz") {
			t.Errorf("%s does not say deleting cannot be undone", p)
		}
	}
	c.PostForm(t, path(gone, "/delete"), nil)
	if doc := acctDoc(t, c.Get(t, "/links")); doc.Find(`[data-testid="flash-success"]`).Length() != 1 || doc.Find(`[data-testid="flash-undo"]`).Length() != 0 {
		t.Error("a delete's message should be there, without an undo")
	}
}
