package app_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"linkdesk/app"
)

// importFile is a sheet with the English template's columns.
func importFile(rows ...[]string) app.ImportFile {
	f := app.ImportFile{Name: "urunler.csv", Columns: []app.ImportColumn{
		{Header: "Name", Field: app.FieldName}, {Header: "Price", Field: app.FieldPrice},
		{Header: "Currency", Field: app.FieldCurrency}, {Header: "Installments", Field: app.FieldInstallments},
		{Header: "External ID", Field: app.FieldExternalID}, {Header: "Status", Field: app.FieldStatus},
	}}
	for i, r := range rows {
		f.Records = append(f.Records, app.ImportRecord{Line: i + 2, Cells: r})
	}
	return f
}

// runImport starts a job and steps the worker until no row is due.
func runImport(tb testing.TB, e *Env, core *app.App, id int64) *app.ImportJob {
	tb.Helper()
	if _, err := core.Imports.Start(ctx, id); err != nil {
		tb.Fatalf("start: %v", err)
	}
	for range 1000 {
		did, err := core.Imports.Step(ctx)
		if err != nil {
			tb.Fatalf("step: %v", err)
		}
		if !did {
			break
		}
	}
	job, err := core.Imports.Job(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	return job
}

func TestImportPreviewChecksEveryRow(t *testing.T) {
	e := MustOpenEnv(t)
	u := MustCreateUser(t, e, "kasa@example.com", app.RoleStaff, "parola-parola")
	job, err := e.App.Imports.Preview(ctx, actor(u), importFile(
		[]string{"Kahve", "149,90", "try", "1,3", "", "aktif"},
		[]string{"", "", "", "", "", ""}, // blank lines are not rows
		[]string{"", "abc", "TRY", "1", "", ""},
		[]string{"Çay", "5", "TRY", "1", "", "Pasif"},
		[]string{"Kahve", "149.90", "TRY", "3,1", "", ""}, // the first row again
		[]string{"Simit", "3", "TRY", "1", "S-1", ""},
		[]string{"Poğaça", "4", "TRY", "1", "S-1", ""},
	))
	if err != nil {
		t.Fatal(err)
	}
	if job.State != app.ImportPreview || job.TotalRows != 6 || job.Counts.Ready != 3 || job.Counts.Invalid != 3 {
		t.Fatalf("got %s, %d rows, counts %+v; want preview, 6 rows, 3 ready, 3 invalid", job.State, job.TotalRows, job.Counts)
	}
	bad, err := e.App.Imports.Rows(ctx, job.ID, []app.ImportRowState{app.ImportRowInvalid}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, r := range bad {
		for _, p := range r.Problems {
			got += fmt.Sprintf("%d %s %s %d; ", r.Line, p.Column, p.Key, p.Line)
		}
	}
	want := "4 Name links.err.name_required 0; 4 Price links.err.price_format 0; 6  import.err.duplicate_row 2; 8 External ID import.err.duplicate_external_id 7; "
	if got != want {
		t.Errorf("problems:\n got %s\nwant %s", got, want)
	}
	if len(e.Links.links) != 0 {
		t.Errorf("a preview sent %d links to the provider", len(e.Links.links))
	}

	// A second upload by the same person replaces the unstarted preview.
	again, err := e.App.Imports.Preview(ctx, actor(u), importFile([]string{"Kahve", "149,90", "TRY", "1", "", ""}))
	if err != nil {
		t.Fatal(err)
	}
	if jobs, _ := e.App.Imports.Jobs(ctx, 10); len(jobs) != 1 {
		t.Errorf("%d jobs after a second upload, want the new preview only", len(jobs))
	}
	if again.Counts.Ready != 1 {
		t.Errorf("second preview: %+v", again.Counts)
	}
}

func TestImportPreviewRefusesBadFiles(t *testing.T) {
	e := MustOpenEnv(t)
	u := MustCreateUser(t, e, "kasa@example.com", app.RoleStaff, "parola-parola")
	noName := importFile([]string{"Kahve", "1", "TRY", "1", "", ""})
	noName.Columns[0].Field = app.FieldDescription
	unknown := importFile([]string{"Kahve", "1", "TRY", "1", "", ""})
	unknown.Columns[5] = app.ImportColumn{Header: "Stokk"}
	tests := []struct {
		name, key string
		f         app.ImportFile
	}{
		{"no name column", "import.err.no_name_column", noName},
		{"unknown column", "import.err.unknown_column", unknown},
		{"no rows", "import.err.no_rows", importFile()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.App.Imports.Preview(ctx, actor(u), tt.f)
			fe, ok := err.(*app.ImportFileError)
			if !ok || fe.Key != tt.key {
				t.Fatalf("got %v, want %s", err, tt.key)
			}
		})
	}
	jobs, _ := e.App.Imports.Jobs(ctx, 10)
	if len(jobs) != 0 {
		t.Errorf("refused files left %d jobs", len(jobs))
	}
}

func TestImportCreatesOnceAndSkipsOnReimport(t *testing.T) {
	e := MustOpenEnv(t)
	u := MustCreateUser(t, e, "kasa@example.com", app.RoleStaff, "parola-parola")
	var rows [][]string
	for i := range 5 {
		rows = append(rows, []string{"Ürün " + strconv.Itoa(i), "10", "TRY", "1", "", map[bool]string{true: "PASSIVE"}[i == 4]})
	}
	job, err := e.App.Imports.Preview(ctx, actor(u), importFile(rows...))
	if err != nil {
		t.Fatal(err)
	}
	job = runImport(t, e, e.App, job.ID)
	if job.State != app.ImportDone || job.Counts.Created != 5 {
		t.Fatalf("after the rows: %s %+v, want done with 5 created", job.State, job.Counts)
	}
	if n := auditCount(t, e, "link.import", strconv.FormatInt(job.ID, 10)); n != 1 {
		t.Errorf("%d audit rows for the import, want 1", n)
	}
	if len(e.Links.links) != 5 {
		t.Fatalf("provider has %d links, want 5", len(e.Links.links))
	}
	for _, l := range e.Links.links {
		if l.ExternalID == "" {
			t.Errorf("link %d has no external id to find it by", l.ID)
		}
		if l.Name == "Ürün 4" && l.Status != app.LinkStatusPassive {
			t.Errorf("the PASSIVE row's link is %s", l.Status)
		}
	}

	again, err := e.App.Imports.Preview(ctx, actor(u), importFile(rows...))
	if err != nil {
		t.Fatal(err)
	}
	if again.Counts.Known != 5 {
		t.Errorf("re-import preview knows %d rows, want 5", again.Counts.Known)
	}
	again = runImport(t, e, e.App, again.ID)
	if again.Counts.Exists != 5 || again.Counts.Created != 0 || len(e.Links.links) != 5 {
		t.Errorf("re-import: %+v and %d links; want 5 skipped, none created", again.Counts, len(e.Links.links))
	}
}

func TestImportRetriesBusyProviderAndFindsLostCreates(t *testing.T) {
	e := MustOpenEnv(t, func(c *app.Config) { c.ImportsConfig = app.ImportsConfig{Backoff: time.Second, Lease: time.Minute} })
	u := MustCreateUser(t, e, "kasa@example.com", app.RoleStaff, "parola-parola")
	job, err := e.App.Imports.Preview(ctx, actor(u), importFile(
		[]string{"Meşgul", "10", "TRY", "1", "", ""},
		[]string{"Kayıp", "11", "TRY", "1", "", ""},
		[]string{"Reddedilen", "12", "TRY", "1", "", ""},
	))
	if err != nil {
		t.Fatal(err)
	}
	busy := 2
	e.Craft.CreateFn = func(c context.Context, in app.LinkInput) (*app.Link, error) {
		switch {
		case in.Name == "Meşgul" && busy > 0:
			busy--
			return nil, &app.ProviderError{Provider: "craftgate", Kind: app.ProviderFailedCall, Status: 429}
		case in.Name == "Kayıp" && e.Craft.Calls("Create") < 10:
			// Created, but the answer never came back.
			if _, err := e.Links.create(c, in); err != nil {
				return nil, err
			}
			return nil, &app.ProviderError{Provider: "craftgate", Kind: app.ProviderTimeout}
		case in.Name == "Reddedilen":
			return nil, &app.ProviderError{Provider: "craftgate", Kind: app.ProviderRefused, Field: "name", Code: "10051", Description: "bad name"}
		}
		return e.Links.create(c, in)
	}
	job = runImport(t, e, e.App, job.ID)
	if job.Counts.Refused != 1 || job.Counts.Creating != 2 {
		t.Fatalf("first pass: %+v, want 1 refused and 2 waiting for a retry", job.Counts)
	}
	for range 3 {
		e.Clock.Advance(10 * time.Second)
		job = runImport(t, e, e.App, job.ID)
	}
	if job.State != app.ImportDone || job.Counts.Created != 2 || len(e.Links.links) != 2 {
		t.Fatalf("after retries: %s %+v with %d links; want done, 2 created, no duplicate", job.State, job.Counts, len(e.Links.links))
	}
	refused, _ := e.App.Imports.Rows(ctx, job.ID, []app.ImportRowState{app.ImportRowRefused}, 0, 0)
	if len(refused) != 1 || refused[0].Problems[0].Code != "10051" || refused[0].Problems[0].Field != "name" {
		t.Errorf("refused row: %+v", refused)
	}
}

func TestImportResumesAfterCrashWithoutDuplicates(t *testing.T) {
	e := MustOpenEnv(t, func(c *app.Config) { c.ImportsConfig = app.ImportsConfig{Lease: time.Minute} })
	u := MustCreateUser(t, e, "kasa@example.com", app.RoleStaff, "parola-parola")
	job, err := e.App.Imports.Preview(ctx, actor(u), importFile(
		[]string{"Bir", "10", "TRY", "1", "", ""},
		[]string{"İki", "11", "TRY", "1", "", ""},
	))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Imports.Start(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	// A worker of a process that then died took the first row and its
	// create reached the provider; nothing more was recorded.
	row, err := e.DB.NextImportRow(ctx, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.DB.LeaseImportRow(ctx, row, "dead-worker", e.Clock.Now().Add(time.Minute)); !ok || err != nil {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if _, err := e.Links.create(ctx, *row.Input); err != nil {
		t.Fatal(err)
	}

	restarted := e.Restart()
	if did, err := restarted.Imports.Step(ctx); err != nil || !did {
		t.Fatalf("step: %v %v", did, err)
	}
	if got := e.Craft.Calls("Create"); got != 1 {
		t.Fatalf("while the lease holds, %d creates; want the other row's only", got)
	}
	e.Clock.Advance(2 * time.Minute)
	for {
		did, err := restarted.Imports.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !did {
			break
		}
	}
	job, _ = restarted.Imports.Job(ctx, job.ID)
	if job.State != app.ImportDone || job.Counts.Created != 2 || len(e.Links.links) != 2 {
		t.Errorf("after the lease ran out: %s %+v with %d links; want both created once", job.State, job.Counts, len(e.Links.links))
	}
}
