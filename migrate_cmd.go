package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"linkdesk/store"
)

const migrateToUsage = `usage:
  linkdesk migrate-to -database postgres://USER:PASSWORD@HOST:PORT/DB [-data DIR]

Copies this deployment's SQLite database (DIR/linkdesk.db) into an empty
PostgreSQL database, in one transaction: users, sessions (people stay
signed in), the cookie key, payments, refunds, callbacks and the audit log.
Stop the server first, so nothing is written after the copy began; then
start every instance with LINKDESK_DATABASE_URL set to the same URL. The
SQLite file is left as it was, to go back to.

flags:`

// runMigrateToCommand copies the SQLite deployment into PostgreSQL.
func runMigrateToCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("linkdesk migrate-to", flag.ContinueOnError)
	data := fs.String("data", envOr(getenv, "LINKDESK_DATA", defaultDataDir), "data directory holding linkdesk.db (LINKDESK_DATA)")
	database := databaseFlag(fs, getenv)
	if err := parseFlags(fs, args, migrateToUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return configErrorf("unexpected argument %q (-h lists the flags)", fs.Arg(0))
	}
	url, err := checkDatabase(*database)
	if err != nil {
		return err
	}
	if url == "" {
		return configErrorf("migrate-to needs -database postgres://… (or LINKDESK_DATABASE_URL): the PostgreSQL database to copy into")
	}
	path := filepath.Join(*data, "linkdesk.db")
	src, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openStore(ctx, url, "")
	if err != nil {
		return err
	}
	defer dst.Close()
	if n, table, err := dst.RowsIn(ctx); err != nil {
		return err
	} else if n > 0 {
		return configErrorf("%s already holds data (%d rows in %s): migrate-to copies into an empty database only", store.RedactURL(url.Reveal()), n, table)
	}
	rep, err := src.CopyInto(ctx, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s into %s:\n", path, store.RedactURL(url.Reveal()))
	for _, t := range rep.Tables {
		fmt.Fprintf(stdout, "  %-20s %d rows\n", t.Table, t.Rows)
	}
	if rep.Repaired > 0 {
		fmt.Fprintf(stdout, "%d text values held bytes PostgreSQL cannot store (not UTF-8, or NUL); they were replaced with U+FFFD\n", rep.Repaired)
	}
	fmt.Fprintln(stdout, "now start every instance with LINKDESK_DATABASE_URL set to that URL")
	return nil
}
