package devenv

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWithDatabase(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://u:p@h:5432/old?sslmode=disable", "postgres://u:p@h:5432/new?sslmode=disable"},
		{"postgresql://h/old", "postgresql://h/new"},
		{"postgres://h", "postgres://h/new"},
		{"postgres://h/old?dbname=x&sslmode=disable", "postgres://h/new?sslmode=disable"},
		{"host=h dbname=old sslmode=disable", "host=h sslmode=disable dbname=new"},
		{"host=h  password='a b\\'c' dbname = 'old db'", `host=h password='a b\'c' dbname=new`},
		{"host=h", "host=h dbname=new"},
		{"", "dbname=new"},
	}
	for _, c := range cases {
		got, err := WithDatabase(c.in, "new")
		if err != nil || got != c.want {
			t.Errorf("WithDatabase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if got, _ := WithDatabase("host=h", "my db"); got != "host=h dbname='my db'" {
		t.Errorf("quoting: %q", got)
	}
	for _, bad := range []string{"host", "host='unterminated", "=x"} {
		if _, err := WithDatabase(bad, "new"); err == nil {
			t.Errorf("WithDatabase(%q) accepted", bad)
		}
	}
	if _, err := WithDatabase("host=h", ""); err == nil {
		t.Error("empty database name accepted")
	}
}

func needLocalPostgres(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second)
	if err != nil {
		t.Skip("no PostgreSQL on 127.0.0.1:5432")
	}
	c.Close()
}

func TestEnsurePostgresLocal(t *testing.T) {
	needLocalPostgres(t)
	t.Setenv("DATABASE_URL", "")
	dsn, stop, err := EnsurePostgres(context.Background(), t.TempDir(), logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.Contains(dsn, "127.0.0.1:5432") {
		t.Fatalf("dsn %q is not the local server", dsn)
	}
	if err := pingDSN(context.Background(), dsn, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestEnsurePostgresDatabaseURLMustAnswer(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port))
	_, _, err = EnsurePostgres(context.Background(), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("want DATABASE_URL error, got %v", err)
	}
	t.Setenv("DATABASE_URL", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", 5432))
	if _, _, err := EnsurePostgres(context.Background(), t.TempDir(), nil); err != nil {
		needLocalPostgres(t)
		t.Fatal(err)
	}
}

func TestCreateDropDatabase(t *testing.T) {
	needLocalPostgres(t)
	ctx := context.Background()
	base, err := localPostgres(ctx)
	if err != nil || base == "" {
		t.Skipf("local PostgreSQL refused: %v", err)
	}
	name := fmt.Sprintf("devenv test %d", time.Now().UnixNano()) // needs quoting
	for range 2 {                                                // idempotent
		if err := CreateDatabase(ctx, base, name); err != nil {
			t.Fatal(err)
		}
	}
	dsn, _ := WithDatabase(base, name)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil { // keeps a connection open: DROP must force it
		t.Fatal(err)
	}
	for range 2 {
		if err := DropDatabase(ctx, dsn, name); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	check, _ := sql.Open("postgres", base)
	defer check.Close()
	if err := check.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database still there: n=%d err=%v", n, err)
	}
}

func TestPrivateCluster(t *testing.T) {
	bin, err := findPGBin()
	if err != nil {
		t.Skipf("skipping: no PostgreSQL server binaries installed (%v)", err)
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), ".data", "postgres")
	start := time.Now()
	c, err := startCluster(ctx, bin, dir, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster from %s ready in %s (init+start)", bin, time.Since(start).Round(time.Millisecond))
	defer c.Stop()
	if os.Geteuid() == 0 {
		st, _ := os.Stat(dir)
		if uid := statUID(st); uid != c.cred.Uid {
			t.Errorf("data dir owned by uid %d, want postgres (%d)", uid, c.cred.Uid)
		}
	}
	db, err := sql.Open("postgres", c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	var v string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Logf("private cluster: PostgreSQL %s at %s", v, c.DSN())
	if err := CreateDatabase(ctx, c.DSN(), "sb_test"); err != nil {
		t.Fatal(err)
	}

	// A second start finds the running server instead of starting another.
	again, err := startCluster(ctx, bin, dir, logWriter{t})
	if err != nil || again.Port != c.Port {
		t.Fatalf("reuse: port %v err %v, want port %d", again, err, c.Port)
	}
	start = time.Now()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	if err := pingDSN(ctx, c.DSN(), time.Second); err == nil {
		t.Fatal("cluster still answers after Stop")
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	// Restart on existing data: no initdb, database survives.
	start = time.Now()
	c, err = startCluster(ctx, bin, dir, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted in %s", time.Since(start).Round(time.Millisecond))
	defer c.Stop()
	dsn, _ := WithDatabase(c.DSN(), "sb_test")
	if err := pingDSN(ctx, dsn, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestSharedCluster(t *testing.T) {
	bin, err := findPGBin()
	if err != nil {
		t.Skipf("skipping: no PostgreSQL server binaries installed (%v)", err)
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), ".data", "postgres")
	a, stopA, err := sharedCluster(ctx, bin, dir, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	b, stopB, err := sharedCluster(ctx, bin, dir, logWriter{t})
	if err != nil {
		stopA()
		t.Fatal(err)
	}
	if a.Port != b.Port {
		t.Errorf("second user got port %d, want %d", b.Port, a.Port)
	}
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	if err := pingDSN(ctx, b.DSN(), 5*time.Second); err != nil {
		t.Fatalf("cluster stopped while still in use: %v", err)
	}
	if err := stopB(); err != nil {
		t.Fatal(err)
	}
	if err := pingDSN(ctx, b.DSN(), time.Second); err == nil {
		b.Stop()
		t.Fatal("last user's stop left the cluster running")
	}
}
