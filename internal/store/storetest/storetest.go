// Package storetest gives each test its own PostgreSQL schema in a shared
// test database, dropped when the test ends. A schema (search_path in the
// DSN) costs a few milliseconds where a database costs a second or more.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// sharedDatabase holds every test schema.
const sharedDatabase = "sbtest"

var (
	baseOnce sync.Once
	baseDSN  string
	baseErr  error
)

// BaseDSN finds a PostgreSQL server once per test binary (DATABASE_URL,
// localhost, or a private cluster under .data/) and returns the DSN of the
// shared test database on it.
func BaseDSN(t testing.TB) string {
	t.Helper()
	baseOnce.Do(func() {
		root, err := devenv.ProjectRoot()
		if err != nil {
			baseErr = err
			return
		}
		var out io.Writer = io.Discard
		if testing.Verbose() {
			out = os.Stderr
		}
		ctx := context.Background()
		// A private cluster started here lives as long as the test binary.
		server, _, err := devenv.EnsurePostgres(ctx, root, out)
		if err != nil {
			baseErr = err
			return
		}
		if err := devenv.CreateDatabase(ctx, server, sharedDatabase); err != nil {
			baseErr = err
			return
		}
		baseDSN, baseErr = devenv.WithDatabase(server, sharedDatabase)
	})
	if baseErr != nil {
		t.Fatalf("PostgreSQL: %v", baseErr)
	}
	return baseDSN
}

// NewDSN creates an empty schema for this test and returns a DSN whose
// search_path is that schema.
func NewDSN(t testing.TB) string {
	t.Helper()
	base := BaseDSN(t)
	schema := fmt.Sprintf("t_%s_%s", sanitize(t.Name()), strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	db, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + pq.QuoteIdentifier(schema)); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+pq.QuoteIdentifier(schema)+` CASCADE`); err != nil {
			t.Logf("drop test schema %s: %v", schema, err)
		}
	})
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// New returns a store on a fresh, migrated schema.
func New(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, NewDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// withSearchPath adds search_path, and synchronous_commit=off since a test
// has no use for durability across a crash (lib/pq sends both as run-time
// parameters).
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("search_path", schema)
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema + " synchronous_commit=off", nil
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 30 {
			break
		}
	}
	return b.String()
}

// WantCode fails unless err is a domain error with code whose message
// contains each of parts.
func WantCode(t testing.TB, err error, code domain.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %s, want %s", err, got, code)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not mention %q", err, p)
		}
	}
}
