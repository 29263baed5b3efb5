//go:build !switchboard_nodev

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/switchboard/switchboard/internal/devenv"
)

// temporalMode is dev's --temporal: "dev" (the CLI's start-dev server with
// its UI, state in .data/temporal.db) or "server" (the standalone server on
// PostgreSQL, as in production; docs/production.md).
type temporalMode string

func (m *temporalMode) String() string {
	if *m == "" {
		return "dev"
	}
	return string(*m)
}

func (m *temporalMode) Set(v string) error {
	if v != "dev" && v != "server" {
		return fmt.Errorf("want dev or server, not %q", v)
	}
	*m = temporalMode(v)
	return nil
}

func (*temporalMode) Type() string { return "dev|server" }

// startTemporalServer starts bin/temporal-server on the PostgreSQL dev
// uses (databases temporal and temporal_visibility, kept across runs),
// building it first when missing.
func (d *devEnv) startTemporalServer(ctx context.Context, out io.Writer) error {
	cfg := &d.cfg
	bins, err := devenv.EnsureTemporalServerBinaries(ctx, d.root, out)
	if err != nil {
		return err
	}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		var stopPG func() error
		if dsn, stopPG, err = devenv.EnsurePostgres(ctx, d.root, out); err != nil {
			return err
		}
		d.stops = append(d.stops, func() { _ = stopPG() })
	}
	logFile, err := os.OpenFile(filepath.Join(d.dataDir, "temporal-server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	d.stops = append(d.stops, func() { logFile.Close() })
	fmt.Fprintf(out, "starting Temporal server on PostgreSQL on 127.0.0.1:%d (databases temporal, temporal_visibility; log in .data/temporal-server.log)\n", d.f.temporalPort)
	srv, err := devenv.StartTemporalServer(ctx, devenv.TemporalServerOptions{
		Binaries: bins, DSN: dsn, Root: d.root, Port: d.f.temporalPort,
		Namespace: cfg.TemporalNamespace, LogWriter: logFile,
	})
	if err != nil {
		return err
	}
	d.stops = append(d.stops, func() { _ = srv.Stop() })
	cfg.TemporalAddress = srv.Address
	d.uiURL = "(none: the standalone server has no UI; bin/temporal --address " + srv.Address + " works)"
	return nil
}
