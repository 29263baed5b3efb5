// Command switchboard-bench measures Switchboard against its targets and
// the raw Temporal baseline (`make bench`; README, Benchmarks). It is its
// own binary so that the bench, the emulator and the local Temporal and
// PostgreSQL setup stay out of the server's (docs/binaries.md).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal stops the bench (it drops its databases); a second
	// one ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	root := benchCmd()
	root.AddCommand(processCmd("serve", app.Serve), processCmd("worker", app.Worker))
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard-bench:", err)
		os.Exit(1)
	}
}

// processCmd is `switchboard serve` or `switchboard worker`, the same code
// (internal/app), for the scale phase's --split: the bench runs the API and
// the worker as child processes of this binary to measure each one's memory.
func processCmd(name string, run func(context.Context, config.Config, *slog.Logger) error) *cobra.Command {
	return &cobra.Command{
		Use:    name,
		Short:  "Run `switchboard " + name + "` (the bench's --split children)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _ := config.FromEnv() // app.New's Validate reports every problem
			return run(cmd.Context(), cfg, app.NewLogger(cfg))
		},
	}
}
