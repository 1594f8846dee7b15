// Command imports measures the spreadsheet import (#15): it assembles
// Linkdesk with the embedded sandbox on a loopback port, previews a file
// of -rows good rows as a staff member would, starts it and times the
// workers (-workers at once, the default by default) until every link is
// created at the sandbox. It prints rows per second, then imports the
// same file again and times the run that creates nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"time"

	"linkdesk/app"
	"linkdesk/server"
	"linkdesk/views"
)

func main() {
	rows := flag.Int("rows", 5000, "rows in the file")
	workers := flag.Int("workers", app.DefaultImportWorkers, "rows sent to the sandbox at once")
	flag.Parse()
	if err := run(*rows, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "imports:", err)
		os.Exit(1)
	}
}

func run(rows, workers int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "linkdesk-bench-imports-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv := httptest.NewUnstartedServer(nil)
	s, err := server.New(ctx, server.Config{DataDir: dir, SelfURL: "http://" + srv.Listener.Addr().String(), Merchant: "Bench",
		Imports: app.ImportsConfig{Workers: workers, Poll: 10 * time.Millisecond}})
	if err != nil {
		return err
	}
	defer s.Close()
	srv.Config.Handler = s.Handler
	srv.Start()
	defer srv.Close()
	u := &app.User{Email: "bench@example.com", Role: app.RoleStaff, PasswordHash: []byte("x")}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go s.App.Imports.Run(runCtx)

	file := app.ImportFile{Name: "bench.csv", Columns: views.ImportColumns([]string{"Ad", "Tutar", "Para birimi", "Taksit seçenekleri", "Stok"})}
	for i := range rows {
		file.Records = append(file.Records, app.ImportRecord{Line: i + 2,
			Cells: []string{"Ürün " + strconv.Itoa(i), strconv.Itoa(10+i%500) + ",90", "TRY", "1,3,6", "100"}})
	}
	fmt.Printf("rows=%d workers=%d\n", rows, workers)
	for _, pass := range []string{"first import", "same file again"} {
		start := time.Now()
		job, err := s.App.Imports.Preview(ctx, app.Actor{User: u}, file)
		if err != nil {
			return err
		}
		checked := time.Since(start)
		if _, err := s.App.Imports.Start(ctx, job.ID); err != nil {
			return err
		}
		for job.State != app.ImportDone {
			time.Sleep(5 * time.Millisecond)
			if job, err = s.App.Imports.Job(ctx, job.ID); err != nil {
				return err
			}
		}
		took := time.Since(start) - checked
		fmt.Printf("%-16s preview %6.0f ms  import %6.2f s  %6.0f rows/s  created %d, skipped %d, refused %d, failed %d\n",
			pass, checked.Seconds()*1000, took.Seconds(), float64(rows)/took.Seconds(),
			job.Counts.Created, job.Counts.Exists, job.Counts.Refused, job.Counts.Failed)
	}
	return nil
}
