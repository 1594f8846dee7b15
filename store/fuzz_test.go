package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"linkdesk/app"
	"linkdesk/store"
)

// fuzzDB is one engine's database for a fuzz target.
type fuzzDB struct {
	engine string
	db     *store.DB
}

// openEngines opens one database per engine, closed when f ends.
func openEngines(f *testing.F) []fuzzDB {
	f.Helper()
	dbs := make([]fuzzDB, len(engines))
	for i, e := range engines {
		dbs[i] = fuzzDB{e.name, e.open(f)}
	}
	return dbs
}

// storable reports whether every engine can store s as text: PostgreSQL
// refuses bytes that are not UTF-8 and NUL, so the store refuses them on
// every engine (app.ErrBadText).
func storable(s ...string) bool {
	for _, v := range s {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return false
		}
	}
	return true
}

// FuzzUserEmail creates users from what people type into the e-mail and
// name fields (the invite and first-run forms; the core checks the form
// of an address first, the store keeps its invariants whatever comes).
// An e-mail that is blank once normalised is refused; text no engine can
// store is app.ErrBadText; one that exists in any spelling is
// app.ErrConflict; any other is stored normalised, found again by the
// address as typed, and keeps its name byte for byte.
func FuzzUserEmail(f *testing.F) {
	dbs := openEngines(f)
	f.Fuzz(func(t *testing.T, email, name string) {
		ctx := context.Background()
		norm := app.NormalizeEmail(email)
		for _, d := range dbs {
			_, lookupErr := d.db.UserByEmail(ctx, email)
			if !storable(norm) {
				if !errors.Is(lookupErr, app.ErrBadText) {
					t.Fatalf("%s: UserByEmail(%q): got %v, want %v", d.engine, email, lookupErr, app.ErrBadText)
				}
				lookupErr = app.ErrNotFound
			}
			existed := lookupErr == nil
			if lookupErr != nil && !errors.Is(lookupErr, app.ErrNotFound) {
				t.Fatalf("%s: UserByEmail(%q): %v", d.engine, email, lookupErr)
			}
			u := &app.User{Email: email, Name: name, Role: app.RoleStaff, PasswordHash: []byte("hash")}
			err := d.db.CreateUser(ctx, u)
			switch {
			case norm == "":
				if err == nil || errors.Is(err, app.ErrConflict) {
					t.Fatalf("%s: CreateUser(%q): got %v, want a refusal", d.engine, email, err)
				}
				continue
			case !storable(norm, name):
				if !errors.Is(err, app.ErrBadText) {
					t.Fatalf("%s: CreateUser(%q, %q): got %v, want %v", d.engine, email, name, err, app.ErrBadText)
				}
				continue
			case existed:
				if !errors.Is(err, app.ErrConflict) {
					t.Fatalf("%s: CreateUser(%q) of an existing user: got %v, want %v", d.engine, email, err, app.ErrConflict)
				}
				continue
			case err != nil:
				t.Fatalf("%s: CreateUser(%q, %q): %v", d.engine, email, name, err)
			}
			if u.Email != norm {
				t.Fatalf("%s: CreateUser(%q) stored %q, want %q", d.engine, email, u.Email, norm)
			}
			got, err := d.db.UserByEmail(ctx, email)
			if err != nil || got.ID != u.ID || got.Email != norm || got.Name != name {
				t.Fatalf("%s: UserByEmail(%q) = %+v, %v; want ID %d, e-mail %q, name %q", d.engine, email, got, err, u.ID, norm, name)
			}
			again := &app.User{Email: "  " + email + "\t", Role: app.RoleViewer, PasswordHash: []byte("hash")}
			if err := d.db.CreateUser(ctx, again); !errors.Is(err, app.ErrConflict) {
				t.Fatalf("%s: CreateUser(%q) after %q: got %v, want %v", d.engine, again.Email, email, err, app.ErrConflict)
			}
		}
	})
}

// FuzzAuditFilter lists a fixed audit log with fuzzed filters, as the audit
// page's query string sets them. The page never exceeds the cap, holds only
// matching events, and agrees with the CSV export (ForEachAudit) on the total.
func FuzzAuditFilter(f *testing.F) {
	dbs := openEngines(f)
	ctx := context.Background()
	for _, d := range dbs {
		clk := useClock(d.db)
		owner := MustCreateUser(f, d.db, "owner@example.com", app.RoleOwner)
		for i, action := range []string{"link.create", "link.update", "payment.refund", "auth.login_failed", "link.create"} {
			e := &app.AuditEvent{Action: action, TargetType: "link", TargetID: fmt.Sprint(40 + i%3), IP: "10.0.0.1"}
			if i%2 == 0 {
				e.ActorID, e.ActorEmail = &owner.ID, owner.Email
			}
			if err := d.db.AppendAudit(ctx, e); err != nil {
				f.Fatal(err)
			}
			clk.Advance(time.Hour)
		}
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
		filter := app.AuditFilter{
			Action: action, TargetType: targetType, TargetID: targetID,
			From: toTime(from), To: toTime(to), Limit: limit, Offset: offset,
		}
		if actorID != 0 {
			filter.ActorID = &actorID
		}
		wantCap := app.DefaultPageSize
		if limit > 0 {
			wantCap = min(limit, app.MaxPageSize)
		}
		for _, d := range dbs {
			events, total, err := d.db.ListAudit(ctx, filter)
			if !storable(action, targetType, targetID) {
				exportErr := d.db.ForEachAudit(ctx, filter, func(app.AuditEvent) error { return nil })
				if !errors.Is(err, app.ErrBadText) || !errors.Is(exportErr, app.ErrBadText) {
					t.Fatalf("%s: filter %+v: got %v and %v, want %v", d.engine, filter, err, exportErr, app.ErrBadText)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: ListAudit(%+v): %v", d.engine, filter, err)
			}
			if len(events) > wantCap || len(events) > total {
				t.Fatalf("%s: ListAudit(%+v): %d events of %d, cap %d", d.engine, filter, len(events), total, wantCap)
			}
			for _, e := range events {
				if !auditMatches(filter, e) {
					t.Fatalf("%s: ListAudit(%+v) returned %+v", d.engine, filter, e)
				}
			}
			exported := 0
			err = d.db.ForEachAudit(ctx, filter, func(e app.AuditEvent) error {
				if !auditMatches(filter, e) {
					return fmt.Errorf("exported %+v", e)
				}
				exported++
				return nil
			})
			if err != nil || exported != total {
				t.Fatalf("%s: ForEachAudit(%+v): %d events, %v; ListAudit total %d", d.engine, filter, exported, err, total)
			}
		}
	})
}

func auditMatches(f app.AuditFilter, e app.AuditEvent) bool {
	return (f.ActorID == nil || e.ActorID != nil && *e.ActorID == *f.ActorID) &&
		(f.Action == "" || e.Action == f.Action) &&
		(f.TargetType == "" || e.TargetType == f.TargetType) &&
		(f.TargetID == "" || e.TargetID == f.TargetID) &&
		(f.From.IsZero() || !e.At.Before(f.From)) &&
		(f.To.IsZero() || e.At.Before(f.To))
}
