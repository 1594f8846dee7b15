package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"linkdesk/store"
)

// FuzzUserEmail creates users from what people type into the email and name
// fields (the invite and first-run forms). A refusal is ErrInvalid or, for an
// address that exists in another spelling, ErrConflict; an accepted user is
// found again by the address as typed and keeps its name byte for byte.
func FuzzUserEmail(f *testing.F) {
	db := MustOpenDB(f)
	f.Fuzz(func(t *testing.T, email, name string) {
		ctx := context.Background()
		u := &store.User{Email: email, Name: name, Role: store.RoleStaff, PasswordHash: []byte("hash")}
		err := db.CreateUser(ctx, u)
		switch {
		case errors.Is(err, store.ErrInvalid):
			return
		case errors.Is(err, store.ErrConflict):
			if _, err := db.UserByEmail(ctx, email); err != nil {
				t.Fatalf("CreateUser(%q) conflicts, but UserByEmail finds nothing: %v", email, err)
			}
			return
		case err != nil:
			t.Fatalf("CreateUser(%q, %q): untyped error %v", email, name, err)
		}
		if u.Email != store.NormalizeEmail(email) {
			t.Fatalf("CreateUser(%q) stored %q, want %q", email, u.Email, store.NormalizeEmail(email))
		}
		got, err := db.UserByEmail(ctx, email)
		if err != nil || got.ID != u.ID || got.Email != u.Email || got.Name != name {
			t.Fatalf("UserByEmail(%q) = %+v, %v; want ID %d, email %q, name %q", email, got, err, u.ID, u.Email, name)
		}
		again := &store.User{Email: "  " + email + "\t", Role: store.RoleViewer, PasswordHash: []byte("hash")}
		if err := db.CreateUser(ctx, again); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CreateUser(%q) after %q: got %v, want ErrConflict", again.Email, email, err)
		}
	})
}

// FuzzAuditFilter lists a fixed audit log with fuzzed filters, as the audit
// page's query string sets them. The page never exceeds the cap, holds only
// matching events, and agrees with the CSV export (ForEachAudit) on the total.
func FuzzAuditFilter(f *testing.F) {
	db := MustOpenDB(f)
	clk := useClock(db)
	ctx := context.Background()
	owner := MustCreateUser(f, db, "owner@example.com", store.RoleOwner)
	for i, action := range []string{"link.create", "link.update", "payment.refund", "user.login_failed", "link.create"} {
		e := &store.AuditEvent{Action: action, TargetType: "link", TargetID: fmt.Sprint(40 + i%3), IP: "10.0.0.1"}
		if i%2 == 0 {
			e.ActorID, e.ActorEmail = &owner.ID, owner.Email
		}
		if err := db.AppendAudit(ctx, e); err != nil {
			f.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
	// Stored times are fixed-width RFC 3339 text, so bounds are meaningful
	// only for years 1 to 9999; the audit page parses 4-digit dates.
	minUnix, maxUnix := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	toTime := func(sec int64) time.Time {
		if sec == 0 {
			return time.Time{}
		}
		return time.Unix(min(max(sec, minUnix), maxUnix), 0).UTC()
	}
	f.Fuzz(func(t *testing.T, action, targetType, targetID string, actorID, from, to int64, limit, offset int) {
		filter := store.AuditFilter{
			Action: action, TargetType: targetType, TargetID: targetID,
			From: toTime(from), To: toTime(to), Limit: limit, Offset: offset,
		}
		if actorID != 0 {
			filter.ActorID = &actorID
		}
		events, total, err := db.ListAudit(ctx, filter)
		if err != nil {
			t.Fatalf("ListAudit(%+v): %v", filter, err)
		}
		wantCap := store.DefaultPageSize
		if limit > 0 {
			wantCap = min(limit, store.MaxPageSize)
		}
		if len(events) > wantCap || len(events) > total {
			t.Fatalf("ListAudit(%+v): %d events of %d, cap %d", filter, len(events), total, wantCap)
		}
		for _, e := range events {
			if !auditMatches(filter, e) {
				t.Fatalf("ListAudit(%+v) returned %+v", filter, e)
			}
		}
		exported := 0
		err = db.ForEachAudit(ctx, filter, func(e store.AuditEvent) error {
			if !auditMatches(filter, e) {
				return fmt.Errorf("exported %+v", e)
			}
			exported++
			return nil
		})
		if err != nil || exported != total {
			t.Fatalf("ForEachAudit(%+v): %d events, %v; ListAudit total %d", filter, exported, err, total)
		}
	})
}

func auditMatches(f store.AuditFilter, e store.AuditEvent) bool {
	return (f.ActorID == nil || e.ActorID != nil && *e.ActorID == *f.ActorID) &&
		(f.Action == "" || e.Action == f.Action) &&
		(f.TargetType == "" || e.TargetType == f.TargetType) &&
		(f.TargetID == "" || e.TargetID == f.TargetID) &&
		(f.From.IsZero() || !e.At.Before(f.From)) &&
		(f.To.IsZero() || e.At.Before(f.To))
}
