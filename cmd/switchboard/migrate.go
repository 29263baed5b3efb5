package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/secret"
)

func migrateCmd() *cobra.Command {
	var skipTemporal bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and register Temporal search attributes",
		Long: "Apply the SQL migrations (under a PostgreSQL advisory lock), then register the Sb* search attributes " +
			"on the Temporal namespace. Idempotent, and safe to run from several replicas at once.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv()
			if err != nil {
				return err
			}
			return app.Migrate(cmd.Context(), cfg, app.NewLogger(cfg), skipTemporal)
		},
	}
	cmd.Flags().BoolVar(&skipTemporal, "skip-temporal", false, "only migrate the database")
	return cmd
}

func keygenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "Print a new SWITCHBOARD_SECRET_KEY (32 random bytes, base64)",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), secret.GenerateKey())
		},
	}
}
