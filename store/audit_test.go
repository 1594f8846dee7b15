package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linkdesk/store"
)

func TestAppendAudit(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	owner := MustCreateUser(t, db, "owner@example.com", store.RoleOwner)
	e := &store.AuditEvent{
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
	anonymous := &store.AuditEvent{At: clk.Now().Add(-time.Hour), IP: "10.0.0.9", Action: "user.login_failed", TargetType: "user", TargetID: "who@example.com"}
	if err := db.AppendAudit(ctx, anonymous); err != nil {
		t.Fatal(err)
	}
	events, total, err := db.ListAudit(ctx, store.AuditFilter{})
	if err != nil || total != 2 || len(events) != 2 {
		t.Fatalf("got %d of %d, %v, want 2 of 2", len(events), total, err)
	}
	got := events[0]
	if got.ID != e.ID || *got.ActorID != owner.ID || got.ActorEmail != "owner@example.com" || got.IP != "10.0.0.1" ||
		got.Action != e.Action || got.TargetType != "link" || got.TargetID != "42" ||
		string(got.Before) != `{"status":"ACTIVE"}` || string(got.After) != `{"status":"PASSIVE"}` {
		t.Errorf("got %+v, want %+v", got, *e)
	}
	if a := events[1]; a.ActorID != nil || a.Before != nil || a.After != nil || !a.At.Equal(anonymous.At) {
		t.Errorf("anonymous: got %+v, want no actor, no JSON, the given time", a)
	}
}

func TestAppendAudit_Refused(t *testing.T) {
	db := MustOpenDB(t)
	missing := int64(999)
	tests := []struct {
		name  string
		event store.AuditEvent
		want  error
	}{
		{"no action", store.AuditEvent{}, store.ErrInvalid},
		{"bad before", store.AuditEvent{Action: "x", Before: json.RawMessage(`{`)}, store.ErrInvalid},
		{"bad after", store.AuditEvent{Action: "x", After: json.RawMessage(`nope`)}, store.ErrInvalid},
	}
	for _, tt := range tests {
		if err := db.AppendAudit(context.Background(), &tt.event); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := db.AppendAudit(context.Background(), &store.AuditEvent{Action: "x", ActorID: &missing}); err == nil {
		t.Error("unknown actor: got nil, want a foreign key error")
	}
}

func TestListAudit_FiltersAndPaging(t *testing.T) {
	db := MustOpenDB(t)
	clk := useClock(db)
	ctx := context.Background()
	start := clk.Now()
	alice := MustCreateUser(t, db, "alice@example.com", store.RoleOwner)
	bob := MustCreateUser(t, db, "bob@example.com", store.RoleStaff)
	// Event n (1..7) is at start+n minutes.
	seed := []struct {
		actor          *int64
		action, target string
		targetID       string
	}{
		{&alice.ID, "user.login", "user", "1"},
		{&bob.ID, "user.login", "user", "2"},
		{&bob.ID, "link.create", "link", "L1"},
		{&bob.ID, "link.update", "link", "L1"},
		{&alice.ID, "payment.refund", "payment", "P1"},
		{nil, "user.login_failed", "user", "x@example.com"},
		{&bob.ID, "link.delete", "link", "L1"},
	}
	for _, s := range seed {
		clk.Advance(time.Minute)
		if err := db.AppendAudit(ctx, &store.AuditEvent{ActorID: s.actor, Action: s.action, TargetType: s.target, TargetID: s.targetID}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(events []store.AuditEvent) string {
		var s []string
		for _, e := range events {
			s = append(s, fmt.Sprint(e.ID))
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	tests := []struct {
		name      string
		filter    store.AuditFilter
		want      string
		wantTotal int
	}{
		{"all newest first", store.AuditFilter{}, "[7 6 5 4 3 2 1]", 7},
		{"actor", store.AuditFilter{ActorID: &alice.ID}, "[5 1]", 2},
		{"action", store.AuditFilter{Action: "user.login"}, "[2 1]", 2},
		{"target", store.AuditFilter{TargetType: "link", TargetID: "L1"}, "[7 4 3]", 3},
		{"target type only", store.AuditFilter{TargetType: "user"}, "[6 2 1]", 3},
		{"from inclusive, to exclusive", store.AuditFilter{From: start.Add(3 * time.Minute), To: start.Add(5 * time.Minute)}, "[4 3]", 2},
		{"actor and range", store.AuditFilter{ActorID: &bob.ID, From: start.Add(4 * time.Minute)}, "[7 4]", 2},
		{"first page", store.AuditFilter{Limit: 3}, "[7 6 5]", 7},
		{"second page", store.AuditFilter{Limit: 3, Offset: 3}, "[4 3 2]", 7},
		{"last page", store.AuditFilter{Limit: 3, Offset: 6}, "[1]", 7},
		{"negative offset", store.AuditFilter{Limit: 1, Offset: -4}, "[7]", 7},
		{"no match", store.AuditFilter{Action: "nothing"}, "[]", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, total, err := db.ListAudit(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(events); got != tt.want || total != tt.wantTotal {
				t.Errorf("got %s of %d, want %s of %d", got, total, tt.want, tt.wantTotal)
			}
			var streamed []store.AuditEvent
			if err := db.ForEachAudit(ctx, tt.filter, func(e store.AuditEvent) error {
				streamed = append(streamed, e)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(streamed) != tt.wantTotal {
				t.Errorf("ForEachAudit: got %d events, want all %d (no paging)", len(streamed), tt.wantTotal)
			}
		})
	}
}

func TestAudit_AppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "linkdesk.db")
	db := MustOpenDBAt(t, path)
	ctx := context.Background()
	if err := db.AppendAudit(ctx, &store.AuditEvent{Action: "link.create", TargetID: "L1"}); err != nil {
		t.Fatal(err)
	}
	raw, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'link.delete'`,
		`DELETE FROM audit_events`,
	} {
		_, err := raw.Exec(stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only refusal", stmt, err)
		}
	}
	events, total, err := db.ListAudit(ctx, store.AuditFilter{})
	if err != nil || total != 1 || events[0].Action != "link.create" {
		t.Errorf("after the refused changes: got %+v, %v, want the one original event", events, err)
	}
}
