package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// PrivatePostgres is a PostgreSQL cluster of its own in a directory the
// caller owns (a test's temporary directory), for fault tests that stop and
// start the server: never the machine's shared one.
type PrivatePostgres struct {
	c *pgCluster
}

// StartPrivatePostgres initialises a cluster under dir and starts it on a
// free port of 127.0.0.1 (as the postgres OS user when run as root).
func StartPrivatePostgres(ctx context.Context, dir string, out io.Writer) (*PrivatePostgres, error) {
	if out == nil {
		out = io.Discard
	}
	bin, err := findPGBin()
	if err != nil {
		return nil, errors.New(noPostgresMsg)
	}
	c, err := startCluster(ctx, bin, filepath.Join(dir, "data"), out)
	if err != nil {
		return nil, err
	}
	return &PrivatePostgres{c: c}, nil
}

// DSN connects as the superuser to the postgres database.
func (p *PrivatePostgres) DSN() string { return p.c.DSN() }

// Port is the TCP port, kept across Stop and Start.
func (p *PrivatePostgres) Port() int { return p.c.Port }

// Stop shuts the server down. immediate is a crash (no checkpoint, clients
// cut at once, recovery at the next start); otherwise a fast shutdown.
func (p *PrivatePostgres) Stop(immediate bool) error {
	if !immediate {
		return p.c.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 70*time.Second)
	defer cancel()
	_, err := p.c.run(ctx, "pg_ctl", "-D", p.c.Dir, "-m", "immediate", "-w", "-t", "60", "stop")
	return err
}

// Start starts the stopped server again on the same port, so that clients'
// DSNs stay valid, and waits until it answers.
func (p *PrivatePostgres) Start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", p.c.Port, shellQuote(p.c.SockDir))
	if _, err := p.c.run(ctx, "pg_ctl", "-D", p.c.Dir, "-l", p.c.logFile(), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		return errors.New(withOutput(err.Error(), tailFile(p.c.logFile(), 30)))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := pingDSN(ctx, p.DSN(), 3*time.Second)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("PostgreSQL on port %d does not answer after a restart: %w", p.c.Port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close stops the server if it runs; the directory is the caller's.
func (p *PrivatePostgres) Close() error { return p.c.Stop() }
