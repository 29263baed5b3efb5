package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
)

func rotateKeysCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-keys",
		Short: "Re-encrypt every Twilio auth token with SWITCHBOARD_SECRET_KEY",
		Long: "Re-encrypt every account's Twilio auth token with the primary key (SWITCHBOARD_SECRET_KEY), reading it " +
			"with whichever key encrypted it (SWITCHBOARD_SECRET_KEY_PREVIOUS). To rotate: put the new key in " +
			"SWITCHBOARD_SECRET_KEY and the old one in SWITCHBOARD_SECRET_KEY_PREVIOUS, deploy, run rotate-keys, " +
			"then remove the old key. Safe to run twice and while the service runs.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv()
			if err != nil {
				return err
			}
			rep, err := app.RotateKeys(cmd.Context(), cfg, app.NewLogger(cfg))
			fmt.Fprintf(cmd.OutOrStdout(), "%d accounts: %d re-encrypted, %d already on the primary key, %d unreadable\n",
				rep.Accounts, rep.Rotated, rep.Current, len(rep.Unreadable))
			return err
		},
	}
}
