package devenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// temporalCLI builds or finds the pinned CLI (cold build: ~6 minutes).
func temporalCLI(t *testing.T) string {
	t.Helper()
	root, err := ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := EnsureTemporalCLI(context.Background(), root, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

func TestEnsureTemporalCLIVersion(t *testing.T) {
	cli := temporalCLI(t)
	if !cliVersionOK(context.Background(), cli) {
		t.Fatalf("%s is not Temporal CLI %s", cli, TemporalCLIVersion)
	}
	t.Setenv("TEMPORAL_CLI", cli)
	if got, err := EnsureTemporalCLI(context.Background(), "/nonexistent", nil); err != nil || got != cli {
		t.Fatalf("TEMPORAL_CLI not honoured: %q %v", got, err)
	}
	t.Setenv("TEMPORAL_CLI", filepath.Join(t.TempDir(), "nope"))
	if _, err := EnsureTemporalCLI(context.Background(), "/nonexistent", nil); err == nil {
		t.Fatal("missing TEMPORAL_CLI accepted")
	}
}

func dialTest(t *testing.T, s *TemporalServer) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := dialTemporal(ctx, s.Address, s.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func assertSearchAttributes(t *testing.T, c client.Client, ns string) {
	t.Helper()
	resp, err := c.OperatorService().ListSearchAttributes(context.Background(),
		&operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := wantedAttributes()
	for name, typ := range want {
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s: got %v (present %v), want %v", name, got, ok, typ)
		}
	}
}

func startTemporal(t *testing.T, opts TemporalOptions) *TemporalServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	begin := time.Now()
	s, err := StartTemporal(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("temporal ready at %s in %s", s.Address, time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() { s.Kill() })
	return s
}

func TestTemporalInMemoryHeadless(t *testing.T) {
	t.Parallel()
	s := startTemporal(t, TemporalOptions{CLIPath: temporalCLI(t), Namespace: "sbtest"})
	if s.UIURL != "" {
		t.Errorf("headless server has UI %q", s.UIURL)
	}
	c := dialTest(t, s)
	assertSearchAttributes(t, c, "sbtest")
	if ok, err := ReuseTemporal(context.Background(), s.Address, "sbtest"); !ok || err != nil {
		t.Fatalf("ReuseTemporal on running server: %v %v", ok, err)
	}
	// A second server on the same port must not mistake the first for itself.
	_, err := StartTemporal(context.Background(), TemporalOptions{CLIPath: s.opts.CLIPath, Port: s.opts.Port})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("want startup failure with server output, got %v", err)
	}
	t.Logf("busy port error: %v", err)
	begin := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %s", time.Since(begin).Round(time.Millisecond))
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if ok, err := ReuseTemporal(context.Background(), s.Address, "sbtest"); ok || err != nil {
		t.Fatalf("ReuseTemporal after Stop: %v %v", ok, err)
	}
}

func TestTemporalRestartKeepsState(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "temporal.db")
	s := startTemporal(t, TemporalOptions{CLIPath: temporalCLI(t), DBFile: db, UI: true})
	if s.UIURL == "" {
		t.Error("no UI URL")
	} else if err := waitHTTP(s.UIURL, 10*time.Second); err != nil {
		t.Errorf("UI: %v", err)
	}
	c := dialTest(t, s)
	ctx := context.Background()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: "devenv-restart", TaskQueue: "devenv-nobody-polls"}, "NoSuchWorkflow")
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Address
	begin := time.Now()
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart with DB file took %s", time.Since(begin).Round(time.Millisecond))
	if s.Address != addr {
		t.Fatalf("address changed on restart: %s -> %s", addr, s.Address)
	}
	// The client dialled before the restart reconnects to the same port.
	desc, err := c.DescribeWorkflow(ctx, "devenv-restart", run.GetRunID())
	if err != nil {
		t.Fatalf("workflow lost across restart: %v", err)
	}
	if desc.WorkflowType.Name != "NoSuchWorkflow" {
		t.Fatalf("unexpected workflow: %+v", desc.WorkflowExecutionMetadata)
	}
	assertSearchAttributes(t, c, "default")

	// Fault path: Kill, then Restart brings it back on the same port.
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeWorkflow(ctx, "devenv-restart", run.GetRunID()); err != nil {
		t.Fatalf("workflow lost after kill+restart: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A DB file created without the Sb* attributes: start-dev ignores
// --search-attribute for an existing namespace, so StartTemporal must add them.
func TestTemporalExistingDBWithoutAttributes(t *testing.T) {
	t.Parallel()
	cli := temporalCLI(t)
	db := filepath.Join(t.TempDir(), "old.db")
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--headless", "--db-filename", db}
	plain := exec.Command(cli, args...)
	plain.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tail := newTailWriter(nil, 50)
	plain.Stdout, plain.Stderr = tail, tail
	if err := plain.Start(); err != nil {
		t.Fatal(err)
	}
	ok := false
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if _, err := os.Stat(db); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			c, err := dialTemporal(ctx, "127.0.0.1:"+strconv.Itoa(port), "default")
			cancel()
			if err == nil {
				resp, lerr := c.OperatorService().ListSearchAttributes(context.Background(),
					&operatorservice.ListSearchAttributesRequest{Namespace: "default"})
				c.Close()
				if lerr == nil {
					if _, has := resp.GetCustomAttributes()["SbAccount"]; has {
						t.Fatal("plain server unexpectedly has SbAccount")
					}
					ok = true
					break
				}
			}
		}
	}
	syscall.Kill(-plain.Process.Pid, syscall.SIGTERM)
	plain.Wait()
	if !ok {
		t.Fatalf("plain server did not start: %s", tail.String())
	}
	s := startTemporal(t, TemporalOptions{CLIPath: cli, Port: port, DBFile: db})
	assertSearchAttributes(t, dialTest(t, s), "default")
	s.Stop()
}

func TestLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	unlock, err := lockFile(context.Background(), path, io.Discard, "test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if _, err := lockFile(ctx, path, logWriter{t}, "the first holder"); err == nil {
		t.Fatal("second lock acquired while held")
	}
	unlock()
	unlock2, err := lockFile(context.Background(), path, io.Discard, "test")
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}

// TestEnsureTemporalCLIBuild exercises the real `go install` into a fresh
// root; it takes minutes cold, so it only runs with DEVENV_TEST_BUILD=1.
func TestEnsureTemporalCLIBuild(t *testing.T) {
	if os.Getenv("DEVENV_TEST_BUILD") == "" {
		t.Skip("set DEVENV_TEST_BUILD=1 to test building the Temporal CLI")
	}
	t.Setenv("TEMPORAL_CLI", "")
	root := t.TempDir()
	begin := time.Now()
	cli, err := EnsureTemporalCLI(context.Background(), root, logWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s", cli, time.Since(begin).Round(time.Second))
	if cli != filepath.Join(root, "bin", "temporal") {
		t.Fatalf("unexpected path %s", cli)
	}
}

func waitHTTP(url string, timeout time.Duration) error {
	var err error
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var resp *http.Response
		if resp, err = http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
	}
	return err
}
