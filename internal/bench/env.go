package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/secret"
)

// stackConfig describes one Switchboard under test.
type stackConfig struct {
	name          string
	temporal      string        // Temporal frontend host:port
	sessionWindow time.Duration // 0: the default (24h)
	emulatorRate  int           // emulator's per-sender limit (0: none)
	split         bool          // API and worker as child processes (`serve`, `worker`)
	configure     func(*config.Config)
}

// stack is one Switchboard (API + relay + worker) on its own fresh
// database and task queue, with a Twilio emulator and one WhatsApp account
// with one number — like integration/stack_test.go, on real ports.
type stack struct {
	env    *env
	cfg    config.Config
	app    *app.App // in-process; with split it only serves the bench's queries
	emu    *emulator.Emulator
	emuURL string
	apiURL string
	dbName string

	accountID  string
	numberID   string
	accountSID string
	authToken  string
	number     string
	inboundURL string

	sends       atomic.Int64 // POST Messages.json answered by the emulator
	rateLimited atomic.Int64 // of which 429
	cancel      context.CancelFunc
	done        chan error
	children    []*child
	childEnv    []string // split: the children's environment
	workerURL   string   // split: the worker child's /healthz, /readyz, /metrics
	sendSample  string   // a workflow of the send phase, for its history
	closeOnce   sync.Once
	http        *http.Client
}

// child is a `switchboard serve` or `switchboard worker` process.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newHTTPClient is a client that keeps enough connections open for the
// bench's concurrency (the default keeps 2 per host).
func newHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	// Below the API's ReadTimeout (15 s), after which fasthttp answers an
	// idle keep-alive connection with an unsolicited 400.
	t.IdleConnTimeout = 10 * time.Second
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

func (e *env) newStack(ctx context.Context, sc stackConfig) (*stack, error) {
	s := &stack{env: e, http: newHTTPClient(256), number: "+1555010" + fmt.Sprintf("%04d", e.nextNumber())}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	s.dbName = "sbbench_" + sc.name + "_" + randHex(4)
	if err := devenv.CreateDatabase(ctx, e.baseDSN, s.dbName); err != nil {
		return nil, err
	}
	dsn, err := devenv.WithDatabase(e.baseDSN, s.dbName)
	if err != nil {
		return nil, err
	}

	s.emu = emulator.New(emulator.Config{Logger: e.logger, RatePerSender: sc.emulatorRate})
	cfg := config.Defaults()
	cfg.DatabaseURL = dsn
	cfg.TemporalAddress = sc.temporal
	if e.opts.TemporalAddress != "" && e.opts.TemporalNamespace != "" {
		cfg.TemporalNamespace = e.opts.TemporalNamespace
	}
	cfg.TaskQueue = "bench-" + sc.name + "-" + randHex(4)
	cfg.AdminKey = "bench-admin-" + randHex(12)
	cfg.AdminKeys = []string{cfg.AdminKey}
	cfg.SecretKeys = []string{secret.GenerateKey()}
	cfg.PayloadKey = secret.GenerateKey() // as production runs: payloads encrypted
	cfg.LogLevel = "warn"
	if sc.sessionWindow > 0 {
		cfg.SessionWindow = sc.sessionWindow
	}
	if e.opts.StickyCache > 0 {
		cfg.WorkerStickyCacheSize = e.opts.StickyCache
	}
	if e.opts.Pollers > 0 {
		cfg.WorkerPollers = e.opts.Pollers
	}
	if sc.configure != nil {
		sc.configure(&cfg)
	}
	opts := []app.Option{app.WithTwilioEmulator("127.0.0.1:0", s.countSends(s.emu.Handler()), nil)}
	if sc.split {
		// The `serve` child binds the API; in process, the app only
		// serves the emulator and the bench's queries.
		port, err := devenv.FreePort()
		if err != nil {
			return nil, err
		}
		cfg.HTTPAddr = "127.0.0.1:" + strconv.Itoa(port)
		cfg.PublicBaseURL = "http://" + cfg.HTTPAddr
	} else {
		opts = append(opts, app.WithAPI("127.0.0.1:0"), app.WithLocalPublicURL(), app.WithWorker())
	}
	a, err := app.New(ctx, cfg, e.logger, opts...)
	if err != nil {
		return nil, err
	}
	s.app, s.cfg = a, a.Config
	s.apiURL, s.emuURL = a.Config.PublicBaseURL, a.TwilioEmulatorURL()
	s.emu.SetPublicURL(s.emuURL)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.done = make(chan error, 1)
	go func() {
		s.done <- a.Run(runCtx)
		close(s.done)
	}()
	if sc.split {
		if err := s.startChildren(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.waitHTTP(ctx, s.apiURL+"/healthz", 30*time.Second); err != nil {
		return nil, fmt.Errorf("API of stack %s: %w", sc.name, err)
	}
	if err := s.createAccount(ctx); err != nil {
		return nil, err
	}
	s.emu.AddAccount(s.accountSID, s.authToken)
	s.emu.ConfigureSender(s.accountSID, s.number, s.inboundURL)
	ok = true
	return s, nil
}

// countSends counts the emulator's answers to message creation (and 429s).
func (s *stack) countSends(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
			h.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		s.sends.Add(1)
		if rec.status == http.StatusTooManyRequests {
			s.rateLimited.Add(1)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *stack) createAccount(ctx context.Context) error {
	s.accountSID = "AC" + randHex(16)
	s.authToken = randHex(16)
	var acc domain.Account
	err := s.admin(ctx, http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Bench", "twilio_account_sid": s.accountSID, "twilio_auth_token": s.authToken,
		"numbers": []map[string]string{{"name": "Bench line", "e164": s.number}},
	}, http.StatusCreated, &acc)
	if err != nil {
		return fmt.Errorf("create the bench account: %w", err)
	}
	if len(acc.Numbers) != 1 {
		return fmt.Errorf("bench account: %d numbers", len(acc.Numbers))
	}
	s.accountID, s.numberID, s.inboundURL = acc.ID, acc.Numbers[0].ID, acc.InboundURL
	return nil
}

// admin calls the admin API; out (if not nil) receives the JSON answer.
func (s *stack) admin(ctx context.Context, method, path string, body any, want int, out any) error {
	status, raw, err := s.adminRaw(ctx, method, path, body)
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, status, want, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (s *stack) adminRaw(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.apiURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func (s *stack) waitHTTP(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := s.http.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not answering after %s: %w", url, within, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startChildren runs the API (`switchboard serve`) and the worker
// (`switchboard worker`) as child processes of this binary (its hidden
// serve and worker commands run the same internal/app code), so that each
// one's memory is measured alone.
func (s *stack) startChildren(ctx context.Context) error {
	workerPort, err := devenv.FreePort()
	if err != nil {
		return err
	}
	s.childEnv = append(os.Environ(),
		"DATABASE_URL="+s.cfg.DatabaseURL,
		"TEMPORAL_ADDRESS="+s.cfg.TemporalAddress,
		"TEMPORAL_NAMESPACE="+s.cfg.TemporalNamespace,
		"SWITCHBOARD_TASK_QUEUE="+s.cfg.TaskQueue,
		"SWITCHBOARD_HTTP_ADDR="+s.cfg.HTTPAddr,
		"SWITCHBOARD_WORKER_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(workerPort),
		"SWITCHBOARD_PUBLIC_BASE_URL="+s.cfg.PublicBaseURL,
		"SWITCHBOARD_ADMIN_KEY="+s.cfg.AdminKey,
		"SWITCHBOARD_SECRET_KEY="+s.cfg.SecretKeys[0],
		"SWITCHBOARD_SECRET_KEY_PREVIOUS=",
		"SWITCHBOARD_PAYLOAD_KEY="+s.cfg.PayloadKey,
		"SWITCHBOARD_PAYLOAD_KEY_PREVIOUS=",
		"SWITCHBOARD_OPS_ADDR=", // the bench reads the worker's listener only
		"SWITCHBOARD_TWILIO_API_BASE="+s.cfg.TwilioAPIBase,
		"SWITCHBOARD_SESSION_WINDOW="+s.cfg.SessionWindow.String(),
		"SWITCHBOARD_WORKER_STICKY_CACHE_SIZE="+strconv.Itoa(s.cfg.WorkerStickyCacheSize),
		"SWITCHBOARD_WORKER_POLLERS="+strconv.Itoa(s.cfg.WorkerPollers),
		"SWITCHBOARD_LOG_LEVEL=warn",
		"SWITCHBOARD_LOG_FORMAT=text",
	)
	for _, name := range []string{"serve", "worker"} {
		if err := s.startChild(name); err != nil {
			return err
		}
	}
	s.workerURL = "http://127.0.0.1:" + strconv.Itoa(workerPort)
	return s.waitHTTP(ctx, s.workerURL+"/readyz", 60*time.Second)
}

// startChild starts `switchboard <name>` (serve or worker) with the
// children's environment; it replaces a stopped child of that name.
func (s *stack) startChild(name string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, name)
	cmd.Env = s.childEnv
	cmd.Stdout, cmd.Stderr = s.env.logFile, s.env.logFile
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start `switchboard %s`: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()
	for i, old := range s.children {
		if old.name == name {
			s.children[i] = c
			return nil
		}
	}
	s.children = append(s.children, c)
	return nil
}

// stopChild stops a child gracefully (SIGTERM, as an orchestrator does),
// killing it after within, and returns once it has exited.
func (s *stack) stopChild(name string, within time.Duration) error {
	for _, c := range s.children {
		if c.name != name {
			continue
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
			return nil
		case <-time.After(within):
			_ = c.cmd.Process.Kill()
			<-c.done
			return fmt.Errorf("`switchboard %s` still running %s after SIGTERM: killed", name, within)
		}
	}
	return fmt.Errorf("no child process %q", name)
}

// childPID returns the pid of the named child process (0 when in-process).
func (s *stack) childPID(name string) int {
	for _, c := range s.children {
		if c.name == name {
			return c.cmd.Process.Pid
		}
	}
	return 0
}

// Close stops the stack and drops its database.
func (s *stack) Close() {
	s.closeOnce.Do(func() {
		// The children first: the emulator serves them until they stop.
		for _, c := range s.children {
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, c := range s.children {
			select {
			case <-c.done:
			case <-time.After(20 * time.Second):
				_ = c.cmd.Process.Kill()
				<-c.done
			}
		}
		if s.cancel != nil {
			s.cancel()
		}
		if s.done != nil {
			select {
			case <-s.done:
			case <-time.After(30 * time.Second):
				s.env.logger.Warn("stack did not stop in 30s", "task_queue", s.cfg.TaskQueue)
			}
		}
		if s.app != nil {
			s.app.Close()
		}
		if s.emu != nil {
			s.emu.Close()
		}
		if s.dbName != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := devenv.DropDatabase(ctx, s.env.baseDSN, s.dbName); err != nil {
				s.env.logger.Warn("dropping a bench database failed", "db", s.dbName, "err", err)
			}
		}
	})
}

// countInbound is how many inbound messages the transcript holds.
func (s *stack) countInbound(ctx context.Context) (int, error) {
	var n int
	err := s.app.Store.DB().GetContext(ctx, &n, `SELECT count(*) FROM messages WHERE direction = 'inbound'`)
	return n, err
}

// waitInbound polls the transcript until it holds want inbound messages and
// returns when that was first seen. It gives up when the count has not
// grown for stall: a slow machine only makes it wait longer.
func (s *stack) waitInbound(ctx context.Context, want int, stall time.Duration, tick func(n int)) (time.Time, error) {
	lastTick, lastGrowth, last := time.Now(), time.Now(), -1
	for {
		n, err := s.countInbound(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if n >= want {
			return time.Now(), nil
		}
		if n > last {
			last, lastGrowth = n, time.Now()
		}
		if tick != nil && time.Since(lastTick) > 2*time.Second {
			tick(n)
			lastTick = time.Now()
		}
		if time.Since(lastGrowth) > stall {
			return time.Time{}, fmt.Errorf("%d of %d inbound messages recorded, none more for %s", n, want, stall)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(countEvery(want)):
		}
	}
}

// countEvery spaces the count(*) polls of waitInbound: every 20 ms for a
// small run, up to once a second when waiting for a hundred thousand
// messages, where a count scans that many rows and polling it 50 times a
// second would load PostgreSQL more than the run it measures.
func countEvery(want int) time.Duration {
	return min(time.Second, time.Duration(max(want, 1000))*20*time.Microsecond)
}

// customer returns a distinct customer number for this stack.
func (s *stack) customer(series, i int) string {
	return fmt.Sprintf("+44%02d%08d", series%100, i)
}

// conversationID finds the open conversation of a workflow ID.
func (s *stack) conversationID(ctx context.Context, workflowID string) (string, error) {
	var id string
	err := s.app.Store.DB().GetContext(ctx, &id,
		`SELECT id FROM conversations WHERE workflow_id = $1 ORDER BY created_at DESC LIMIT 1`, workflowID)
	return id, err
}
