package store

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool settings read from the database URL's query, beside pgx's own
// (sslmode, connect_timeout, statement_timeout, application_name, …).
// The names are pgxpool's, so a URL written for it means the same here.
const (
	paramMaxConns     = "pool_max_conns"          // open connections at most; default 10
	paramConnLifetime = "pool_max_conn_lifetime"  // a connection is replaced after this; default 30m
	paramConnIdleTime = "pool_max_conn_idle_time" // an idle connection is closed after this; default 5m
)

// Defaults of the pool and the connection.
const (
	defaultMaxConns       = 10
	defaultConnLifetime   = 30 * time.Minute
	defaultConnIdleTime   = 5 * time.Minute
	defaultConnectTimeout = "5" // seconds, for connect_timeout
)

// pgSettings is a parsed database URL.
type pgSettings struct {
	conn         *pgx.ConnConfig
	maxConns     int
	connLifetime time.Duration
	connIdleTime time.Duration
}

// ConnectError says the database could not be opened at start-up: the
// server is unreachable, or refused the credentials. URL is redacted.
type ConnectError struct {
	URL string
	Err error
}

// Error is one line: pgx puts each address it tried on a line of its own,
// often the same line twice (with and without TLS).
func (e *ConnectError) Error() string {
	var parts []string
	for _, line := range strings.Split(e.Err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" && !slices.Contains(parts, line) {
			parts = append(parts, line)
		}
	}
	return fmt.Sprintf("cannot reach the database at %s: %s", e.URL, strings.Join(parts, " "))
}

func (e *ConnectError) Unwrap() error { return e.Err }

// RedactURL returns a database URL fit for logs and messages: without its
// password, or nothing of it when it does not parse.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}

// CheckDatabaseURL says what is wrong with a PostgreSQL URL, without
// connecting: the configuration is checked before anything starts.
func CheckDatabaseURL(raw string) error {
	_, err := parsePostgresURL(raw)
	return err
}

func parsePostgresURL(raw string) (*pgSettings, error) {
	if !IsDatabaseURL(raw) {
		return nil, fmt.Errorf("%s is not a postgres:// URL", RedactURL(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the database URL does not parse: %v", err.(*url.Error).Err)
	}
	s := &pgSettings{maxConns: defaultMaxConns, connLifetime: defaultConnLifetime, connIdleTime: defaultConnIdleTime}
	q := u.Query()
	if v := q.Get(paramMaxConns); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q in the database URL must be a whole number of at least 1", paramMaxConns, v)
		}
		s.maxConns = n
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{paramConnLifetime, &s.connLifetime}, {paramConnIdleTime, &s.connIdleTime}} {
		if v := q.Get(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return nil, fmt.Errorf("%s=%q in the database URL must be a duration such as 30m", d.name, v)
			}
			*d.to = t
		}
		q.Del(d.name)
	}
	q.Del(paramMaxConns)
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", defaultConnectTimeout)
	}
	if q.Get("application_name") == "" {
		q.Set("application_name", "linkdesk")
	}
	u.RawQuery = q.Encode()
	if s.conn, err = pgx.ParseConfig(u.String()); err != nil {
		// pgx's message quotes the URL, password and all: say less.
		return nil, fmt.Errorf("the database URL %s is not valid for PostgreSQL", RedactURL(raw))
	}
	return s, nil
}

// OpenPostgres connects to the PostgreSQL server at rawURL
// (postgres://user:password@host:port/database?sslmode=…), checks it
// answers and applies any pending migrations. An unreachable server or
// refused credentials are a *ConnectError.
func OpenPostgres(ctx context.Context, rawURL string) (*DB, error) {
	s, err := parsePostgresURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	sqlDB := stdlib.OpenDB(*s.conn)
	sqlDB.SetMaxOpenConns(s.maxConns)
	sqlDB.SetMaxIdleConns(s.maxConns)
	sqlDB.SetConnMaxLifetime(s.connLifetime)
	sqlDB.SetConnMaxIdleTime(s.connIdleTime)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, &ConnectError{URL: RedactURL(rawURL), Err: err}
	}
	db, err := newDB(ctx, sqlDB, postgresDialect)
	if err != nil {
		return nil, err
	}
	db.pg = s.conn
	return db, nil
}
