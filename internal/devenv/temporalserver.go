package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// TemporalOptions configures a Temporal dev server.
type TemporalOptions struct {
	CLIPath   string    // Temporal CLI binary (see EnsureTemporalCLI); required
	Port      int       // frontend gRPC port; 0 = pick a free port
	UIPort    int       // Web UI port; 0 with UI = pick a free port; ignored when !UI
	UI        bool      // serve the Web UI (otherwise --headless)
	DBFile    string    // SQLite file for persistent state; "" = in-memory
	Namespace string    // namespace to create and wait for; "" = "default"
	LogWriter io.Writer // server output; nil = discard (the tail is kept for errors)
	// DynamicConfig sets server dynamic config values (key → value as the
	// CLI's --dynamic-config-value takes it), e.g. a low
	// limit.historyCount.suggestContinueAsNew for tests.
	DynamicConfig map[string]string
	// UICodecEndpoint is the codec server the UI decodes payloads with
	// (Switchboard's operations listener, http://127.0.0.1:9090/codec);
	// "" for none. Ignored when headless.
	UICodecEndpoint string
}

// TemporalServer is a running Temporal server process: `temporal server
// start-dev` (StartTemporal) or the standalone server on PostgreSQL
// (StartTemporalServer).
type TemporalServer struct {
	Address   string // host:port of the frontend
	UIURL     string // "" when headless
	Namespace string
	// Database and VisibilityDatabase are the PostgreSQL databases of a
	// server from StartTemporalServer ("" for the dev server).
	Database, VisibilityDatabase string

	opts TemporalOptions
	tail *tailWriter
	// ports must be free before a start; command builds the process to
	// run; probe succeeds once the server is ready (nil: probeTemporal).
	ports   []int
	command func() *exec.Cmd
	probe   func(ctx context.Context) error
	sql     *TemporalServerOptions // StartTemporalServer's options

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
}

// defaultReadyTimeout bounds startup when ctx has no deadline.
const defaultReadyTimeout = 90 * time.Second

// StartTemporal starts a dev server and waits until the namespace can be
// described and the Switchboard search attributes are registered (adding
// them if an existing DBFile lacks them). ctx bounds the startup only (90s
// when it has no deadline); the server runs until Stop or Kill.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*TemporalServer, error) {
	if opts.CLIPath == "" {
		return nil, errors.New("TemporalOptions.CLIPath is required (use EnsureTemporalCLI)")
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	// Ports we pick can be taken before the server binds them (another
	// server, or a client's ephemeral source port, in the same range):
	// then pick again. Ports the caller chose are the caller's.
	picked := opts.Port == 0 && (!opts.UI || opts.UIPort == 0)
	for attempt := 1; ; attempt++ {
		s, err := startTemporalOnce(ctx, opts)
		var busy *portInUseError
		if err == nil || !picked || attempt == 5 || !errors.As(err, &busy) {
			return s, err
		}
	}
}

// portInUseError: a port of the server was taken before it started.
type portInUseError struct {
	port int
	err  error
}

func (e *portInUseError) Error() string {
	return fmt.Sprintf("temporal server: port %d on 127.0.0.1 is in use: %v", e.port, e.err)
}

func (e *portInUseError) Unwrap() error { return e.err }

func startTemporalOnce(ctx context.Context, opts TemporalOptions) (*TemporalServer, error) {
	var err error
	if opts.Port == 0 {
		if opts.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if !opts.UI {
		opts.UIPort = 0
	}
	for opts.UI && (opts.UIPort == 0 || opts.UIPort == opts.Port) {
		if opts.UIPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if opts.DBFile != "" {
		if opts.DBFile, err = filepath.Abs(opts.DBFile); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(opts.DBFile), 0o755); err != nil {
			return nil, err
		}
	}
	s := &TemporalServer{
		Address:   net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)),
		Namespace: opts.Namespace,
		opts:      opts,
		tail:      newTailWriter(opts.LogWriter, 50),
	}
	s.ports = []int{opts.Port}
	if opts.UI {
		s.UIURL = fmt.Sprintf("http://127.0.0.1:%d", opts.UIPort)
		s.ports = append(s.ports, opts.UIPort)
	}
	s.command = func() *exec.Cmd { return exec.Command(s.opts.CLIPath, s.Args()...) }
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Args returns the CLI arguments used to run the server.
func (s *TemporalServer) Args() []string {
	o := s.opts
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(o.Port)}
	if o.UI {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort))
		if o.UICodecEndpoint != "" {
			args = append(args, "--ui-codec-endpoint", o.UICodecEndpoint)
		}
	} else {
		args = append(args, "--headless")
	}
	if o.DBFile != "" {
		args = append(args, "--db-filename", o.DBFile)
	}
	if o.Namespace != "default" { // "default" is always created
		args = append(args, "--namespace", o.Namespace)
	}
	args = append(args, "--log-level", "warn")
	// Eager activity execution: an activity scheduled by a workflow task
	// comes back to the same worker in the task's completion answer instead
	// of through a poll (an agent's reply reaches Twilio one round trip
	// sooner). Off by default in server 1.29; Temporal Cloud has it on.
	args = append(args, "--dynamic-config-value", "system.enableActivityEagerExecution=true")
	keys := make([]string, 0, len(o.DynamicConfig))
	for k := range o.DynamicConfig {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--dynamic-config-value", k+"="+o.DynamicConfig[k])
	}
	names := make([]string, 0, len(SearchAttributes))
	for n := range SearchAttributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		args = append(args, "--search-attribute", n+"="+SearchAttributes[n])
	}
	return args
}

// LastOutput returns the last lines the server printed.
func (s *TemporalServer) LastOutput() string { return s.tail.String() }

func (s *TemporalServer) start(ctx context.Context) error {
	// A server already on the port would answer our readiness probe while
	// ours fails to bind, so refuse up front.
	for _, p := range s.ports {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return &portInUseError{port: p, err: err}
		}
		l.Close()
	}
	cmd := s.command()
	cmd.SysProcAttr = groupAttr()
	cmd.Stdout, cmd.Stderr = s.tail, s.tail
	cmd.WaitDelay = 3 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start temporal server: %w", err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done, s.exitErr = cmd, done, nil
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.exitErr = err
		s.mu.Unlock()
		close(done)
	}()
	if err := s.waitReady(ctx, done); err != nil {
		s.Kill()
		return err
	}
	return nil
}

func (s *TemporalServer) waitReady(ctx context.Context, done chan struct{}) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultReadyTimeout)
		defer cancel()
	}
	start := time.Now()
	exited := func() error {
		s.mu.Lock()
		err := s.exitErr
		s.mu.Unlock()
		return errors.New(withOutput(fmt.Sprintf("temporal server at %s exited during startup: %v", s.Address, err), s.tail.String()))
	}
	for {
		attempt, cancel := context.WithTimeout(ctx, 3*time.Second)
		var err error
		if s.probe != nil {
			err = s.probe(attempt)
		} else {
			err = probeTemporal(attempt, s.Address, s.Namespace)
		}
		cancel()
		select {
		case <-done: // checked first: whoever answered, it was not our process
			return exited()
		default:
		}
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return exited()
		case <-ctx.Done():
			return errors.New(withOutput(fmt.Sprintf("temporal server at %s not ready after %s: %v (last probe: %v)",
				s.Address, time.Since(start).Round(time.Millisecond), ctx.Err(), err), s.tail.String()))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM to the server's process group and waits for it to exit,
// escalating to SIGKILL after 10s.
func (s *TemporalServer) Stop() error { return s.signal(syscall.SIGTERM, 10*time.Second) }

// Kill sends SIGKILL to the server's process group immediately and waits.
func (s *TemporalServer) Kill() error { return s.signal(syscall.SIGKILL, 0) }

func (s *TemporalServer) signal(sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	pgid := cmd.Process.Pid
	if err := syscall.Kill(-pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal temporal server: %w", err)
	}
	if grace > 0 {
		select {
		case <-done:
			return nil
		case <-time.After(grace):
			syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
	<-done
	return nil
}

// Restart stops the server and starts it again with the same options and
// ports, so existing clients reconnect. State survives only with DBFile (or
// in PostgreSQL, for StartTemporalServer).
func (s *TemporalServer) Restart(ctx context.Context) error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start(ctx)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
