// Package bench is `switchboard-bench` (cmd/switchboard-bench): it starts
// its own Temporal dev server, PostgreSQL database, Twilio emulator, API
// and worker, measures Switchboard against the raw Temporal baseline on the
// same server in the same run, and reports a table (and JSON) with each
// target and verdict.
//
// Benchmarks print numbers; they never fail on speed. The machine is shared
// and noisy, which is why every throughput is compared with a baseline
// measured in the same run rather than with a fixed number.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/devenv"
)

// Phases, in the order they run.
const (
	PhaseIngest   = "ingest"
	PhaseLatency  = "latency"
	PhaseHistory  = "history"
	PhaseSend     = "send"
	PhaseScale    = "scale"
	PhaseWindow   = "window"
	PhaseOutbound = "outbound"
	PhaseExport   = "export"
	PhaseExpiry   = "expiry"
)

// AllPhases lists every phase in run order.
var AllPhases = []string{PhaseIngest, PhaseLatency, PhaseHistory, PhaseSend, PhaseScale, PhaseWindow, PhaseOutbound, PhaseExport, PhaseExpiry}

// DefaultPhases are the phases of a default run: every one but expiry,
// which waits out its window (10 minutes by default) and is opt-in.
var DefaultPhases = slices.DeleteFunc(slices.Clone(AllPhases), func(p string) bool { return p == PhaseExpiry })

// Options are the bench's settings (flags of `switchboard-bench`).
type Options struct {
	Phases []string `json:"phases"`
	// 1. ingest: closed loop, same concurrency for the baseline.
	Concurrency    int `json:"concurrency"`
	IngestMessages int `json:"ingest_messages"` // per round and side
	IngestRounds   int `json:"ingest_rounds"`   // baseline and Switchboard alternate
	// 2. latency: open loop at a fixed offered rate.
	LatencyRate      int           `json:"latency_rate"`
	LatencyDuration  time.Duration `json:"latency_duration_ns"`
	LatencyCustomers int           `json:"latency_customers"`
	// 3. history cost.
	HistoryMessages int `json:"history_messages"`
	// 4. agent send.
	Sends int `json:"sends"`
	// 5. scale.
	Conversations    int  `json:"conversations"`
	ScaleConcurrency int  `json:"scale_concurrency"` // webhooks in flight while opening them (file-backed Temporal is slower)
	ScaleBacklog     int  `json:"scale_backlog"`     // webhooks stored and not yet recorded, at most (0: no bound)
	Split            bool `json:"split"`
	StickyCache      int  `json:"sticky_cache"` // 0: the configuration's default
	Pollers          int  `json:"pollers"`      // 0: the configuration's default
	// 6. window expiry.
	WindowConversations int           `json:"window_conversations"`
	Window              time.Duration `json:"window_ns"`
	// 7. outbound per sender.
	OutboundMessages int  `json:"outbound_messages"`
	OutboundRate     int  `json:"outbound_rate"`    // the emulator's per-sender limit
	OutboundCompare  bool `json:"outbound_compare"` // also run without Switchboard's limiter
	// 8. export: messages seeded straight into PostgreSQL, then exported.
	ExportMessages int `json:"export_messages"`
	// 9. expiry: N windows expiring together while the worker is down.
	ExpiryConversations int           `json:"expiry_conversations"`
	ExpiryWindow        time.Duration `json:"expiry_window_ns"`

	// TemporalAddress runs every phase against this server (host:port,
	// namespace TemporalNamespace) instead of dev servers the bench starts:
	// a Temporal cluster on PostgreSQL, say. Its namespace must have the
	// Sb* search attributes registered.
	TemporalAddress   string `json:"temporal_address,omitempty"`
	TemporalNamespace string `json:"temporal_namespace,omitempty"`
	// TemporalDatabases are the given server's databases, measured (scale)
	// when they are on the bench's PostgreSQL cluster.
	TemporalDatabases []string `json:"temporal_databases,omitempty"`

	Profile bool   `json:"profile"` // CPU and heap profiles per phase
	OutDir  string `json:"-"`
}

// DefaultOptions is a default run: a few minutes on two cores.
func DefaultOptions() Options {
	return Options{
		Phases:              slices.Clone(DefaultPhases),
		Concurrency:         64,
		IngestMessages:      1500,
		IngestRounds:        4,
		LatencyRate:         200,
		LatencyDuration:     20 * time.Second,
		LatencyCustomers:    1000,
		HistoryMessages:     100,
		Sends:               200,
		Conversations:       10000,
		ScaleConcurrency:    16,
		ScaleBacklog:        500,
		WindowConversations: 1000,
		Window:              20 * time.Second,
		OutboundMessages:    800,
		OutboundRate:        80,
		OutboundCompare:     true,
		ExportMessages:      100000,
		ExpiryConversations: 10000,
		ExpiryWindow:        10 * time.Minute,
		TemporalDatabases:   []string{"temporal", "temporal_visibility"},
	}
}

// env is what every phase shares: the servers and the output.
type env struct {
	opts     Options
	root     string
	out      io.Writer // progress (stderr)
	started  time.Time
	logger   *slog.Logger
	logFile  *os.File
	baseDSN  string
	cli      string
	temporal *devenv.TemporalServer // in-memory, for every phase but scale
	tc       client.Client          // a client of it for the baselines
	numbers  int
	mu       sync.Mutex
	report   *Report
	profDir  string

	cpuStart    cpuSnap
	cpuStartPID int
	phaseCPU    *CPUUse // set by a phase that measures its own (scale)
}

// temporalAddress is the server the phases run against: the one given,
// else the in-memory dev server.
func (e *env) temporalAddress() string {
	if e.opts.TemporalAddress != "" {
		return e.opts.TemporalAddress
	}
	return e.temporal.Address
}

// temporalPID is the in-memory dev server's pid (0 if unknown or not ours).
func (e *env) temporalPID() int {
	if e.temporal == nil {
		return 0
	}
	_, port, _ := strings.Cut(e.temporal.Address, ":")
	return findPID("start-dev", "--port "+port+" ")
}

// cpuSoFar is the CPU used since the phase started, with temporalPID the
// server the phase used and children its child processes.
func (e *env) cpuSoFar(temporalPID int, children ...int) CPUUse {
	start := e.cpuStart
	if temporalPID != e.cpuStartPID {
		start.temporal = 0 // a server started during the phase
	}
	return start.until(takeCPU(temporalPID, children...))
}

func (e *env) nextNumber() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.numbers++
	return e.numbers
}

// progressf prints one progress line on stderr.
func (e *env) progressf(phase, format string, args ...any) {
	fmt.Fprintf(e.out, "[%6.1fs] %-8s %s\n", time.Since(e.started).Seconds(), phase, fmt.Sprintf(format, args...))
}

func (e *env) addRows(rows ...Row) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.report.Rows = append(e.report.Rows, rows...)
}

func (e *env) setPhase(name string, v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.report.Phases[name] = v
}

// Run runs the selected phases and returns the report. Progress goes to
// progress; the bench's own servers log (warnings and up) to logPath.
func Run(ctx context.Context, opts Options, progress io.Writer, logPath string) (*Report, error) {
	root, err := devenv.ProjectRoot()
	if err != nil {
		return nil, err
	}
	e := &env{opts: opts, root: root, out: progress, started: time.Now()}
	e.report = &Report{StartedAt: e.started.UTC(), Machine: ReadMachine(), Options: opts, Phases: map[string]any{}, CPU: map[string]CPUUse{}}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	if e.logFile, err = os.Create(logPath); err != nil {
		return nil, err
	}
	defer e.logFile.Close()
	e.logger = slog.New(slog.NewTextHandler(e.logFile, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.progressf("setup", "logs of the servers under test: %s", logPath)
	if opts.Profile {
		e.profDir = strings.TrimSuffix(logPath, ".log") + "-profiles"
		if err := os.MkdirAll(e.profDir, 0o755); err != nil {
			return nil, err
		}
		e.progressf("setup", "profiles: %s", e.profDir)
	}

	dsn, stopPG, err := devenv.EnsurePostgres(ctx, root, prefixWriter{e, "setup"})
	if err != nil {
		return nil, err
	}
	defer stopPG()
	e.baseDSN = dsn
	if e.cli, err = devenv.EnsureTemporalCLI(ctx, root, prefixWriter{e, "setup"}); err != nil {
		return nil, err
	}
	needMemory := slices.ContainsFunc(opts.Phases, func(p string) bool { return p != PhaseScale })
	if opts.TemporalAddress != "" {
		e.progressf("setup", "Temporal at %s (namespace %s), given", opts.TemporalAddress, opts.TemporalNamespace)
		e.tc, err = client.Dial(client.Options{HostPort: opts.TemporalAddress, Namespace: opts.TemporalNamespace, Logger: quietLogger{}})
		if err != nil {
			return nil, err
		}
		defer e.tc.Close()
	} else if needMemory {
		e.progressf("setup", "starting an in-memory Temporal dev server (headless, free ports)")
		srv, err := devenv.StartTemporal(ctx, devenv.TemporalOptions{CLIPath: e.cli, LogWriter: e.logFile})
		if err != nil {
			return nil, err
		}
		defer srv.Stop()
		e.temporal = srv
		e.tc, err = client.Dial(client.Options{HostPort: srv.Address, Namespace: srv.Namespace, Logger: quietLogger{}})
		if err != nil {
			return nil, err
		}
		defer e.tc.Close()
		e.progressf("setup", "Temporal at %s", srv.Address)
	}

	var main *stack
	mainPhases := []string{PhaseIngest, PhaseLatency, PhaseHistory, PhaseSend}
	for _, phase := range opts.Phases {
		if ctx.Err() != nil {
			break
		}
		if slices.Contains(mainPhases, phase) && main == nil {
			e.progressf("setup", "starting Switchboard (API + worker in this process, emulator, fresh database)")
			if main, err = e.newStack(ctx, stackConfig{name: "main", temporal: e.temporalAddress()}); err != nil {
				return nil, err
			}
			defer main.Close()
		}
		if !slices.Contains(mainPhases, phase) && main != nil {
			main.Close() // its worker and relay would only add noise
			main = nil
		}
		e.runPhase(ctx, phase, main)
	}
	e.report.Machine.LoadAvgEnd = loadAvg()
	e.report.Machine.CPUPressureEnd = cpuPressure()
	e.report.Elapsed = time.Since(e.started).Round(time.Second).String()
	return e.report, nil
}

func (e *env) runPhase(ctx context.Context, phase string, main *stack) {
	e.progressf(phase, "start")
	e.cpuStartPID = e.temporalPID()
	e.cpuStart = takeCPU(e.cpuStartPID)
	e.phaseCPU = nil
	rowsBefore := len(e.report.Rows)
	stopProf := e.startProfile(phase)
	var err error
	switch phase {
	case PhaseIngest:
		err = e.runIngest(ctx, main)
	case PhaseLatency:
		err = e.runLatency(ctx, main)
	case PhaseHistory:
		err = e.runHistory(ctx, main)
	case PhaseSend:
		err = e.runSend(ctx, main)
	case PhaseScale:
		err = e.runScale(ctx)
	case PhaseWindow:
		err = e.runWindow(ctx)
	case PhaseOutbound:
		err = e.runOutbound(ctx)
	case PhaseExport:
		err = e.runExport(ctx)
	case PhaseExpiry:
		err = e.runExpiry(ctx)
	default:
		err = fmt.Errorf("unknown phase %q", phase)
	}
	stopProf()
	use := e.phaseCPU
	if use == nil {
		u := e.cpuSoFar(e.cpuStartPID)
		use = &u
	}
	e.mu.Lock()
	e.report.CPU[phase] = *use
	if len(e.report.Rows) > rowsBefore {
		r := &e.report.Rows[rowsBefore]
		r.Note = strings.TrimPrefix(r.Note+"; CPU during the phase: "+use.String(), "; ")
	}
	e.mu.Unlock()
	if err != nil {
		e.progressf(phase, "FAILED: %v", err)
		e.mu.Lock()
		e.report.Errors = append(e.report.Errors, phase+": "+err.Error())
		e.mu.Unlock()
		e.addRows(Row{ID: phaseNumber(phase) + " " + phase, Measure: "(phase failed)", Result: truncate(err.Error(), 60), Verdict: Failed})
		return
	}
	e.progressf(phase, "done")
}

func phaseNumber(phase string) string {
	return fmt.Sprint(slices.Index(AllPhases, phase) + 1)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// startProfile writes a CPU profile of the phase, and a heap profile at its
// end, when profiling is on.
func (e *env) startProfile(phase string) func() {
	if e.profDir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(e.profDir, "cpu-"+phase+".pprof"))
	if err != nil {
		e.progressf(phase, "cpu profile: %v", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		e.progressf(phase, "cpu profile: %v", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		if h, err := os.Create(filepath.Join(e.profDir, "heap-"+phase+".pprof")); err == nil {
			_ = pprof.Lookup("heap").WriteTo(h, 0)
			h.Close()
		}
	}
}

// prefixWriter turns setup output (devenv's messages) into progress lines.
type prefixWriter struct {
	e     *env
	phase string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if line != "" {
			p.e.progressf(p.phase, "%s", line)
		}
	}
	return len(b), nil
}

// quietLogger silences the Temporal SDK in the bench's own clients.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
