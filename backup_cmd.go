package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"linkdesk/store"
)

const backupUsage = `usage:
  linkdesk backup -to FILE [-data DIR]

Writes a consistent copy of the database to FILE (a new file) while the
server keeps running. To restore, stop the server and put FILE in place of
DIR/linkdesk.db (README.md, docs/deploy.md).

flags:`

// runBackupCommand copies the database while the server may be running.
func runBackupCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("linkdesk backup", flag.ContinueOnError)
	data := fs.String("data", envOr(getenv, "LINKDESK_DATA", defaultDataDir), "data directory (LINKDESK_DATA)")
	to := fs.String("to", "", "the backup file to write (must not exist)")
	if err := parseFlags(fs, args, backupUsage, stdout); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		return configErrorf("backup needs -to FILE and nothing else (-h lists the flags)")
	}
	if envOr(getenv, "LINKDESK_DATABASE_URL", "") != "" {
		return configErrorf("backup copies the SQLite file; the database is PostgreSQL (LINKDESK_DATABASE_URL): back it up with pg_dump")
	}
	db, err := store.Open(ctx, filepath.Join(*data, "linkdesk.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", filepath.Join(*data, "linkdesk.db"), *to)
	return nil
}
