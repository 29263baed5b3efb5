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
			opsLn, err := listenOps(cfg)
			if err != nil {
				return err
			}
			g, ctx := errgroup.WithContext(cmd.Context())
			g.Go(func() error { return a.ServeAPI(ctx, ln) })
			if opsLn != nil {
				g.Go(func() error { return a.ServeOps(ctx, opsLn) })
			}
			return g.Wait()
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

// listenOps opens `serve`'s operations listener (nil when
// SWITCHBOARD_OPS_ADDR is empty).
func listenOps(cfg config.Config) (net.Listener, error) {
	if cfg.OpsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.OpsAddr)
	if err != nil {
		return nil, fmt.Errorf("SWITCHBOARD_OPS_ADDR=%s: %w (several processes on one host each set their own)", cfg.OpsAddr, err)
	}
	return ln, nil
}

// runAll runs the API, its operations listener (opsLn, may be nil) and a
// worker in one process (dev).
func runAll(ctx context.Context, a *app.App, ln, opsLn net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.ServeAPI(ctx, ln) })
	if opsLn != nil {
		g.Go(func() error { return a.ServeOps(ctx, opsLn) })
	}
	g.Go(func() error { return a.RunWorker(ctx) })
	return g.Wait()
}
