package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/store"
)

// mustCreateImport stores a previewed job of n ready rows keyed k<line>,
// plus one invalid row, for a new user.
func mustCreateImport(t *testing.T, db *store.DB, email string, n int) *app.ImportJob {
	t.Helper()
	ctx := context.Background()
	u := newUser(email, app.RoleStaff)
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	j := &app.ImportJob{UserID: u.ID, UserEmail: u.Email, FileName: "links.csv", State: app.ImportPreview, TotalRows: n + 1}
	rows := []app.ImportRow{{Line: 2, State: app.ImportRowInvalid, Problems: []app.ImportProblem{{Field: "price", Column: "Fiyat", Key: "links.err.price_format"}}}}
	for i := range n {
		line := i + 3
		rows = append(rows, app.ImportRow{Line: line, State: app.ImportRowReady, Key: "k" + strconv.Itoa(line),
			Input: &app.LinkInput{Name: "Ürün", Price: decimal.RequireFromString("12.50"), Currency: "TRY", Installments: []int{1, 3}}})
	}
	if err := db.InTx(ctx, func(tx app.Tx) error { return tx.CreateImportJob(ctx, j, rows) }); err != nil {
		t.Fatalf("create import job: %v", err)
	}
	return j
}

func testImportJobLifecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	j := mustCreateImport(t, db, "a@example.com", 450) // more than one insert batch
	got, err := db.ImportJob(ctx, j.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != app.ImportPreview || got.Counts.Ready != 450 || got.Counts.Invalid != 1 || got.FileName != "links.csv" {
		t.Fatalf("got %+v", got)
	}
	bad, err := db.ImportRows(ctx, app.ImportRowFilter{JobID: j.ID, States: []app.ImportRowState{app.ImportRowInvalid}})
	if err != nil || len(bad) != 1 || bad[0].Problems[0].Column != "Fiyat" || bad[0].Input != nil {
		t.Fatalf("invalid rows: %+v %v", bad, err)
	}
	if _, err := db.NextImportRow(ctx, time.Now()); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("a previewed job's row is due: %v", err)
	}
	if ok, err := db.StartImportJob(ctx, j.ID); !ok || err != nil {
		t.Fatalf("start: %v %v", ok, err)
	}
	if ok, _ := db.StartImportJob(ctx, j.ID); ok {
		t.Errorf("started twice")
	}
	r, err := db.NextImportRow(ctx, time.Now())
	if err != nil || r.Line != 3 || !r.Input.Price.Equal(decimal.RequireFromString("12.5")) {
		t.Fatalf("next row: %+v %v", r, err)
	}
	if jobs, _ := db.FinishedImportJobs(ctx); len(jobs) != 0 {
		t.Errorf("a job with waiting rows counts as finished")
	}
	// Settle every row, then the job is finished, once.
	for {
		r, err := db.NextImportRow(ctx, time.Now())
		if errors.Is(err, app.ErrNotFound) {
			break
		}
		if ok, err := db.LeaseImportRow(ctx, r, "w", time.Now().Add(time.Minute)); !ok || err != nil {
			t.Fatalf("lease: %v %v", ok, err)
		}
		r.State, r.LinkID, r.LinkURL = app.ImportRowCreated, int64(r.Line), "https://pay.example/"+strconv.Itoa(r.Line)
		r.LeaseUntil = nil
		if err := db.SaveImportRow(ctx, r, "w"); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := db.FinishedImportJobs(ctx)
	if err != nil || len(jobs) != 1 || jobs[0].Counts.Created != 450 {
		t.Fatalf("finished: %+v %v", jobs, err)
	}
	if ok, _ := db.FinishImportJob(ctx, j.ID, time.Now()); !ok {
		t.Errorf("finish refused")
	}
	if ok, _ := db.FinishImportJob(ctx, j.ID, time.Now()); ok {
		t.Errorf("finished twice")
	}
	n := 0
	if err := db.ForEachImportRow(ctx, j.ID, func(r app.ImportRow) error { n++; return nil }); err != nil || n != 451 {
		t.Errorf("each row: %d %v", n, err)
	}
}

func testImportRowLeaseConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	j := mustCreateImport(t, db, "a@example.com", 1)
	if _, err := db.StartImportJob(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	r, err := db.NextImportRow(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 8 {
		wg.Go(func() {
			mine := *r
			ok, err := db.LeaseImportRow(ctx, &mine, "w"+strconv.Itoa(i), time.Now().Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d workers leased one row, want 1", wins)
	}
	r.State = app.ImportRowCreated
	if err := db.SaveImportRow(ctx, r, "nobody"); !errors.Is(err, app.ErrConflict) {
		t.Errorf("save by a worker without the lease: got %v, want ErrConflict", err)
	}
}

func testImportRowKeyHeldOnce(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := mustCreateImport(t, db, "a@example.com", 1)
	b := mustCreateImport(t, db, "b@example.com", 1) // the same key, k3
	for _, j := range []*app.ImportJob{a, b} {
		if _, err := db.StartImportJob(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	first, err := db.NextImportRow(ctx, time.Now())
	if err != nil || first.JobID != a.ID {
		t.Fatalf("next: %+v %v, want the older job's row", first, err)
	}
	if ok, err := db.LeaseImportRow(ctx, first, "w1", time.Now().Add(time.Minute)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	second, err := db.NextImportRow(ctx, time.Now())
	if err != nil || second.JobID != b.ID {
		t.Fatalf("next: %+v %v, want the other job's row", second, err)
	}
	holder, err := db.ImportRowHolding(ctx, second.Key, second.ID)
	if err != nil || holder.ID != first.ID {
		t.Fatalf("holder: %+v %v", holder, err)
	}
	if _, err := db.LeaseImportRow(ctx, second, "w2", time.Now().Add(time.Minute)); !errors.Is(err, app.ErrConflict) {
		t.Errorf("leasing a held key: got %v, want ErrConflict", err)
	}
}
