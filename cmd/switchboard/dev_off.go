//go:build switchboard_nodev

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// devCmd, in the production build (-tags switchboard_nodev, the image's),
// only says where dev went: the emulator, the example bot and the local
// Temporal and PostgreSQL setup are not linked in (docs/binaries.md).
func devCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "dev",
		Short:  "Not in this build: run `go run ./cmd/switchboard dev` (or `make dev`) from a checkout",
		Hidden: true,
		// Whatever flags follow, the answer is the message below.
		DisableFlagParsing: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("dev is not in this build (built with -tags switchboard_nodev, as the production image is): " +
				"run `make dev` or `go run ./cmd/switchboard dev` from a checkout")
		},
	}
}
