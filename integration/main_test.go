// Package integration runs Switchboard end to end against real services: a
// Temporal dev server, PostgreSQL, the API over real HTTP, a worker and the
// Twilio emulator, with real Twilio signatures.
package integration

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/devenv"
)

// temporalAddr is the in-memory dev server shared by this package's tests;
// each test has its own task queue and database.
var temporalAddr string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	srv, err := startTemporal(ctx, "", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: Temporal dev server:", err)
		return 1
	}
	defer srv.Stop()
	temporalAddr = srv.Address
	return m.Run()
}

// startTemporal starts a headless dev server on free ports; dbFile "" is
// in-memory; dynamic (may be nil) is dynamic config for the server.
func startTemporal(ctx context.Context, dbFile string, dynamic map[string]string) (*devenv.TemporalServer, error) {
	root, err := devenv.ProjectRoot()
	if err != nil {
		return nil, err
	}
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	cli, err := devenv.EnsureTemporalCLI(ctx, root, out)
	if err != nil {
		return nil, err
	}
	return devenv.StartTemporal(ctx, devenv.TemporalOptions{CLIPath: cli, DBFile: dbFile, DynamicConfig: dynamic})
}
