package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"linkdesk/handlers"
	"linkdesk/store"
	"linkdesk/views"
)

const userUsage = `usage:
  linkdesk user add -email E -name N -role owner|staff|viewer [-data DIR]   (password from stdin)
  linkdesk user list [-data DIR]
  linkdesk user passwd -email E [-data DIR]                                 (password from stdin)
  linkdesk user disable -email E [-data DIR]
  linkdesk user enable -email E [-data DIR]`

// runUserCommand manages staff accounts from a shell, for operators and
// scripts. Every change is written to the audit log with actor "cli".
func runUserCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return configErrorf("%s", userUsage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("linkdesk user "+verb, flag.ContinueOnError)
	data := fs.String("data", envOr(getenv, "LINKDESK_DATA", defaultDataDir), "data directory (LINKDESK_DATA)")
	email := fs.String("email", "", "the person's e-mail address")
	name := fs.String("name", "", "the person's name (add)")
	role := fs.String("role", "", "owner, staff or viewer (add)")
	// The verb is checked before the store is opened, so a typo never
	// creates or migrates a database. The flags are read when act runs.
	var act func(userCLI) error
	switch verb {
	case "add":
		act = func(cli userCLI) error { return cli.add(ctx, *email, *name, *role) }
	case "list":
		act = func(cli userCLI) error { return cli.list(ctx) }
	case "passwd":
		act = func(cli userCLI) error { return cli.passwd(ctx, *email) }
	case "disable", "enable":
		act = func(cli userCLI) error { return cli.setDisabled(ctx, *email, verb == "disable") }
	case "-h", "-help", "--help":
		fmt.Fprintln(stdout, userUsage)
		return flag.ErrHelp
	default:
		return configErrorf("unknown user command %q\n%s", verb, userUsage)
	}
	if err := parseFlags(fs, args[1:], userUsage+"\n\nflags:", stdout); err != nil {
		return err
	}
	db, err := store.Open(ctx, filepath.Join(*data, "linkdesk.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	return act(userCLI{db: db, stdin: stdin, stdout: stdout, stderr: stderr})
}

type userCLI struct {
	db             *store.DB
	stdin          io.Reader
	stdout, stderr io.Writer
}

// en renders catalog messages for the terminal.
var en = views.NewLocale(views.LangEN)

func (u userCLI) add(ctx context.Context, email, name, roleName string) error {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") || strings.TrimSpace(name) == "" {
		return configErrorf("add needs -email (an e-mail address) and -name")
	}
	role, err := store.ParseRole(roleName)
	if err != nil {
		return configErrorf("unknown role %q: use owner, staff or viewer", roleName)
	}
	hash, err := u.readPasswordHash()
	if err != nil {
		return err
	}
	user := &store.User{Email: email, Name: strings.TrimSpace(name), Role: role, PasswordHash: hash}
	if err := u.db.CreateUser(ctx, user); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return configErrorf("a user with e-mail %s already exists", email)
		}
		return err
	}
	fmt.Fprintf(u.stdout, "added %s (%s) as %s\n", user.Email, user.Name, user.Role)
	return u.audit(ctx, "user.create", user, nil, handlers.AuditUser(user))
}

func (u userCLI) list(ctx context.Context) error {
	users, err := u.db.ListUsers(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(u.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tNAME\tROLE\tSTATUS")
	for _, usr := range users {
		status := "active"
		if usr.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", usr.Email, usr.Name, usr.Role, status)
	}
	return w.Flush()
}

func (u userCLI) passwd(ctx context.Context, email string) error {
	user, err := u.find(ctx, email)
	if err != nil {
		return err
	}
	hash, err := u.readPasswordHash()
	if err != nil {
		return err
	}
	if err := u.db.SetPassword(ctx, user.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(u.stdout, "password changed for %s; their other sessions are signed out\n", user.Email)
	return u.audit(ctx, "user.password", user, nil, nil)
}

func (u userCLI) setDisabled(ctx context.Context, email string, disabled bool) error {
	user, err := u.find(ctx, email)
	if err != nil {
		return err
	}
	action, word := "user.enable", "enabled"
	if disabled {
		action, word = "user.disable", "disabled"
	}
	// Like the web page: nothing to change means no write, so no sessions
	// end and no audit row records a change that did not happen.
	if user.Disabled == disabled {
		fmt.Fprintf(u.stdout, "%s is already %s\n", user.Email, word)
		return nil
	}
	if err := u.db.SetUserDisabled(ctx, user.ID, disabled); err != nil {
		if errors.Is(err, store.ErrLastOwner) {
			return configErrorf("%s is not disabled: %s", user.Email, en.T("account.last_owner"))
		}
		return err
	}
	fmt.Fprintf(u.stdout, "%s %s\n", word, user.Email)
	return u.audit(ctx, action, user, map[string]any{"disabled": user.Disabled}, map[string]any{"disabled": disabled})
}

func (u userCLI) find(ctx context.Context, email string) (*store.User, error) {
	if strings.TrimSpace(email) == "" {
		return nil, configErrorf("-email is required")
	}
	user, err := u.db.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil, configErrorf("no user with e-mail %s", email)
	}
	return user, err
}

// readPasswordHash reads a new password and hashes it.
func (u userCLI) readPasswordHash() ([]byte, error) {
	pw, err := u.readPassword()
	if err != nil {
		return nil, err
	}
	return handlers.HashPassword(pw)
}

// readPassword asks twice without echo on a terminal; from a pipe it reads
// one line, so scripts can do `echo "$PW" | linkdesk user add …`.
func (u userCLI) readPassword() (string, error) {
	var pw string
	if f, ok := u.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(u.stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(u.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(u.stderr, "Password again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(u.stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", configErrorf("the two passwords differ")
		}
		pw = string(first)
	} else {
		line, err := bufio.NewReader(u.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if key := handlers.PasswordProblem(pw); key != "" {
		return "", configErrorf("%s", en.T(key))
	}
	return pw, nil
}

func (u userCLI) audit(ctx context.Context, action string, user *store.User, before, after any) error {
	ev := &store.AuditEvent{ActorEmail: "cli", IP: "local", Action: action, TargetType: "user", TargetID: user.Email}
	var err error
	if before != nil {
		if ev.Before, err = json.Marshal(before); err != nil {
			return err
		}
	}
	if after != nil {
		if ev.After, err = json.Marshal(after); err != nil {
			return err
		}
	}
	return u.db.AppendAudit(ctx, ev)
}
