package devenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/lib/pq"
)

const noPostgresMsg = "no PostgreSQL: set DATABASE_URL, run one on 127.0.0.1:5432, or install the server (Debian: apt-get install postgresql)"

// EnsurePostgres returns the DSN of a PostgreSQL server that answers: the one
// in $DATABASE_URL (which must answer), else a local server on
// 127.0.0.1:5432, else a private cluster under <root>/.data/postgres started
// from the installed binaries (as the postgres OS user when root). stop is a
// no-op unless a private cluster is in use; then it shuts the cluster down
// once no other process (e.g. a parallel test package) still uses it.
func EnsurePostgres(ctx context.Context, root string, out io.Writer) (dsn string, stop func() error, err error) {
	if out == nil {
		out = io.Discard
	}
	noop := func() error { return nil }
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		if err := pingDSN(ctx, dsn, 5*time.Second); err != nil {
			return "", nil, fmt.Errorf("DATABASE_URL is set but PostgreSQL does not answer: %w", err)
		}
		fmt.Fprintln(out, "using PostgreSQL from DATABASE_URL")
		return dsn, noop, nil
	}
	dsn, err = localPostgres(ctx)
	if dsn != "" {
		fmt.Fprintf(out, "using PostgreSQL on 127.0.0.1:5432 (%s)\n", redact(dsn))
		return dsn, noop, nil
	}
	if err != nil {
		fmt.Fprintf(out, "PostgreSQL on 127.0.0.1:5432 refused us (%v); trying a private cluster\n", err)
	}
	bin, err := findPGBin()
	if err != nil {
		return "", nil, errors.New(noPostgresMsg)
	}
	c, stop, err := sharedCluster(ctx, bin, filepath.Join(root, ".data", "postgres"), out)
	if err != nil {
		return "", nil, err
	}
	return c.DSN(), stop, nil
}

// localPostgres tries 127.0.0.1:5432 as $PGUSER, postgres, then the OS user.
// It returns "", nil when nothing listens there.
func localPostgres(ctx context.Context) (string, error) {
	conn, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second)
	if err != nil {
		return "", nil
	}
	conn.Close()
	var users []string
	add := func(u string) {
		for _, have := range users {
			if have == u {
				return
			}
		}
		if u != "" {
			users = append(users, u)
		}
	}
	add(os.Getenv("PGUSER"))
	add("postgres")
	if u, err := user.Current(); err == nil {
		add(u.Username)
	}
	var errs []error
	for _, u := range users {
		dsn := (&url.URL{Scheme: "postgres", User: url.User(u), Host: "127.0.0.1:5432",
			Path: "/postgres", RawQuery: "sslmode=disable"}).String()
		err := pingDSN(ctx, dsn, 3*time.Second)
		if err == nil {
			return dsn, nil
		}
		errs = append(errs, fmt.Errorf("user %s: %w", u, err))
	}
	return "", errors.Join(errs...)
}

func pingDSN(ctx context.Context, dsn string, timeout time.Duration) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return db.PingContext(ctx)
}

// redact hides the password of a URL DSN for progress output.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}

// CreateDatabase creates database name on dsn's server unless it exists.
func CreateDatabase(ctx context.Context, dsn, name string) error {
	db, err := adminDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: lost a race
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name (if it exists), disconnecting its users.
func DropDatabase(ctx context.Context, dsn, name string) error {
	db, err := adminDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// adminDB connects to a maintenance database on dsn's server (postgres,
// template1, or dsn's own database as a last resort).
func adminDB(ctx context.Context, dsn string) (*sql.DB, error) {
	var candidates []string
	for _, name := range []string{"postgres", "template1"} {
		d, err := WithDatabase(dsn, name)
		if err != nil {
			return nil, err
		}
		candidates = append(candidates, d)
	}
	var firstErr error
	for _, d := range append(candidates, dsn) {
		db, err := sql.Open("postgres", d)
		if err == nil {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = db.PingContext(pctx)
			cancel()
			if err == nil {
				return db, nil
			}
			db.Close()
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("connect to PostgreSQL: %w", firstErr)
}

// WithDatabase returns dsn with its database name replaced by db. It accepts
// URL DSNs (postgres://...) and key=value DSNs.
func WithDatabase(dsn, db string) (string, error) {
	if db == "" {
		return "", errors.New("WithDatabase: empty database name")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", err)
		}
		u.Path, u.RawPath = "/"+db, ""
		if q := u.Query(); q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	pairs, err := parseKV(dsn)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range pairs {
		if p.key != "dbname" {
			fmt.Fprintf(&b, "%s=%s ", p.key, quoteKV(p.val))
		}
	}
	fmt.Fprintf(&b, "dbname=%s", quoteKV(db))
	return b.String(), nil
}
