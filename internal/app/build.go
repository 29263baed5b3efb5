package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/logging"
)

// Option says what New assembles besides what every process has (the
// store, the Temporal client, the relay): which parts run, on which
// addresses.
type Option func(*options)

type options struct {
	api, ops  string // listen addresses ("": none)
	worker    bool
	localURL  bool
	twilio    string // the Twilio emulator's address ("": none)
	twilioH   http.Handler
	simulator http.Handler
	// names of the API and operations addresses in errors (the
	// variables of `serve` and `worker`; "" for a plain description)
	apiName, opsName string
}

// named says which variables set the API and operations addresses, for
// the errors of a listener that cannot bind.
func named(api, ops string) Option { return func(o *options) { o.apiName, o.opsName = api, ops } }

// WithAPI serves the HTTP API on addr (host:port; port 0 picks one) and
// runs the inbox relay's sweeps beside it. Config.HTTPAddr becomes the
// address actually bound.
func WithAPI(addr string) Option { return func(o *options) { o.api = addr } }

// WithOps serves the operations listener on addr (none when addr is ""): /healthz, the detailed /readyz, /metrics and the codec endpoint. In
// a process with the API it reports the API's readiness (`serve`'s
// SWITCHBOARD_OPS_ADDR); in a worker-only process the worker's
// (SWITCHBOARD_WORKER_HTTP_ADDR), turning 503 before the worker stops.
func WithOps(addr string) Option { return func(o *options) { o.ops = addr } }

// WithWorker runs the Temporal worker in the process.
func WithWorker() Option { return func(o *options) { o.worker = true } }

// WithLocalPublicURL makes SWITCHBOARD_PUBLIC_BASE_URL the API listener's
// own address: Twilio is an emulator on the same machine (dev, tests).
func WithLocalPublicURL() Option { return func(o *options) { o.localURL = true } }

// WithTwilioEmulator serves h, a stand-in for Twilio's API (dev, the
// tests and the bench pass the emulator's handler: this package does not
// link it), on addr for the life of the process: it starts before the API
// and the worker and stops after them. Config.TwilioAPIBase becomes its
// URL unless already set. simulator (may be nil) is served by the API
// under /sim, the customer phone.
func WithTwilioEmulator(addr string, h, simulator http.Handler) Option {
	return func(o *options) { o.twilio, o.twilioH, o.simulator = addr, h, simulator }
}

// New assembles a process: it opens the listeners the options ask for,
// connects to PostgreSQL (applying migrations), creates a lazy Temporal
// client (the API starts, and stores webhooks, even while Temporal is
// unreachable) and the process's one relay. Run runs the parts; Close
// releases everything.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) (*App, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var lns []net.Listener
	listen := func(what, name, addr string) (net.Listener, error) {
		if addr == "" {
			return nil, nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil && name != "" {
			return nil, fmt.Errorf("%s=%s: %w", name, addr, err)
		} else if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, addr, err)
		}
		lns = append(lns, ln)
		return ln, nil
	}
	fail := func(err error) (*App, error) {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, err
	}
	apiLn, err := listen("API address", o.apiName, o.api)
	if err != nil {
		return fail(err)
	}
	opsLn, err := listen("operations address", o.opsName, o.ops)
	if err != nil {
		return fail(fmt.Errorf("%w (several processes on one host each set their own)", err))
	}
	twilioLn, err := listen("Twilio emulator address", "", o.twilio)
	if err != nil {
		return fail(err)
	}
	if apiLn != nil {
		cfg.HTTPAddr = apiLn.Addr().String()
		if o.localURL {
			cfg.PublicBaseURL = "http://" + cfg.HTTPAddr
		}
	}
	if twilioLn != nil && cfg.TwilioAPIBase == "" {
		cfg.TwilioAPIBase = "http://" + twilioLn.Addr().String()
	}
	a, err := open(ctx, cfg, logger)
	if err != nil {
		return fail(err)
	}
	a.Simulator = o.simulator
	a.apiLn, a.opsLn, a.twilioLn, a.twilioH, a.worker = apiLn, opsLn, twilioLn, o.twilioH, o.worker
	return a, nil
}

// Run runs what New assembled until ctx ends or one part fails, then
// stops every part: the API (readiness 503, in-flight requests, then the
// relay) and the worker (running activities get
// SWITCHBOARD_SHUTDOWN_TIMEOUT), the operations listener, and last the
// Twilio emulator. It runs once per App.
func (a *App) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("app: Run called twice")
	}
	var emu *http.Server
	emuErr := make(chan error, 1)
	if a.twilioLn != nil {
		emu = &http.Server{Handler: a.twilioH, ReadHeaderTimeout: 10 * time.Second}
		go func() { emuErr <- emu.Serve(a.twilioLn) }()
	}
	g, gctx := errgroup.WithContext(ctx)
	switch {
	case a.apiLn != nil:
		g.Go(func() error { return a.serveAPIProcess(gctx) })
		if a.opsLn != nil {
			g.Go(func() error { return a.serveOps(gctx, a.opsLn) })
		}
		if a.worker {
			g.Go(func() error { return a.RunWorker(gctx) })
		}
	case a.worker:
		g.Go(func() error { return a.runWorkerProcess(gctx, a.opsLn) })
	default:
		if a.opsLn != nil {
			g.Go(func() error { return a.serveOps(gctx, a.opsLn) })
		}
		g.Go(func() error { <-gctx.Done(); return nil })
	}
	err := g.Wait()
	if emu != nil {
		_ = emu.Close()
		if serr := <-emuErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("twilio emulator: %w", serr)
		}
	}
	return err
}

// APIURL is the API listener's URL ("" without WithAPI).
func (a *App) APIURL() string { return listenerURL(a.apiLn) }

// OpsURL is the operations listener's URL ("" without WithOps).
func (a *App) OpsURL() string { return listenerURL(a.opsLn) }

// TwilioEmulatorURL is the URL WithTwilioEmulator serves on ("" without).
func (a *App) TwilioEmulatorURL() string { return listenerURL(a.twilioLn) }

func listenerURL(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return "http://" + ln.Addr().String()
}

// Serve is `switchboard serve`: the API and the relay, and the operations
// listener (SWITCHBOARD_OPS_ADDR), until ctx ends.
func Serve(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	return runProcess(ctx, cfg, logger, WithAPI(cfg.HTTPAddr), WithOps(cfg.OpsAddr),
		named("SWITCHBOARD_HTTP_ADDR", "SWITCHBOARD_OPS_ADDR"))
}

// Worker is `switchboard worker`: the Temporal worker and its operations
// listener (SWITCHBOARD_WORKER_HTTP_ADDR), until ctx ends.
func Worker(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	return runProcess(ctx, cfg, logger, WithWorker(), WithOps(cfg.WorkerHTTPAddr),
		named("", "SWITCHBOARD_WORKER_HTTP_ADDR"))
}

func runProcess(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) error {
	a, err := New(ctx, cfg, logger, opts...)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}

// NewLogger is a process's logger (also slog's default): JSON unless
// SWITCHBOARD_LOG_FORMAT=text (dev's default), phone numbers masked and
// the configuration's secrets scrubbed from every line.
func NewLogger(cfg config.Config) *slog.Logger {
	l := logging.New(os.Stderr, logging.Options{Format: cfg.LogFormat, Level: cfg.LogLevel, Secrets: cfg.Secrets()})
	slog.SetDefault(l)
	return l
}
