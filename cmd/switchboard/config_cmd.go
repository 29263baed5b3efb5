package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/config"
)

func configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration (secrets redacted) and every problem with it",
		Long: "Print every setting as NAME=value, defaults included, with admin keys, secret keys, " +
			"the DATABASE_URL password and TEMPORAL_API_KEY redacted; then list every problem " +
			"`serve` and `worker` would refuse to start with (exit status 1 when there is one).",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _ := config.FromEnv() // Validate lists the parse problems too
			for _, line := range cfg.Redacted() {
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			if err := cfg.Validate(); err != nil {
				var n int
				var multi interface{ Unwrap() []error }
				if errors.As(err, &multi) {
					n = len(multi.Unwrap())
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "\n%d problem(s):\n", max(n, 1))
				if multi != nil {
					for _, e := range multi.Unwrap() {
						fmt.Fprintln(cmd.ErrOrStderr(), "  -", e)
					}
				} else {
					fmt.Fprintln(cmd.ErrOrStderr(), "  -", err)
				}
				return errors.New("the configuration is not valid")
			}
			return nil
		},
	}
}
