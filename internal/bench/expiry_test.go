package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
)

// TestMain lets this test binary be the stack's `serve` and `worker` child
// processes (the stack runs os.Executable() with that command), as
// switchboard-bench is.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && (os.Args[1] == "serve" || os.Args[1] == "worker") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		cfg, _ := config.FromEnv()
		run := app.Serve
		if os.Args[1] == "worker" {
			run = app.Worker
		}
		err := run(ctx, cfg, app.NewLogger(cfg))
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestExpiryPhase runs the expiry phase with a few conversations: the
// worker child is stopped, every window passes, a new worker turns them
// all template_only.
func TestExpiryPhase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal, PostgreSQL databases and child processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	o := DefaultOptions()
	o.Phases = []string{PhaseExpiry}
	o.ExpiryConversations, o.ExpiryWindow = 5, 15*time.Second
	rep, err := Run(ctx, o, io.Discard, filepath.Join(t.TempDir(), "bench.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("phase errors: %v", rep.Errors)
	}
	res, ok := rep.Phases[PhaseExpiry].(ExpiryResult)
	if !ok {
		t.Fatalf("no expiry result: %+v", rep.Phases)
	}
	if res.Lag.N != 5 || res.FromReady <= 0 || res.DownSeconds < 1 || res.WorkerRSS <= 0 {
		t.Errorf("result %+v", res)
	}
	t.Logf("5 expiries: %.2fs after ready, %.1fs down", res.FromReady, res.DownSeconds)
}
