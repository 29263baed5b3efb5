// Package storetest gives each test its own freshly migrated PostgreSQL
// database, dropped when the test ends.
package storetest

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/store"
)

var (
	baseOnce sync.Once
	baseDSN  string
	baseErr  error
)

// BaseDSN finds a PostgreSQL server once per test binary (DATABASE_URL,
// localhost, or a private cluster under .data/).
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
		// A private cluster started here lives as long as the test binary.
		baseDSN, _, baseErr = devenv.EnsurePostgres(context.Background(), root, out)
	})
	if baseErr != nil {
		t.Fatalf("PostgreSQL: %v", baseErr)
	}
	return baseDSN
}

// NewDSN creates an empty database for this test and returns its DSN.
func NewDSN(t testing.TB) string {
	t.Helper()
	base := BaseDSN(t)
	name := fmt.Sprintf("sbtest_%s_%s", sanitize(t.Name()), strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	ctx := context.Background()
	if err := devenv.CreateDatabase(ctx, base, name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := devenv.DropDatabase(ctx, base, name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	dsn, err := devenv.WithDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// New returns a store on a fresh, migrated database.
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
