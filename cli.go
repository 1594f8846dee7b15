package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"linkdesk/app"
	"linkdesk/views"
)

const userUsage = `usage:
  linkdesk user add -email E -name N -role owner|staff|viewer [-data DIR]   (password from stdin)
  linkdesk user list [-data DIR]
  linkdesk user passwd -email E [-data DIR]                                 (password from stdin)
  linkdesk user disable -email E [-data DIR]
  linkdesk user enable -email E [-data DIR]
With PostgreSQL, -database URL (or LINKDESK_DATABASE_URL) instead of -data.`

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
	database := databaseFlag(fs, getenv)
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
	url, err := checkDatabase(*database)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, url, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	// Accounts need only the store: no provider is called.
	core := app.New(app.Config{Store: db})
	return act(userCLI{users: core.Users, stdin: stdin, stdout: stdout, stderr: stderr})
}

type userCLI struct {
	users          *app.Users
	stdin          io.Reader
	stdout, stderr io.Writer
}

// cliActor is who the audit log names for changes made from the shell.
var cliActor = app.Actor{Name: app.ActorCLI, IP: "local"}

// en renders catalog messages for the terminal.
var en = views.NewLocale(views.LangEN)

// refusal turns a refusal of the core into one line for the terminal.
func refusal(err error) error {
	fe := app.ErrorFields(err)
	if len(fe) == 0 {
		var e *app.Error
		if errors.As(err, &e) && e.Code != app.CodeInternal {
			return configErrorf("%s", en.T(e.Message))
		}
		return err
	}
	var parts []string
	for _, field := range []struct{ name, label string }{{"email", "-email"}, {"name", "-name"}, {"role", "-role"}, {"password", "the password"}} {
		if key, ok := fe[field.name]; ok {
			parts = append(parts, field.label+": "+en.T(key))
		}
	}
	return configErrorf("%s", strings.Join(parts, "; "))
}

func (u userCLI) add(ctx context.Context, email, name, roleName string) error {
	role, ok := app.ParseRole(roleName)
	if !ok {
		return configErrorf("unknown role %q: use owner, staff or viewer", roleName)
	}
	pw, err := u.readPassword()
	if err != nil {
		return err
	}
	user, err := u.users.Create(ctx, cliActor, app.NewUser{Email: email, Name: name, Role: role, Password: pw})
	if err != nil {
		return refusal(err)
	}
	fmt.Fprintf(u.stdout, "added %s (%s) as %s\n", user.Email, user.Name, user.Role)
	return nil
}

func (u userCLI) list(ctx context.Context) error {
	users, err := u.users.List(ctx)
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
	pw, err := u.readPassword()
	if err != nil {
		return err
	}
	if err := u.users.SetPasswordCLI(ctx, user.ID, pw); err != nil {
		return refusal(err)
	}
	fmt.Fprintf(u.stdout, "password changed for %s; their other sessions are signed out\n", user.Email)
	return nil
}

func (u userCLI) setDisabled(ctx context.Context, email string, disabled bool) error {
	user, err := u.find(ctx, email)
	if err != nil {
		return err
	}
	word := "enabled"
	if disabled {
		word = "disabled"
	}
	// Like the web page: nothing to change means no write, so no sessions
	// end and no audit row records a change that did not happen.
	changed, err := u.users.SetDisabled(ctx, cliActor, user.ID, disabled)
	if errors.Is(err, app.ErrLastOwner) {
		return configErrorf("%s is not disabled: %s", user.Email, en.T(app.ErrLastOwner.Message))
	}
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(u.stdout, "%s is already %s\n", user.Email, word)
		return nil
	}
	fmt.Fprintf(u.stdout, "%s %s\n", word, user.Email)
	return nil
}

func (u userCLI) find(ctx context.Context, email string) (*app.User, error) {
	if strings.TrimSpace(email) == "" {
		return nil, configErrorf("-email is required")
	}
	user, err := u.users.ByEmail(ctx, email)
	if errors.Is(err, app.ErrNotFound) {
		return nil, configErrorf("no user with e-mail %s", email)
	}
	return user, err
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
	if key := app.PasswordProblem(pw); key != "" {
		return "", configErrorf("%s", en.T(key))
	}
	return pw, nil
}
