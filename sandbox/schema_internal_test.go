package sandbox

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"
)

// The loader is tested from inside the package: its cases need schema files the
// embedded set does not have.

func schemaFiles(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		table := strings.TrimSuffix(n, ".sql")
		fsys["schema/"+n] = &fstest.MapFile{Data: []byte("CREATE TABLE t" + table + " (id INTEGER);")}
	}
	return fsys
}

func appliedSet(t *testing.T, db *sql.DB) (int, string) {
	t.Helper()
	var version int
	if err := db.QueryRow(`SELECT version FROM sandbox_schema_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	var applied string
	if err := db.QueryRow(`SELECT group_concat(version, ',') FROM (SELECT version FROM sandbox_schema_migrations ORDER BY version)`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	return version, applied
}

// TestMigrateToleratesGaps: migrations numbered on separate branches arrive out of
// order. A database that got 0003 first gets 0002 when it appears; one that has 0002
// is refused by a sandbox without it; a database from the contiguous loader keeps
// what it had.
func TestMigrateToleratesGaps(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	t.Run("0003 before 0002", func(t *testing.T) {
		db := open(t)
		steps := []struct {
			files       []string
			wantErr     string
			wantVersion int
			wantApplied string
		}{
			{[]string{"0001_a.sql", "0003_c.sql"}, "", 3, "1,3"},
			{[]string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, "", 3, "1,2,3"},
			{[]string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, "", 3, "1,2,3"},
			{[]string{"0001_a.sql", "0003_c.sql"}, "schema version 2, which this sandbox lacks", 3, "1,2,3"},
			{[]string{"0001_a.sql", "0002_b.sql"}, "newer than this sandbox", 3, "1,2,3"},
		}
		for i, st := range steps {
			err := migrate(ctx, db, schemaFiles(st.files...))
			if (st.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), st.wantErr)) {
				t.Fatalf("step %d %v: got error %v, want %q", i, st.files, err, st.wantErr)
			}
			if v, applied := appliedSet(t, db); v != st.wantVersion || applied != st.wantApplied {
				t.Errorf("step %d %v: got version %d applied %s, want %d %s", i, st.files, v, applied, st.wantVersion, st.wantApplied)
			}
		}
	})
	t.Run("database from the contiguous loader", func(t *testing.T) {
		db := open(t)
		for _, stmt := range []string{
			`CREATE TABLE sandbox_schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`,
			`INSERT INTO sandbox_schema_version VALUES (1, 1)`,
			`CREATE TABLE t0001_a (id INTEGER)`,
		} {
			if _, err := db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // the second run reads what the first recorded
			if err := migrate(ctx, db, schemaFiles("0001_a.sql", "0003_c.sql")); err != nil {
				t.Fatalf("migrate: %v (0001 must not be applied twice)", err)
			}
			if v, applied := appliedSet(t, db); v != 3 || applied != "1,3" {
				t.Errorf("got version %d applied %s, want 3 1,3", v, applied)
			}
		}
	})
	t.Run("bad file sets", func(t *testing.T) {
		for _, tt := range []struct {
			files   []string
			wantErr string
		}{
			{[]string{"0002_a.sql", "0002_b.sql"}, "share version 2"},
			{[]string{"x_a.sql"}, "positive version"},
			{nil, "no schema"},
		} {
			if err := migrate(ctx, open(t), schemaFiles(tt.files...)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: got error %v, want %q", tt.files, err, tt.wantErr)
			}
		}
	})
}
