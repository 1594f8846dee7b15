package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"linkdesk/app"

	"linkdesk/store"
)

const cliPassword = "correct horse battery"

// runUser runs `linkdesk user args… -data dataDir` with stdin and returns
// stdout and the error. LINKDESK_DATA names dataDir too, so a command line
// whose -data is not parsed (no verb, a refused one) still never reaches
// the default ./data, which is the repository's own folder under go test.
func runUser(t *testing.T, dataDir, stdin string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	argv := append([]string{"user"}, args...)
	if len(args) > 0 {
		argv = append(argv, "-data", dataDir)
	}
	err := run(context.Background(), argv, envOf(map[string]string{"LINKDESK_DATA": dataDir}), strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), err
}

// openCLIStore opens the database the CLI wrote, for assertions.
func openCLIStore(t *testing.T, dataDir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dataDir, "linkdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mustSession stores a session of u, as a browser signed in elsewhere
// holds one, and returns its id.
func mustSession(t *testing.T, db *store.DB, u *app.User) string {
	t.Helper()
	id := fmt.Sprintf("session-of-%d-%d", u.ID, time.Now().UnixNano())
	now := time.Now()
	if err := db.CreateSession(context.Background(), &app.Session{ID: id, UserID: u.ID, CreatedAt: now, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantConfigError(t *testing.T, err error, fragment string) {
	t.Helper()
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%T), want a configError (exit status 2)", err, err)
	}
	if !strings.Contains(err.Error(), fragment) {
		t.Errorf("error %q, want it to mention %q", err, fragment)
	}
}

func TestUserCommandLifecycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()

	out, err := runUser(t, dir, cliPassword+"\n", "add", "-email", " Sam@Shop.example ", "-name", "Sam Yılmaz", "-role", "Staff")
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	if want := "added sam@shop.example (Sam Yılmaz) as staff"; !strings.Contains(out, want) {
		t.Errorf("add said %q, want %q", out, want)
	}

	out, err = runUser(t, dir, "", "list")
	if err != nil || !strings.Contains(out, "sam@shop.example") || !strings.Contains(out, "active") {
		t.Fatalf("list: %q, %v", out, err)
	}

	db := openCLIStore(t, dir)
	before, err := db.UserByEmail(ctx, "sam@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	session := mustSession(t, db, before)
	const newPassword = "another long password"
	if _, err := runUser(t, dir, newPassword+"\r\n", "passwd", "-email", "sam@shop.example"); err != nil {
		t.Fatalf("passwd: %v", err)
	}
	after, _ := db.UserByEmail(ctx, "sam@shop.example")
	_, err = db.SessionByID(ctx, session)
	if !app.CheckPassword(after.PasswordHash, newPassword) || !errors.Is(err, app.ErrNotFound) {
		t.Errorf("passwd: new password stored %v, the session signed in before: %v (want ended)",
			app.CheckPassword(after.PasswordHash, newPassword), err)
	}

	if _, err := runUser(t, dir, "", "disable", "-email", "sam@shop.example"); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if out, _ := runUser(t, dir, "", "list"); !strings.Contains(out, "disabled") {
		t.Errorf("list after disable: %q", out)
	}
	if _, err := runUser(t, dir, "", "enable", "-email", "sam@shop.example"); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if u, _ := db.UserByEmail(ctx, "sam@shop.example"); u.Disabled {
		t.Error("still disabled after enable")
	}

	evs, _, err := db.ListAudit(ctx, app.AuditFilter{TargetID: "sam@shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
		if e.ActorEmail != "cli" || strings.Contains(string(e.After), "$2a$") {
			t.Errorf("audit row %s: actor %q after %s", e.Action, e.ActorEmail, e.After)
		}
	}
	if got, want := strings.Join(actions, ","), "user.enable,user.disable,user.password,user.create"; got != want {
		t.Errorf("audit actions %s, want %s", got, want)
	}
	// The create row has the web's shape (handlers.AuditUser), status included.
	created := evs[len(evs)-1]
	var row map[string]any
	if err := json.Unmarshal(created.After, &row); err != nil {
		t.Fatal(err)
	}
	wantRow := map[string]any{"email": "sam@shop.example", "name": "Sam Yılmaz", "role": "staff", "disabled": false}
	if !reflect.DeepEqual(row, wantRow) {
		t.Errorf("user.create row %s, want %v", created.After, wantRow)
	}
}

// TestUserCommandPasswordFromPipe reads the password from a real pipe, as
// in `echo "$PW" | linkdesk user add …`: an *os.File that is no terminal.
func TestUserCommandPasswordFromPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.WriteString(cliPassword + "\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var stdout, stderr bytes.Buffer
	// LINKDESK_DATA stands in for -data here, read as the server reads it:
	// without surrounding spaces.
	err = run(context.Background(), []string{"user", "add", "-email", "o@shop.example", "-name", "O", "-role", "owner"},
		envOf(map[string]string{"LINKDESK_DATA": dir + " "}), r, &stdout, &stderr)
	if err != nil {
		t.Fatalf("add from pipe: %v (stderr %q)", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "Password") {
		t.Errorf("prompted on a pipe: %q", stderr.String())
	}
	u, err := openCLIStore(t, dir).UserByEmail(context.Background(), "o@shop.example")
	if err != nil || u.Role != app.RoleOwner || !app.CheckPassword(u.PasswordHash, cliPassword) {
		t.Errorf("user from pipe: %+v, %v", u, err)
	}
}

func TestUserCommandRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := runUser(t, dir, cliPassword+"\n", "add", "-email", "taken@shop.example", "-name", "T", "-role", "viewer"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no command", "", nil, "usage"},
		{"unknown command", "", []string{"remove"}, `unknown user command "remove"`},
		{"bad flag", "", []string{"list", "-colour"}, "colour"},
		{"duplicate email", cliPassword + "\n", []string{"add", "-email", "TAKEN@shop.example", "-name", "T", "-role", "staff"}, "already exists"},
		{"unknown role", cliPassword + "\n", []string{"add", "-email", "n@shop.example", "-name", "N", "-role", "admin"}, `unknown role "admin"`},
		{"short password", "short\n", []string{"add", "-email", "n@shop.example", "-name", "N", "-role", "staff"}, "at least 10 characters"},
		{"empty password", "", []string{"add", "-email", "n@shop.example", "-name", "N", "-role", "staff"}, "at least 10 characters"},
		{"missing name", cliPassword + "\n", []string{"add", "-email", "n@shop.example", "-role", "staff"}, "-name"},
		{"bad email", cliPassword + "\n", []string{"add", "-email", "nobody", "-name", "N", "-role", "staff"}, "-email"},
		{"passwd unknown user", cliPassword + "\n", []string{"passwd", "-email", "ghost@shop.example"}, "no user with e-mail ghost@shop.example"},
		{"passwd short", "short\n", []string{"passwd", "-email", "taken@shop.example"}, "at least 10 characters"},
		{"disable without email", "", []string{"disable"}, "-email is required"},
		{"enable unknown user", "", []string{"enable", "-email", "ghost@shop.example"}, "no user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runUser(t, dir, tt.stdin, tt.args...)
			wantConfigError(t, err, tt.want)
		})
	}
	db := openCLIStore(t, dir)
	if users, _ := db.ListUsers(context.Background()); len(users) != 1 {
		t.Errorf("users after refused commands: %d, want 1", len(users))
	}
}

// TestUserCommandDisableEnableNoChange: disabling a disabled person (or
// enabling an enabled one) says so and writes nothing: their sessions
// stay, and the audit log gets no row. The last enabled owner cannot be
// disabled.
func TestUserCommandDisableEnableNoChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	for _, email := range []string{"owner@shop.example", "staff@shop.example"} {
		role := strings.TrimSuffix(email, "@shop.example")
		if _, err := runUser(t, dir, cliPassword+"\n", "add", "-email", email, "-name", role, "-role", role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runUser(t, dir, "", "disable", "-email", "staff@shop.example"); err != nil {
		t.Fatal(err)
	}
	db := openCLIStore(t, dir)
	auditRows := func() int {
		evs, _, err := db.ListAudit(ctx, app.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	tests := []struct{ verb, email, want string }{
		{"disable", "staff@shop.example", "staff@shop.example is already disabled"},
		{"enable", "owner@shop.example", "owner@shop.example is already enabled"},
	}
	for _, tt := range tests {
		before, _ := db.UserByEmail(ctx, tt.email)
		session := mustSession(t, db, before)
		rows := auditRows()
		out, err := runUser(t, dir, "", tt.verb, "-email", tt.email)
		if err != nil || strings.TrimSpace(out) != tt.want {
			t.Errorf("%s %s: got %q, %v, want %q", tt.verb, tt.email, out, err, tt.want)
		}
		after, _ := db.UserByEmail(ctx, tt.email)
		_, sessionErr := db.SessionByID(ctx, session)
		if sessionErr != nil || after.Disabled != before.Disabled || auditRows() != rows {
			t.Errorf("%s %s changed something: session %v, disabled %v → %v, audit rows %d → %d",
				tt.verb, tt.email, sessionErr, before.Disabled, after.Disabled, rows, auditRows())
		}
	}

	rows := auditRows()
	_, err := runUser(t, dir, "", "disable", "-email", "owner@shop.example")
	wantConfigError(t, err, "without an enabled owner")
	if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "store:") {
		t.Errorf("last owner: got %q, want one plain line", err)
	}
	if u, _ := db.UserByEmail(ctx, "owner@shop.example"); u.Disabled || auditRows() != rows {
		t.Errorf("last owner: disabled %v, audit rows %d → %d, want unchanged", u.Disabled, rows, auditRows())
	}
}

// TestUserCommandRefusedVerbLeavesNoDatabase: a mistyped verb (or none)
// must not create the data folder's database before it is refused.
func TestUserCommandRefusedVerbLeavesNoDatabase(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"remove", "-email", "x@shop.example"}} {
		dir := t.TempDir()
		_, err := runUser(t, dir, "", args...)
		wantConfigError(t, err, "usage")
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("user %q left %v in the data folder, want nothing", args, entries)
		}
	}
}

// TestMainExitStatus runs the real main in a child process: a bad command
// line exits with status 2 and one line on stderr; asking for help prints
// usage and exits with status 0.
func TestMainExitStatus(t *testing.T) {
	if os.Getenv("LINKDESK_TEST_MAIN") == "1" {
		os.Args = append([]string{"linkdesk"}, strings.Fields(os.Getenv("LINKDESK_TEST_ARGS"))...)
		main()
		return
	}
	t.Parallel()
	tests := []struct {
		name       string
		args       string
		wantStatus int
		wantStderr string // the whole of stderr
		wantStdout string // a part of stdout
	}{
		{"unknown role", "user add -email x@shop.example -name X -role root -data " + t.TempDir(), 2,
			"linkdesk: unknown role \"root\": use owner, staff or viewer\n", ""},
		{"unknown flag", "-colour", 2, "linkdesk: flag provided but not defined: -colour (-h lists the flags)\n", ""},
		{"flag without value", "user list -data", 2, "linkdesk: flag needs an argument: -data (-h lists the flags)\n", ""},
		{"database not postgres", "-database mysql://shop:pw@db/linkdesk", 2,
			"linkdesk: -database/LINKDESK_DATABASE_URL must be a postgres:// URL (or empty for SQLite in the data folder), not mysql://shop:xxxxx@db/linkdesk\n", ""},
		{"database pool size", "-database postgres://shop:pw@db/linkdesk?pool_max_conns=lots", 2,
			"linkdesk: -database/LINKDESK_DATABASE_URL: pool_max_conns=\"lots\" in the database URL must be a whole number of at least 1\n", ""},
		{"help", "-h", 0, "", "-addr"},
		{"user help", "user passwd -help", 0, "", "linkdesk user passwd -email E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainExitStatus$")
			cmd.Env = append(os.Environ(), "LINKDESK_TEST_MAIN=1", "LINKDESK_TEST_ARGS="+tt.args, "LINKDESK_DATA="+t.TempDir())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			status := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				status = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || stderr.String() != tt.wantStderr || !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("linkdesk %s: status %d, stderr %q, stdout %q; want status %d, stderr %q, stdout containing %q",
					tt.args, status, stderr.String(), stdout.String(), tt.wantStatus, tt.wantStderr, tt.wantStdout)
			}
		})
	}
}

// TestMainDatabaseUnreachable: a PostgreSQL server that does not answer at
// start-up is one line on stderr, without the password, and exit status 2.
func TestMainDatabaseUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port nobody serves once closed
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, args := range []string{"-addr 127.0.0.1:0", "user list", "migrate-to"} {
		t.Run(args, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainExitStatus$")
			cmd.Env = append(os.Environ(), "LINKDESK_TEST_MAIN=1", "LINKDESK_TEST_ARGS="+args, "LINKDESK_DATA="+t.TempDir(),
				"LINKDESK_DATABASE_URL=postgres://shop:s3cret-pw@"+addr+"/linkdesk?connect_timeout=5")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			exit := (*exec.ExitError)(nil)
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("got %v, want exit status 2; stderr:\n%s", err, stderr.String())
			}
			want := "linkdesk: cannot reach the database at postgres://shop:xxxxx@" + addr + "/linkdesk?connect_timeout=5: "
			got := stderr.String()
			if !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 || strings.Contains(got, "s3cret") {
				t.Errorf("stderr %q, want one line starting %q, without the password", got, want)
			}
		})
	}
}
