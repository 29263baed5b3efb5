package devenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func TestParsePGConn(t *testing.T) {
	t.Setenv("PGUSER", "")
	t.Setenv("PGPASSWORD", "")
	for _, tc := range []struct {
		dsn  string
		want PGConn
	}{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", PGConn{"127.0.0.1", 5432, "postgres", ""}},
		{"postgresql://sb:s%40cret@db.internal:6543/switchboard", PGConn{"db.internal", 6543, "sb", "s@cret"}},
		{"postgres:///switchboard?host=pg&port=5433&user=u&password=p", PGConn{"pg", 5433, "u", "p"}},
		{"host=10.0.0.5 port=5444 user=temporal password='a b' dbname=x", PGConn{"10.0.0.5", 5444, "temporal", "a b"}},
		{"dbname=x", PGConn{"127.0.0.1", 5432, "postgres", ""}},
	} {
		got, err := ParsePGConn(tc.dsn)
		if err != nil || got != tc.want {
			t.Errorf("ParsePGConn(%q) = %+v, %v; want %+v", tc.dsn, got, err, tc.want)
		}
	}
	if _, err := ParsePGConn("host=/var/run/postgresql dbname=x"); err == nil {
		t.Error("a Unix socket host was accepted")
	}
}

// sbProbeWorkflow sets SbAccount as the conversation workflow does and
// answers its input.
func sbProbeWorkflow(ctx workflow.Context, account string) (string, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword("SbAccount").ValueSet(account)); err != nil {
		return "", err
	}
	return "hello " + account, nil
}

// The standalone server on PostgreSQL, as production runs it: a fresh pair
// of databases with Temporal's schema, the namespace and Sb* attributes
// created by StartTemporalServer, a workflow round trip through a worker, a
// visibility query on SbAccount, state kept across a restart, and the
// databases dropped at the end.
func TestTemporalServerOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a Temporal server (-short)")
	}
	root, err := ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute) // a cold build takes ~6 minutes
	defer cancel()
	begin := time.Now()
	bins, err := EnsureTemporalServerBinaries(ctx, root, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server binaries ready in %s", time.Since(begin).Round(time.Millisecond))
	dsn, stopPG, err := EnsurePostgres(ctx, root, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopPG() })

	suffix := make([]byte, 4)
	rand.Read(suffix)
	db := "sbtest_temporal_" + hex.EncodeToString(suffix)
	begin = time.Now()
	s, err := StartTemporalServer(ctx, TemporalServerOptions{Binaries: bins, DSN: dsn, Database: db, Root: root})
	if err != nil {
		DropDatabase(context.Background(), dsn, db)
		DropDatabase(context.Background(), dsn, db+"_visibility")
		t.Fatal(err)
	}
	t.Logf("schema + server ready at %s in %s (databases %s, %s)", s.Address, time.Since(begin).Round(time.Millisecond), s.Database, s.VisibilityDatabase)
	t.Cleanup(func() {
		begin := time.Now()
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
		t.Logf("stopped in %s", time.Since(begin).Round(time.Millisecond))
		if err := s.DropDatabases(context.Background()); err != nil {
			t.Error(err)
		}
	})
	if s.VisibilityDatabase != db+"_visibility" || s.Namespace != "default" {
		t.Fatalf("unexpected server: %+v", s)
	}
	c := dialTest(t, s)
	assertSearchAttributes(t, c, "default")

	const queue = "devenv-sql-probe"
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(sbProbeWorkflow, workflow.RegisterOptions{Name: "SbProbe"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	account := "acc-" + hex.EncodeToString(suffix)
	begin = time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sql-probe", TaskQueue: queue}, "SbProbe", account)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello "+account {
		t.Fatalf("workflow result %q, %v", got, err)
	}
	t.Logf("workflow round trip in %s", time.Since(begin).Round(time.Millisecond))

	// Visibility is written after the fact: poll briefly.
	query := fmt.Sprintf("SbAccount = %q AND ExecutionStatus = 'Completed'", account)
	var found []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query})
		if err != nil {
			t.Fatalf("visibility query %s: %v", query, err)
		}
		found = found[:0]
		for _, e := range resp.GetExecutions() {
			found = append(found, e.GetExecution().GetWorkflowId())
		}
		if len(found) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(found) != 1 || found[0] != "sql-probe" {
		t.Fatalf("visibility query %s found %v", query, found)
	}

	// The state is in PostgreSQL: a restart on the same ports keeps it.
	w.Stop()
	begin = time.Now()
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart in %s", time.Since(begin).Round(time.Millisecond))
	desc, err := c.DescribeWorkflow(ctx, "sql-probe", run.GetRunID())
	if err != nil {
		t.Fatalf("workflow lost across restart: %v", err)
	}
	if st := desc.Status; st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("status after restart: %v", st)
	}
}

// deploy/temporal/setup-namespace.sh (make temporal-server, docker-compose)
// registers the same Sb* attributes as StartTemporalServer and `switchboard
// migrate`.
func TestSetupNamespaceScriptAttributes(t *testing.T) {
	root, err := ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "temporal", "setup-namespace.sh"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`--name (\w+) --type (\w+)`).FindAllStringSubmatch(string(b), -1) {
		got[m[1]] = m[2]
	}
	if !reflect.DeepEqual(got, SearchAttributes) {
		t.Errorf("setup-namespace.sh registers %v, temporalx.SearchAttributes is %v", got, SearchAttributes)
	}
}
