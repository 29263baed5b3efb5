package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

func migrateCmd() *cobra.Command {
	var skipTemporal bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and register Temporal search attributes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			logger := newLogger(cfg)
			if cfg.DatabaseURL == "" {
				return fmt.Errorf("DATABASE_URL is not set")
			}
			st, err := store.Open(cmd.Context(), cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Migrate(cmd.Context(), logger); err != nil {
				return err
			}
			logger.Info("database is up to date")
			if skipTemporal {
				return nil
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			c, err := client.DialContext(ctx, client.Options{
				HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
				Logger: sdklog.NewStructuredLogger(logger),
			})
			if err != nil {
				return fmt.Errorf("TEMPORAL_ADDRESS=%s: %w", cfg.TemporalAddress, err)
			}
			defer c.Close()
			if err := devenv.EnsureSearchAttributes(ctx, c, cfg.TemporalNamespace); err != nil {
				return err
			}
			logger.Info("temporal search attributes registered", "namespace", cfg.TemporalNamespace)
			return nil
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
