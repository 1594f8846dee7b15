// Package pgtest gives tests, and the benchmarks, PostgreSQL databases of
// their own. The server is the one LINKDESK_TEST_POSTGRES names (a URL
// whose user may create databases), or else a throwaway one this package
// starts from Debian's postgresql binaries (/usr/lib/postgresql/N/bin):
// initdb in a temporary folder, listening on 127.0.0.1 on a free port, run
// as the postgres user when the process is root (initdb refuses root).
// One server serves the whole test binary; each test gets a new database,
// dropped when it ends. Packages using it stop the server from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvURL names a PostgreSQL server for the tests instead of a throwaway one.
const EnvURL = "LINKDESK_TEST_POSTGRES"

// ErrUnavailable says neither LINKDESK_TEST_POSTGRES nor the binaries are there.
var ErrUnavailable = errors.New("pgtest: no PostgreSQL: set " + EnvURL + " or install Debian's postgresql")

// Server is a PostgreSQL server tests may create databases on.
type Server struct {
	admin *url.URL // a superuser's URL, on the maintenance database
	db    *sql.DB
	// dir and bin are set for a server this package started.
	dir, bin string
	runAs    []string // the command prefix running a binary as postgres
}

var (
	shared    *Server
	sharedErr error
	once      sync.Once
)

// Shared returns the test binary's server, starting it on first use.
func Shared() (*Server, error) {
	once.Do(func() { shared, sharedErr = Start() })
	return shared, sharedErr
}

// Main runs the tests, then stops the server if this package started one.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// URL returns the URL of a new, empty database, dropped when tb ends. With
// no PostgreSQL to be had it skips tb, or fails it when CI is set: there,
// PostgreSQL is installed (.ci/run), so its absence is a fault.
func URL(tb testing.TB) string {
	tb.Helper()
	s, err := Shared()
	if err != nil {
		if errors.Is(err, ErrUnavailable) && os.Getenv("CI") == "" {
			tb.Skip(err)
		}
		tb.Fatal(err)
	}
	u, err := s.CreateDB(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.DropDB(context.Background(), u); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// Private starts a throwaway server of tb's own, stopped when tb ends, for
// a test that stops and starts it (Pause, Resume) without disturbing the
// others. It skips, or fails under CI, like URL.
func Private(tb testing.TB) *Server {
	tb.Helper()
	bin, err := binDir()
	if err != nil {
		if os.Getenv("CI") == "" {
			tb.Skip(err)
		}
		tb.Fatal(err)
	}
	s := &Server{bin: bin}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
	})
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
	if _, err := connect(s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Start connects to LINKDESK_TEST_POSTGRES, or starts a throwaway server.
func Start() (*Server, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("pgtest: %s does not parse: %v", EnvURL, err)
		}
		return connect(&Server{admin: u})
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if err := s.start(); err != nil {
		s.Stop()
		return nil, err
	}
	return connect(s)
}

// binDir finds the newest installed Debian PostgreSQL's binaries.
func binDir() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		return "", ErrUnavailable
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	return filepath.Dir(found[0]), nil
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// start runs initdb and pg_ctl start in a new temporary folder.
func (s *Server) start() error {
	dir, err := os.MkdirTemp("", "linkdesk-pgtest-")
	if err != nil {
		return err
	}
	s.dir = dir
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgtest: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
		s.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	s.admin = &url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Path: "/postgres", RawQuery: "sslmode=disable"}
	return s.Resume()
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := append(append([]string{}, s.runAs...), append([]string{filepath.Join(s.bin, name)}, args...)...)
	return exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func connect(s *Server) (*Server, error) {
	db, err := sql.Open("pgx", s.admin.String())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("pgtest: %s: %w", s.admin.Redacted(), err)
	}
	s.db = db
	return s, nil
}

// CreateDB creates a new, empty database and returns its URL.
func (s *Server) CreateDB(ctx context.Context) (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "linkdesk_test_" + hex.EncodeToString(b)
	if _, err := s.db.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	u := *s.admin
	u.Path = "/" + name
	return u.String(), nil
}

// DropDB drops a database CreateDB made, ending its connections.
func (s *Server) DropDB(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "linkdesk_test_") {
		return fmt.Errorf("pgtest: will not drop %q", name)
	}
	if _, err := s.db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// Stop stops a server this package started and removes its folder; for
// LINKDESK_TEST_POSTGRES it only closes the connection.
func (s *Server) Stop() error {
	if s.db != nil {
		s.db.Close()
	}
	if s.dir == "" {
		return nil
	}
	var err error
	if _, statErr := os.Stat(filepath.Join(s.dir, "data", "postmaster.pid")); statErr == nil {
		if out, stopErr := s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop"); stopErr != nil {
			err = fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", stopErr, out)
		}
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// Pause stops the server at once, as a crash or a network cut would look
// to its clients, until Resume. Only for a server this package started.
func (s *Server) Pause() error {
	if s.dir == "" {
		return errors.New("pgtest: cannot stop a server named by " + EnvURL)
	}
	if out, err := s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop"); err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// Resume starts a paused server again on the same port. Durability is
// not what tests measure: fsync off makes a database per test cheap
// (a process crash loses nothing: the OS still holds what was written;
// synchronous_commit stays on, so a stopped server keeps every commit).
func (s *Server) Resume() error {
	data := filepath.Join(s.dir, "data")
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %s -c unix_socket_directories=%s -c fsync=off -c full_page_writes=off -c max_connections=300",
		s.admin.Port(), s.dir)
	if out, err := s.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return fmt.Errorf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}
