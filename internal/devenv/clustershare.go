package devenv

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// sharedCluster starts or joins the private cluster in dataDir. Processes
// (e.g. parallel test packages) serialise start and stop on
// <parent>/postgres.lock, and each holds a shared flock on
// <parent>/postgres.users while it uses the cluster: stop only shuts the
// cluster down when no other user is left.
func sharedCluster(ctx context.Context, binDir, dataDir string, out io.Writer) (*pgCluster, func() error, error) {
	base := filepath.Dir(dataDir)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, nil, err
	}
	lockPath := filepath.Join(base, "postgres.lock")
	unlock, err := lockFile(ctx, lockPath, out, "another process starting PostgreSQL")
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	c, err := startCluster(ctx, binDir, dataDir, out)
	if err != nil {
		return nil, nil, err
	}
	users, err := os.OpenFile(filepath.Join(base, "postgres.users"), os.O_RDWR|os.O_CREATE, 0o644)
	if err == nil {
		err = syscall.Flock(int(users.Fd()), syscall.LOCK_SH)
	}
	if err != nil {
		c.Stop()
		return nil, nil, fmt.Errorf("register PostgreSQL cluster user: %w", err)
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			defer users.Close()
			syscall.Flock(int(users.Fd()), syscall.LOCK_UN)
			unlock, err := lockFile(context.Background(), lockPath, io.Discard, "")
			if err != nil {
				stopErr = err
				return
			}
			defer unlock()
			if syscall.Flock(int(users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
				fmt.Fprintln(out, "PostgreSQL cluster still in use by another process; leaving it running")
				return
			}
			stopErr = c.Stop()
		})
		return stopErr
	}
	return c, stop, nil
}
