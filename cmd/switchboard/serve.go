package main

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
)

// loadConfig reads the environment. Problems reading it are not returned
// here: Validate (in app.Open) lists them with every other problem at once.
func loadConfig() (config.Config, error) {
	cfg, _ := config.FromEnv()
	return cfg, nil
}

func serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API and Twilio webhooks (run workers separately with `switchboard worker`)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			logger := newLogger(cfg)
			a, err := app.Open(cmd.Context(), cfg, logger)
			if err != nil {
				return err
			}
			defer a.Close()
			ln, err := net.Listen("tcp", cfg.HTTPAddr)
			if err != nil {
				return fmt.Errorf("SWITCHBOARD_HTTP_ADDR=%s: %w", cfg.HTTPAddr, err)
			}
			return a.ServeAPI(cmd.Context(), ln)
		},
	}
}

func workerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker for conversation workflows",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			a, err := app.Open(cmd.Context(), cfg, newLogger(cfg))
			if err != nil {
				return err
			}
			defer a.Close()
			ln, err := net.Listen("tcp", cfg.WorkerHTTPAddr)
			if err != nil {
				return fmt.Errorf("SWITCHBOARD_WORKER_HTTP_ADDR=%s: %w", cfg.WorkerHTTPAddr, err)
			}
			return a.RunWorkerProcess(cmd.Context(), ln)
		},
	}
}

// runAll runs the API and a worker in one process (dev).
func runAll(ctx context.Context, a *app.App, ln net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.ServeAPI(ctx, ln) })
	g.Go(func() error { return a.RunWorker(ctx) })
	return g.Wait()
}
