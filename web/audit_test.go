package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linkdesk/app"

	"linkdesk/views"
	"linkdesk/web/webtest"
)

// seedAudit writes rows straight to the store: n "link.update" rows by
// actor on 2026-03-10 (shop time) and one "user.role" row on 2026-03-12.
func seedAudit(t *testing.T, ta *webtest.App, actor *app.User, n int) {
	t.Helper()
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local)
	for i := range n {
		ev := &app.AuditEvent{At: day.Add(time.Duration(i) * time.Minute), ActorID: &actor.ID, ActorEmail: actor.Email,
			IP: "192.0.2.1", Action: "link.update", TargetType: "link", TargetID: fmt.Sprint(100 + i),
			Before: json.RawMessage(`{"name":"Çay"}`), After: json.RawMessage(`{"name":"Çay 2"}`)}
		if err := ta.Store.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	ev := &app.AuditEvent{At: day.AddDate(0, 0, 2), IP: "192.0.2.9", Action: "auth.login_failed",
		TargetType: "user", TargetID: "=HYPERLINK(\"http://evil.example\")", After: json.RawMessage(`{"reason":"unknown_email"}`)}
	if err := ta.Store.AppendAudit(ctx, ev); err != nil {
		t.Fatal(err)
	}
}

func TestAuditPageFilters(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	staff := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	seedAudit(t, ta, staff, views.AuditPageSize+5)
	c := acctAs(t, ta, owner)

	tests := []struct {
		name  string
		query url.Values
		rows  int
		total int
	}{
		{"everything, first page", nil, views.AuditPageSize, views.AuditPageSize + 6},
		{"second page", url.Values{"page": {"2"}}, 6, views.AuditPageSize + 6},
		{"by person", url.Values{"actor": {fmt.Sprint(staff.ID)}}, views.AuditPageSize, views.AuditPageSize + 5},
		{"by action", url.Values{"action": {"auth.login_failed"}}, 1, 1},
		{"by target", url.Values{"target_type": {"link"}, "target": {"103"}}, 1, 1},
		{"one day", url.Values{"from": {"2026-03-12"}, "to": {"2026-03-12"}}, 1, 1},
		{"days with nothing", url.Values{"from": {"2026-03-11"}, "to": {"2026-03-11"}}, 0, 0},
		{"nobody", url.Values{"actor": {fmt.Sprint(owner.ID)}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.Get(t, "/audit?"+tt.query.Encode(), "Accept-Language", "en")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			doc := acctDoc(t, resp)
			if got := doc.Find(`[data-testid="audit-row"]`).Length(); got != tt.rows {
				t.Errorf("rows %d, want %d", got, tt.rows)
			}
			if got, want := acctText(doc, "audit-total"), fmt.Sprintf("%d records", tt.total); got != want {
				t.Errorf("total %q, want %q", got, want)
			}
			if href := doc.Find(`[data-testid="audit-export"]`).AttrOr("href", ""); !strings.HasPrefix(href, "/audit/export.csv") {
				t.Errorf("export link %q", href)
			}
		})
	}

	// htmx filtering swaps only the results.
	resp := c.Get(t, "/audit?action=link.update&page=2", "HX-Request", "true")
	body := acctBody(t, resp)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `id="`+views.IDAuditResults+`"`) {
		t.Errorf("htmx: status %d, body starts %.80q", resp.StatusCode, body)
	}
	if resp := c.Get(t, "/audit?from=yesterday"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad date: status %d, want 422", resp.StatusCode)
	}
}

func TestAuditExportCSV(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	staff := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	seedAudit(t, ta, staff, views.AuditPageSize+5) // more than a page: the export has them all
	c := acctAs(t, ta, owner)

	read := func(query string) [][]string {
		t.Helper()
		resp := c.Get(t, "/audit/export.csv"+query)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export%s: %d %q %q", query, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		body := acctBody(t, resp)
		if !strings.HasPrefix(body, "\ufeff") {
			t.Fatalf("export%s has no UTF-8 byte order mark", query)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("export%s: %v", query, err)
		}
		if strings.Join(recs[0], ",") != "time,actor_email,actor_id,ip,action,target_type,target_id,before,after" {
			t.Fatalf("header %v", recs[0])
		}
		return recs[1:]
	}

	all := read("")
	if len(all) != views.AuditPageSize+6 {
		t.Errorf("all rows: %d, want %d", len(all), views.AuditPageSize+6)
	}
	failed := read("?action=auth.login_failed")
	if len(failed) != 1 {
		t.Fatalf("filtered rows: %d, want 1", len(failed))
	}
	if got := failed[0][6]; got != `'=HYPERLINK("http://evil.example")` {
		t.Errorf("formula-like target exported as %q, want it defused with a quote", got)
	}
	links := read("?actor=" + fmt.Sprint(staff.ID) + "&to=2026-03-10")
	if len(links) != views.AuditPageSize+5 || links[0][1] != staff.Email || links[0][7] != `{"name":"Çay"}` {
		t.Errorf("staff rows: %d, first %v", len(links), links[0])
	}
	if resp := c.Get(t, "/audit/export.csv?to=soon"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad filter: status %d, want 400", resp.StatusCode)
	}
}
