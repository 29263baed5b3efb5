package bench

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/devenv"
)

// TestPhasesRunAgainstAGivenServer runs a small phase with
// --temporal-address: the bench starts no Temporal server of its own and
// its stack works against the one given (a cluster on PostgreSQL in
// production measurements; a dev server here).
func TestPhasesRunAgainstAGivenServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal and PostgreSQL databases")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := devenv.EnsureTemporalCLI(ctx, root, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := devenv.StartTemporal(ctx, devenv.TemporalOptions{CLIPath: cli})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	o := DefaultOptions()
	o.Phases = []string{PhaseHistory}
	o.HistoryMessages = 3
	o.TemporalAddress, o.TemporalNamespace = srv.Address, srv.Namespace
	rep, err := Run(ctx, o, io.Discard, filepath.Join(t.TempDir(), "bench.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("phase errors: %v", rep.Errors)
	}
	if _, ok := rep.Phases[PhaseHistory]; !ok {
		t.Fatalf("no history result: %+v", rep.Phases)
	}
	// The phase's conversations are on the given server.
	c, err := client.Dial(client.Options{HostPort: srv.Address, Namespace: srv.Namespace, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	if n.GetCount() == 0 {
		t.Fatal("no workflow on the given server: the bench ran elsewhere")
	}
	t.Logf("history phase on the given server: %d workflow executions there", n.GetCount())
}
