// Command switchboard runs the Switchboard WhatsApp contact-center engine.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/logging"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts a graceful shutdown; restoring the default
	// handling then lets a second one end the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	root := &cobra.Command{
		Use:           "switchboard",
		Short:         "WhatsApp contact-center engine on Twilio and Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(devCmd(), serveCmd(), workerCmd(), migrateCmd(), keygenCmd(), rotateKeysCmd(), configCmd(), benchCmd())
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// newLogger is the process's logger (also slog's default): JSON unless
// SWITCHBOARD_LOG_FORMAT=text (dev's default), phone numbers masked and the
// configuration's secrets scrubbed from every line.
func newLogger(cfg config.Config) *slog.Logger {
	l := logging.New(os.Stderr, logging.Options{Format: cfg.LogFormat, Level: cfg.LogLevel, Secrets: cfg.Secrets()})
	slog.SetDefault(l)
	return l
}
