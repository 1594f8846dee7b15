package app_test

import (
	"context"
	"slices"
	"testing"

	"linkdesk/app"
)

// A bulk action changes links a few at a time, yet reports them in the
// order the person listed them: the undo, the message and the audit read
// the same whichever call finished first. Links already as wanted are
// done but not changed; a missing one fails without stopping the others.
func TestLinks_BulkReportsInTheOrderAsked(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "sahip@example.com", app.RoleOwner, "parola-parola-1")
	ids := []int64{9, 3, 7, 1, 8, 2, 6, 4, 5}
	putLinks(e, ids...)
	passive := e.Links.links[7]
	passive.Status = app.LinkStatusPassive
	e.Links.put(passive)
	asked := append(slices.Clone(ids), 404)
	// The first link's change finishes last.
	update, lastDone := e.Craft.UpdateFn, make(chan struct{})
	e.Craft.UpdateFn = func(ctx context.Context, id int64, in app.LinkInput) (*app.Link, error) {
		if id == ids[0] {
			<-lastDone
		}
		l, err := update(ctx, id, in)
		if id == ids[len(ids)-1] {
			close(lastDone)
		}
		return l, err
	}

	res := e.App.Links.Bulk(ctx, actor(owner), app.BulkDeactivate, asked)
	if !slices.Equal(res.Done, ids) {
		t.Errorf("done %v, want %v", res.Done, ids)
	}
	if want := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == 7 }); !slices.Equal(res.Changed, want) {
		t.Errorf("changed %v, want %v (7 was passive already)", res.Changed, want)
	}
	if len(res.Failed) != 1 || res.Failed[0].ID != 404 {
		t.Errorf("failed %+v, want link 404 alone", res.Failed)
	}
	for _, id := range ids {
		if st := e.Links.links[id].Status; st != app.LinkStatusPassive {
			t.Errorf("link %d is %s, want passive", id, st)
		}
	}
}
