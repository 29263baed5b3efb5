package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/health"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/internal/relay"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/temporalx"
)

// Role says which process a readiness checker is for.
type Role string

// Roles.
const (
	RoleAPI    Role = "api"
	RoleWorker Role = "worker"
)

// ReadyChecker returns the /readyz checks: PostgreSQL reachable, migrations
// current, the Temporal namespace reachable, and workers polling the task
// queue. For the API the last one is reported but not required (the API
// keeps storing webhooks while no worker runs; the relay delivers later);
// for a worker every check is required.
func (a *App) ReadyChecker(role Role) *health.Checker {
	return health.NewChecker(
		health.Check{Name: "postgres", Required: true, Run: func(ctx context.Context) (string, error) {
			return "", a.Store.Ping(ctx)
		}},
		health.Check{Name: "migrations", Required: true, Run: func(ctx context.Context) (string, error) {
			pending, err := a.Store.PendingMigrations(ctx)
			if err != nil {
				return "", err
			}
			if len(pending) > 0 {
				vs := make([]string, len(pending))
				for i, v := range pending {
					vs[i] = strconv.FormatInt(v, 10)
				}
				return "", fmt.Errorf("%d pending (versions %s): run `switchboard migrate`", len(pending), strings.Join(vs, ", "))
			}
			return "none pending", nil
		}},
		health.Check{Name: "temporal", Required: true, Run: func(ctx context.Context) (string, error) {
			return a.Config.TemporalNamespace, temporalx.CheckNamespace(ctx, a.Temporal, a.Config.TemporalNamespace)
		}},
		health.Check{Name: "task_queue", Required: role == RoleWorker, Run: func(ctx context.Context) (string, error) {
			n, err := temporalx.CheckPollers(ctx, a.Temporal, a.Config.TaskQueue)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d pollers on %s", n, a.Config.TaskQueue), nil
		}},
	)
}

// registerDBCollector adds the PostgreSQL-backed gauges (inbox backlog,
// conversations, queues) to the registry, once. Only the API process
// exports them, so that a sum over processes does not count them twice.
func (a *App) registerDBCollector() {
	a.dbCollector.Do(func() {
		a.Metrics.Registry.MustRegister(metrics.NewDBCollector(a.Store.OpsSnapshot, 5*time.Second, a.Logger.With("component", "metrics")))
	})
}

// serveAPI serves until ctx ends, then shuts down in order: /readyz turns
// 503, Fiber stops accepting and waits for in-flight requests (up to
// SWITCHBOARD_SHUTDOWN_TIMEOUT), then the relay and the assignment outbox
// stop; the caller closes the database after.
func (a *App) serveAPI(ctx context.Context, ln net.Listener, srv *api.Server, rl *relay.Relay) error {
	fiberApp := srv.App()
	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRelay()
	serveErr := make(chan error, 1)
	relayDone := make(chan struct{})
	outboxDone := make(chan struct{})
	go func() { serveErr <- fiberApp.Listener(ln) }()
	go func() {
		defer close(relayDone)
		if err := rl.Run(relayCtx); err != nil {
			a.Logger.Error("inbox relay stopped", "err", err)
		}
	}()
	go func() {
		defer close(outboxDone)
		if err := a.distribution.Run(relayCtx); err != nil {
			a.Logger.Error("assignment outbox stopped", "err", err)
		}
	}()
	a.Logger.Info("api listening", "addr", ln.Addr().String(), "public_base_url", a.Config.PublicBaseURL)
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	a.Logger.Info("api shutting down: no new connections, finishing in-flight requests", "timeout", a.Config.ShutdownTimeout.String())
	a.APIReadyChecker().Drain()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.shutdownTimeout())
	defer cancel()
	if serr := fiberApp.ShutdownWithContext(shutdownCtx); serr != nil && err == nil {
		err = fmt.Errorf("api shutdown: %w", serr)
	}
	// Deliveries started by answered webhooks finish (or, past the
	// timeout, wait in the inbox for the next sweep).
	rl.WaitHandoffs(shutdownCtx)
	stopRelay()
	<-relayDone
	<-outboxDone
	a.Logger.Info("api stopped")
	return err
}

func (a *App) shutdownTimeout() time.Duration {
	if a.Config.ShutdownTimeout > 0 {
		return a.Config.ShutdownTimeout
	}
	return 15 * time.Second
}

// WorkerOptions are the Temporal worker's settings from the configuration.
// The sticky workflow cache is process-wide: it is sized here, before the
// first worker of the process starts (later calls do not resize it).
func (a *App) WorkerOptions() sdkworker.Options {
	c := a.Config
	if c.WorkerStickyCacheSize > 0 {
		sdkworker.SetStickyWorkflowCacheSize(c.WorkerStickyCacheSize)
	}
	return workerOptions(c, a.shutdownTimeout())
}

func workerOptions(c config.Config, stop time.Duration) sdkworker.Options {
	o := sdkworker.Options{
		MaxConcurrentActivityExecutionSize:      c.WorkerMaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize:  c.WorkerMaxConcurrentWorkflowTasks,
		MaxConcurrentLocalActivityExecutionSize: c.WorkerMaxConcurrentLocalActivities,
		WorkerStopTimeout:                       stop,
		DeadlockDetectionTimeout:                c.WorkerDeadlockTimeout,
	}
	if c.WorkerPollers >= 2 { // 0: the SDK's default (2); 1 is refused by the SDK
		o.MaxConcurrentWorkflowTaskPollers = c.WorkerPollers
		o.MaxConcurrentActivityTaskPollers = c.WorkerPollers
	}
	return o
}

// APIReadyChecker is the API's readiness checker, shared by the public
// /readyz and the operations listener's, so that both turn 503 together
// on shutdown.
func (a *App) APIReadyChecker() *health.Checker {
	a.apiReady.Do(func() { a.apiChecker = a.ReadyChecker(RoleAPI) })
	return a.apiChecker
}

// OpsHandler serves a process's operations listener (serve:
// SWITCHBOARD_OPS_ADDR; worker: SWITCHBOARD_WORKER_HTTP_ADDR): /healthz,
// the detailed /readyz, /metrics, and the open codec endpoint
// /codec/{encode,decode} for the Temporal UI (CORS for
// SWITCHBOARD_TEMPORAL_UI_ORIGIN). Nothing here asks for a key: keep the
// listener inside the network (its default address is the loopback).
func (a *App) OpsHandler(ready *health.Checker) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.LiveHandler())
	mux.Handle("GET /readyz", ready.ReadyHandler())
	mux.Handle("GET /metrics", a.Metrics.Handler())
	if a.Codec != nil {
		codec := payloadcodec.Handler(a.Codec, a.Config.TemporalNamespace, a.Config.TemporalUIOrigin)
		mux.Handle("/codec/encode", codec)
		mux.Handle("/codec/decode", codec)
	}
	return mux
}

// WorkerHTTPHandler is the worker's operations listener.
func (a *App) WorkerHTTPHandler(ready *health.Checker) http.Handler { return a.OpsHandler(ready) }

// serveOps serves `serve`'s operations listener on ln until ctx ends.
func (a *App) serveOps(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.OpsHandler(a.APIReadyChecker()), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Logger.Info("operations listener", "addr", ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// runWorkerProcess is `switchboard worker`: the worker, and its HTTP port
// (ln; nil for none). On ctx's end /readyz turns 503, the worker stops
// (running activities finish), then the HTTP server closes.
func (a *App) runWorkerProcess(ctx context.Context, ln net.Listener) error {
	ready := a.ReadyChecker(RoleWorker)
	var srv *http.Server
	httpErr := make(chan error, 1)
	if ln != nil {
		srv = &http.Server{Handler: a.WorkerHTTPHandler(ready), ReadHeaderTimeout: 10 * time.Second}
		go func() { httpErr <- srv.Serve(ln) }()
		a.Logger.Info("worker http listening", "addr", ln.Addr().String())
	}
	err := a.RunWorker(ctx)
	ready.Drain()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if herr := <-httpErr; herr != nil && !errors.Is(herr, http.ErrServerClosed) && err == nil {
			err = herr
		}
	}
	return err
}

// Migrate is `switchboard migrate`: the SQL migrations (under an advisory
// lock), then, unless skipTemporal, the Sb* search attributes on the
// namespace and the retention Schedule (SWITCHBOARD_RETENTION). Safe to run
// twice and from several replicas at once.
func Migrate(ctx context.Context, cfg config.Config, logger *slog.Logger, skipTemporal bool) error {
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx, logger); err != nil {
		return err
	}
	logger.Info("database is up to date")
	if skipTemporal {
		return nil
	}
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	opts, err := temporalx.ClientOptions(cfg, logger.With("component", "temporal-sdk"), nil)
	if err != nil {
		return err
	}
	c, err := client.DialContext(tctx, opts)
	if err != nil {
		return fmt.Errorf("TEMPORAL_ADDRESS=%s: %w", cfg.TemporalAddress, err)
	}
	defer c.Close()
	if err := temporalx.EnsureSearchAttributes(tctx, c, cfg.TemporalNamespace); err != nil {
		return err
	}
	logger.Info("temporal search attributes registered", "namespace", cfg.TemporalNamespace)
	return EnsureRetentionSchedule(tctx, c, cfg, logger)
}
