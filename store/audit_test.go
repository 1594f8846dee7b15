package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/store"
)

func testAppendAudit(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	owner := MustCreateUser(t, db, "owner@example.com", app.RoleOwner)
	e := &app.AuditEvent{
		ActorID: &owner.ID, ActorEmail: "Owner@Example.com", IP: "10.0.0.1",
		Action: "link.update", TargetType: "link", TargetID: "42",
		Before: json.RawMessage(`{"status":"ACTIVE"}`), After: json.RawMessage(`{"status":"PASSIVE"}`),
	}
	if err := db.AppendAudit(ctx, e); err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || !e.At.Equal(clk.Now()) {
		t.Errorf("got ID %d at %v, want an ID at %v", e.ID, e.At, clk.Now())
	}
	// A given time is kept (as UTC); no actor, no JSON, a non-person actor.
	given := clk.Now().Add(-time.Hour).In(time.FixedZone("TRT", 3*60*60))
	system := &app.AuditEvent{At: given, ActorEmail: app.ActorPaywall, IP: "10.0.0.9", Action: "payment.settle", TargetType: "payment", TargetID: "P1"}
	if err := db.AppendAudit(ctx, system); err != nil {
		t.Fatal(err)
	}
	events, total, err := db.ListAudit(ctx, app.AuditFilter{})
	if err != nil || total != 2 || len(events) != 2 {
		t.Fatalf("got %d of %d, %v, want 2 of 2", len(events), total, err)
	}
	got := events[0]
	if got.ID != e.ID || got.ActorID == nil || *got.ActorID != owner.ID || got.ActorEmail != "owner@example.com" || got.IP != "10.0.0.1" ||
		got.Action != e.Action || got.TargetType != "link" || got.TargetID != "42" || !got.At.Equal(clk.Now()) ||
		string(got.Before) != `{"status":"ACTIVE"}` || string(got.After) != `{"status":"PASSIVE"}` {
		t.Errorf("got %+v, want %+v", got, *e)
	}
	if s := events[1]; s.ID != system.ID || s.ActorID != nil || s.ActorEmail != app.ActorPaywall || s.Before != nil || s.After != nil ||
		!s.At.Equal(given) || s.At.Location() != time.UTC {
		t.Errorf("system event: got %+v, want no actor but %s, no JSON, at %v in UTC", s, app.ActorPaywall, given.UTC())
	}
}

func testAppendAuditRefused(t *testing.T, db *store.DB) {
	ctx := context.Background()
	missing := int64(unknownID)
	tests := []struct {
		name  string
		event app.AuditEvent
	}{
		{"no action", app.AuditEvent{TargetID: "x"}},
		{"bad before", app.AuditEvent{Action: "x", Before: json.RawMessage(`{`)}},
		{"bad after", app.AuditEvent{Action: "x", After: json.RawMessage(`nope`)}},
		{"unknown actor", app.AuditEvent{Action: "x", ActorID: &missing}},
	}
	for _, tt := range tests {
		if err := db.AppendAudit(ctx, &tt.event); err == nil {
			t.Errorf("%s: got nil, want an error", tt.name)
		}
	}
	if _, total, err := db.ListAudit(ctx, app.AuditFilter{}); err != nil || total != 0 {
		t.Errorf("stored: got %d, %v, want 0", total, err)
	}
}

func testListAudit(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	alice := MustCreateUser(t, db, "alice@example.com", app.RoleOwner)
	bob := MustCreateUser(t, db, "bob@example.com", app.RoleStaff)
	// Event n (1..7) is at start+n minutes; event 8 shares event 7's
	// time, so the ID breaks the tie.
	seed := []struct {
		actor          *int64
		action, target string
		targetID       string
		sameTime       bool
	}{
		{&alice.ID, "user.login", "user", "1", false},
		{&bob.ID, "user.login", "user", "2", false},
		{&bob.ID, "link.create", "link", "L1", false},
		{&bob.ID, "link.update", "link", "L1", false},
		{&alice.ID, "payment.refund", "payment", "P1", false},
		{nil, "auth.login_failed", "user", "x@example.com", false},
		{&bob.ID, "link.delete", "link", "L1", false},
		{&alice.ID, "link.create", "link", "L2", true},
	}
	label := map[int64]int{} // event ID → n
	for i, s := range seed {
		if !s.sameTime {
			clk.Advance(time.Minute)
		}
		e := &app.AuditEvent{ActorID: s.actor, Action: s.action, TargetType: s.target, TargetID: s.targetID}
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		label[e.ID] = i + 1
	}
	labels := func(events []app.AuditEvent) []int {
		ns := []int{}
		for _, e := range events {
			ns = append(ns, label[e.ID])
		}
		return ns
	}
	tests := []struct {
		name      string
		filter    app.AuditFilter
		want      []int
		wantTotal int
	}{
		{"all newest first", app.AuditFilter{}, []int{8, 7, 6, 5, 4, 3, 2, 1}, 8},
		{"actor", app.AuditFilter{ActorID: &alice.ID}, []int{8, 5, 1}, 3},
		{"action", app.AuditFilter{Action: "user.login"}, []int{2, 1}, 2},
		{"target", app.AuditFilter{TargetType: "link", TargetID: "L1"}, []int{7, 4, 3}, 3},
		{"target type only", app.AuditFilter{TargetType: "user"}, []int{6, 2, 1}, 3},
		{"from inclusive, to exclusive", app.AuditFilter{From: start.Add(3 * time.Minute), To: start.Add(5 * time.Minute)}, []int{4, 3}, 2},
		{"actor and range", app.AuditFilter{ActorID: &bob.ID, From: start.Add(4 * time.Minute)}, []int{7, 4}, 2},
		{"first page", app.AuditFilter{Limit: 3}, []int{8, 7, 6}, 8},
		{"second page", app.AuditFilter{Limit: 3, Offset: 3}, []int{5, 4, 3}, 8},
		{"last page", app.AuditFilter{Limit: 3, Offset: 6}, []int{2, 1}, 8},
		{"past the end", app.AuditFilter{Offset: 8}, []int{}, 8},
		{"negative offset", app.AuditFilter{Limit: 1, Offset: -4}, []int{8}, 8},
		{"negative limit", app.AuditFilter{Limit: -1, Action: "link.create"}, []int{8, 3}, 2},
		{"no match", app.AuditFilter{Action: "nothing"}, []int{}, 0},
		{"quotes and wildcards are values", app.AuditFilter{Action: "x' OR '1'='1", TargetID: "%"}, []int{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, total, err := db.ListAudit(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := labels(events); !slices.Equal(got, tt.want) || total != tt.wantTotal {
				t.Errorf("got %v of %d, want %v of %d", got, total, tt.want, tt.wantTotal)
			}
			var streamed []app.AuditEvent
			if err := db.ForEachAudit(ctx, tt.filter, func(e app.AuditEvent) error {
				streamed = append(streamed, e)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			all := tt.filter
			all.Limit, all.Offset = app.MaxPageSize, 0
			want, _, err := db.ListAudit(ctx, all)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := labels(streamed), labels(want); !slices.Equal(got, want) {
				t.Errorf("ForEachAudit: got %v, want %v (all of them, newest first, no paging)", got, want)
			}
		})
	}
}

// testAuditAppendOnly: the schema itself refuses to change or remove an
// event, whoever asks.
func testAuditAppendOnly(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.AppendAudit(ctx, &app.AuditEvent{Action: "link.create", TargetID: "L1"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'link.delete'`,
		`DELETE FROM audit_events`,
	} {
		_, err := db.SQL().ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only refusal", stmt, err)
		}
	}
	events, total, err := db.ListAudit(ctx, app.AuditFilter{})
	if err != nil || total != 1 || events[0].Action != "link.create" {
		t.Errorf("after the refused changes: got %+v, %v, want the one original event", events, err)
	}
}
