package main

import (
	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
)

// loadConfig reads the environment. Problems reading it are not returned
// here: Validate (in app.New) lists them with every other problem at once.
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
			return app.Serve(cmd.Context(), cfg, app.NewLogger(cfg))
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
			return app.Worker(cmd.Context(), cfg, app.NewLogger(cfg))
		},
	}
}
