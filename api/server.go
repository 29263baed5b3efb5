// Package api serves Switchboard's HTTP surface with Fiber: the Twilio
// webhooks, the admin API and the health endpoints.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/health"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/internal/relay"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/twilio"
)

// maxBody caps every request body: Twilio's forms and our JSON are small.
const maxBody = 1 << 20

// Server holds the API's dependencies.
type Server struct {
	cfg      config.Config
	store    *store.Store
	temporal client.Client
	box      *secret.Box
	tokens   *secret.Tokens
	relay    *relay.Relay
	logger   *slog.Logger
	twilio   *twilio.Client // the Content API, for template sync
	// SendWait bounds how long a send request waits for Twilio's answer
	// before answering 202 with the message still queued.
	SendWait time.Duration
	// IdempotencyWait bounds how long a retry waits for the first request
	// with its Idempotency-Key (0: DefaultIdempotencyWait; idempotency.go).
	IdempotencyWait time.Duration
	// ErasureWait bounds how long DELETE /api/v1/customers/{e164} waits for
	// the erasure before answering 202 (0: 20 s).
	ErasureWait time.Duration
	// Metrics (nil: no /metrics and no HTTP metrics) and Ready (the
	// /readyz checks; nil: PostgreSQL and Temporal only) come from app.
	Metrics *metrics.Metrics
	Ready   *health.Checker
	// events wakes the agents' event streams (routes_agent_events.go).
	events *agentevents.Hub
	// Simulator, when set (the Twilio emulator of dev and tests), is
	// served under /sim: the customer phone page (api/pages.go).
	Simulator http.Handler
	// Codec encrypts Temporal payloads; the API serves it to tools (codec.go).
	Codec *payloadcodec.Codec
	// limits are the per-client rate limits (ratelimits.go).
	limits *clientLimits
	// publicReady caches the public /readyz answer for a second (health.go).
	publicReady readyCache
}

// New returns a Server.
func New(cfg config.Config, st *store.Store, tc client.Client, box *secret.Box, rl *relay.Relay, logger *slog.Logger) *Server {
	tokens := secret.NewTokens(func(ctx context.Context, id string) (secret.StoredToken, error) {
		a, err := st.AccountSecret(ctx, id)
		return secret.StoredToken{AccountSID: a.AccountSID, AuthTokenEnc: a.AuthTokenEnc}, err
	}, box)
	tw := twilio.NewClient(twilio.Config{APIBase: cfg.TwilioAPIBase, Logger: logger})
	return &Server{cfg: cfg, store: st, temporal: tc, box: box, tokens: tokens, relay: rl, logger: logger, twilio: tw, SendWait: 10 * time.Second,
		events: agentevents.New(cfg.DatabaseURL, logger.With("component", "agent-events")),
		limits: newClientLimits(cfg, nil)}
}

// App builds the Fiber application with every route.
//
// Routing is strict: case sensitive, a trailing slash is another path, and
// the path is matched as sent, so a percent-encoded character never matches
// a literal one (handlers decode the parameters they expect encoded, such
// as {e164}). Authentication is part of each protected route
// (routes_protected.go), never a prefix test, so no spelling of a path can
// reach a handler without its route's credentials.
func (s *Server) App() *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "switchboard",
		BodyLimit:             maxBody,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		CaseSensitive:         true,
		StrictRouting:         true,
	})
	if s.limits.metrics == nil {
		s.limits.metrics = s.Metrics
	}
	app.Use(s.observe) // request id, access log, HTTP metrics (middleware.go)
	// Public: probes, the API description, the console's static files.
	// /metrics and the detailed /readyz are on the operations listener.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.publicReadyz)
	s.mountOpenAPI(app)
	s.mountPages(app) // /console, and /sim with a Simulator

	// Twilio authenticates each webhook by its signature (twilio_webhooks.go).
	tw := app.Group("/twilio/whatsapp/:account_id")
	tw.Post("/inbound", s.countWebhook("inbound"), s.inboundWebhook)
	tw.Post("/status", s.countWebhook("status"), s.statusWebhook)

	agent := protect(app, "/api/v1/agent", s.requireAgent)
	s.mountAgentAPI(agent)
	s.mountAgentEvents(agent)

	admin := protect(app, "/api/v1", s.requireAdmin)
	admin.Post("/whatsapp-accounts", s.createAccount)
	admin.Get("/whatsapp-accounts", s.listAccounts)
	admin.Get("/whatsapp-accounts/:id", s.getAccount)
	admin.Get("/conversations", s.listConversations)
	admin.Post("/conversations", s.idempotent, s.adminStartConversation)
	admin.Get("/conversations/:id", s.getConversation)
	admin.Get("/conversations/:id/messages", s.listMessages)
	admin.Post("/conversations/:id/messages", s.idempotent, s.adminSend)
	admin.Post("/conversations/:id/close", s.adminClose)
	admin.Get("/conversations/:id/media/:message_id/:index", s.adminMedia)
	s.mountChannels(admin)
	s.mountAgentsAndTemplates(admin)
	s.mountCustomers(admin) // erasure and export (customers.go)

	// Temporal's codec protocol for tools (the CLI's --codec-endpoint with
	// --codec-auth): the admin key, as the rest of the admin API.
	s.mountCodec(protect(app, "/codec", s.requireAdmin))

	app.Use(func(c *fiber.Ctx) error {
		return notFoundError("no route for " + c.Method() + " " + c.Path())
	})
	return app
}
