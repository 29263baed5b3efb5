// Package app wires Switchboard's parts together — store, Temporal client,
// API, worker, relay — for the commands, the bench and the integration
// tests: New (build.go) is the one way to assemble a process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/bot"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/health"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/internal/relay"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/temporalx"
	"github.com/switchboard/switchboard/internal/twilio"
	"github.com/switchboard/switchboard/worker"
	"github.com/switchboard/switchboard/workflows/erasure"
	"github.com/switchboard/switchboard/workflows/retention"
)

// App holds the long-lived dependencies of a Switchboard process.
type App struct {
	Config   config.Config
	Logger   *slog.Logger
	Store    *store.Store
	Temporal client.Client
	Box      *secret.Box
	// Metrics is this process's Prometheus registry (/metrics).
	Metrics *metrics.Metrics
	// Codec encrypts Temporal payloads (SWITCHBOARD_PAYLOAD_KEY); nil
	// without a key. The codec endpoints serve it (ops.go, api/codec.go).
	Codec *payloadcodec.Codec
	// Simulator, when set (the Twilio emulator's handler in dev and
	// tests), is served by the API under /sim (the customer phone).
	Simulator http.Handler

	// relay is the process's one inbox relay: the API hands webhooks to
	// it and runs its sweeps.
	relay *relay.Relay
	// tokens are the accounts' Twilio credentials, for the API and the
	// activities.
	tokens *secret.Tokens
	// events wakes the agents' event streams: the API subscribes them,
	// serveAPIProcess runs its listener.
	events *agentevents.Hub
	// distribution is the process's one dispatcher and assignment outbox:
	// the activities and the API decide through it, the API process runs
	// its sweeps.
	distribution *distribution.Service

	// What New assembled for Run (build.go).
	apiLn, opsLn, twilioLn net.Listener
	twilioH                http.Handler
	worker                 bool
	running                atomic.Bool

	dbCollector sync.Once
	apiReady    sync.Once
	apiChecker  *health.Checker
}

// open connects to PostgreSQL (applying migrations) and creates a lazy
// Temporal client, the distribution and the relay (New is the way in).
func open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	box, err := secret.NewBox(cfg.SecretKeys...)
	if err != nil {
		return nil, fmt.Errorf("SWITCHBOARD_SECRET_KEY: %w", err)
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set")
	}
	st, err := store.OpenPool(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx, logger); err != nil {
		st.Close()
		return nil, err
	}
	m := metrics.New(logger.With("component", "metrics"))
	codec, err := temporalx.PayloadCodec(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	opts, err := temporalx.ClientOptions(cfg, logger.With("component", "temporal-sdk"), m.SDKHandler())
	if err != nil {
		st.Close()
		return nil, err
	}
	tc, err := client.NewLazyClient(opts)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("temporal client: %w", err)
	}
	a := &App{Config: cfg, Logger: logger, Store: st, Temporal: tc, Box: box, Metrics: m, Codec: codec}
	a.distribution = distribution.New(st, tc, logger.With("component", "distribution"))
	a.distribution.OnRedelivery = m.AssignmentRedeliveries.Inc
	a.relay = relay.New(st, tc, cfg.TaskQueue, cfg.SessionWindow, logger.With("component", "relay")).
		WithEnded(a.distribution)
	a.relay.RedeliverAfter = cfg.InboxRedeliverAfter
	a.relay.OnRedelivery = m.InboxRedeliveries.Inc
	a.tokens = secret.NewTokens(func(ctx context.Context, id string) (secret.StoredToken, error) {
		s, err := st.AccountSecret(ctx, id)
		return secret.StoredToken{AccountSID: s.AccountSID, AuthTokenEnc: s.AuthTokenEnc}, err
	}, box)
	a.events = agentevents.New(cfg.DatabaseURL, logger.With("component", "agent-events"))
	return a, nil
}

// Close releases the listeners New opened (those Run served are closed
// already) and the connections.
func (a *App) Close() {
	for _, ln := range []net.Listener{a.apiLn, a.opsLn, a.twilioLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
	a.Temporal.Close()
	a.Store.Close()
}

// Relay is the process's inbox relay (one per process: its sweeps run
// with the API, see Run).
func (a *App) Relay() *relay.Relay { return a.relay }

// Distribution is the process's work distribution (one per process: its
// sweeps run with the API, see Run).
func (a *App) Distribution() *distribution.Service { return a.distribution }

// API returns an HTTP server on the process's relay, distribution and
// agent-events hub. Each area of the API gets the store through its own
// interface.
func (a *App) API() *api.Server {
	logger := a.Logger.With("component", "api")
	st := a.Store
	return api.New(api.Deps{
		Config:    a.Config,
		Logger:    logger,
		Temporal:  a.Temporal,
		Box:       a.Box,
		Tokens:    a.tokens,
		Twilio:    twilio.NewClient(twilio.Config{APIBase: a.Config.TwilioAPIBase, Logger: logger}), // template sync
		Relay:     a.relay,
		Events:    a.events,
		Metrics:   a.Metrics,
		Ready:     a.APIReadyChecker(),
		Codec:     a.Codec,
		Simulator: a.Simulator,

		Accounts:      st,
		Workstreams:   st,
		Queues:        st,
		SLAPolicies:   st,
		Agents:        st,
		Templates:     st,
		Audit:         st,
		Conversations: st,
		AgentAPI:      st,
		Media:         st,
		AgentEvents:   st,
		Supervisor:    st,
		Webhooks:      st,
		Customers:     st,
		Reports:       st,
		Transcripts:   st,
		RoutingInputs: st,
		Idempotency:   st,
		AgentKit:      st,
		Campaigns:     st,
		// Opt-out confirmations keep the senders' shared pace.
		OptOutSender: twilio.NewClient(twilio.Config{APIBase: a.Config.TwilioAPIBase, Timeout: a.Config.TwilioTimeout,
			Logger: a.Logger.With("component", "twilio"), RatePerSender: a.Config.TwilioRatePerSender, Slots: a.Store}),
		Postgres:     st,
		Distribution: a.distribution,
	})
}

// serveAPIProcess serves HTTP on the API listener and runs the relay
// until ctx ends, then shuts down gracefully (see ops.go). Run calls it
// once: the relay starts and stops once.
func (a *App) serveAPIProcess(ctx context.Context) error {
	a.registerDBCollector()
	srv := a.API()
	// Agent event streams end when ctx does, before the HTTP shutdown
	// waits for in-flight requests (a stream never ends by itself); the
	// listener is closed before this returns.
	eventsDone := make(chan struct{})
	go func() {
		defer close(eventsDone)
		if err := a.events.Run(ctx); err != nil {
			a.Logger.Error("agent events listener stopped", "err", err)
		}
	}()
	defer func() { <-eventsDone }()
	return a.serveAPI(ctx, a.apiLn, srv, a.relay)
}

// Activities builds the activities with their dependencies.
func (a *App) Activities() *activities.Activities {
	tw := twilio.NewClient(twilio.Config{
		APIBase: a.Config.TwilioAPIBase,
		Timeout: a.Config.TwilioTimeout,
		Logger:  a.Logger.With("component", "twilio"),
		// Paced per sender, so that a burst of replies is not a storm of 429s.
		RatePerSender: a.Config.TwilioRatePerSender,
		// Shared through PostgreSQL: several workers together keep the pace.
		Slots: a.Store,
	})
	return &activities.Activities{
		Store:             a.Store,
		Settings:          a.Store,
		Windows:           a.Store,
		Distribution:      activityDistribution{a.distribution},
		Bot:               bot.NewClient(&http.Client{}, a.Config.AllowPrivateTargets),
		Credentials:       a.tokens,
		Twilio:            a.Metrics.InstrumentSender(tw),
		Lookup:            tw, // what an ambiguous send created (activities/send_ambiguous.go)
		Contents:          a.Store,
		ContentCreator:    tw,
		Followups:         a.Store,
		StatusCallbackURL: a.Config.StatusCallbackURL,
		Logger:            a.Logger.With("component", "activities"),
	}
}

// CampaignActivities builds the campaign sender on the conversations'
// Twilio client and sender pace (acts).
func (a *App) CampaignActivities(acts *activities.Activities) *activities.Campaigns {
	return &activities.Campaigns{
		Store:             a.Store,
		Credentials:       acts.Credentials,
		Twilio:            acts.Twilio,
		Lookup:            acts.Lookup,
		Slots:             a.Store,
		SenderRate:        a.Config.TwilioRatePerSender,
		StatusCallbackURL: a.Config.StatusCallbackURL,
		Logger:            a.Logger.With("component", "campaigns"),
	}
}

// RunWorker runs the Temporal worker until ctx ends, then stops it: polling
// ends, running activities get SWITCHBOARD_SHUTDOWN_TIMEOUT to finish.
func (a *App) RunWorker(ctx context.Context) error {
	gate := worker.NewPatchGate(a.Temporal, a.Config.TemporalNamespace, a.Config.TaskQueue, a.Config.WorkflowPatches, a.Logger.With("component", "patches"))
	if err := gate.Refresh(ctx); err != nil {
		a.Logger.Warn("cannot see the task queue's pollers yet; workflow patches stay dormant until then", "err", err)
	}
	go gate.Run(ctx)
	opts := a.WorkerOptions()
	gate.Apply(&opts)
	acts := a.Activities()
	if missing := activities.MissingDependencies(acts); len(missing) > 0 {
		return fmt.Errorf("worker: activities without %v", missing)
	}
	w := worker.New(a.Temporal, a.Config.TaskQueue, worker.Activities{
		Conversation: acts,
		Retention:    &retention.Activities{Store: a.Store},
		Erasure:      &erasure.Activities{Store: a.Store, Temporal: a.Temporal, Namespace: a.Config.TemporalNamespace},
		Campaigns:    a.CampaignActivities(acts),
	}, opts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	a.Logger.Info("worker polling", "task_queue", a.Config.TaskQueue, "temporal", a.Config.TemporalAddress,
		"build_id", worker.BuildID(), "patches_active", gate.Active())
	<-ctx.Done()
	a.Logger.Info("worker stopping: no new tasks, waiting for running activities", "timeout", a.Config.ShutdownTimeout.String())
	w.Stop()
	a.Logger.Info("worker stopped")
	return nil
}
