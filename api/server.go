// Package api serves Switchboard's HTTP surface with Fiber: the Twilio
// webhooks, the admin API and the health endpoints.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/health"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/internal/relay"
	"github.com/switchboard/switchboard/internal/secret"
)

// maxBody caps every request body: Twilio's forms and our JSON are small.
const maxBody = 1 << 20

// Deps is what the API is built from. Each area of the API reaches
// PostgreSQL through the small interface it declares next to its handlers
// (AccountStore in accounts.go, AgentAPIStore in agent_access.go, ...);
// internal/app, the one place that wires a process, gives each the store.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Temporal client.Client
	// Box encrypts the accounts' Twilio auth tokens and fingerprints
	// customers' numbers (audit log, erasure).
	Box *secret.Box
	// Tokens are the accounts' Twilio credentials, decrypted (webhook
	// signatures, media downloads, template sync).
	Tokens AccountTokens
	// Twilio is the Content API, for template sync (template_sync.go).
	Twilio ContentLister
	// Relay hands webhooks to Temporal (twilio_webhooks.go); nil: not
	// (tests).
	Relay *relay.Relay
	// Distribution assigns conversations to agents (dispatch.go).
	Distribution Distribution
	// Events wakes the agents' event streams (agent_events.go); the
	// caller runs it.
	Events EventHub
	// Metrics (nil: no HTTP metrics) and Ready (the /readyz checks; nil:
	// PostgreSQL and Temporal only, health.go).
	Metrics *metrics.Metrics
	Ready   *health.Checker
	// Codec encrypts Temporal payloads; the API serves it to tools
	// (codec.go). Nil: the codec routes answer 503.
	Codec *payloadcodec.Codec
	// Simulator, when set (the Twilio emulator of dev and tests), is
	// served under /sim: the customer phone page (pages.go).
	Simulator http.Handler

	// The store, as each area sees it.
	Accounts      AccountStore      // accounts and numbers (accounts.go)
	Workstreams   WorkstreamStore   // workstreams and routing rules (workstreams.go)
	Queues        QueueStore        // queues.go
	SLAPolicies   SLAPolicyStore    // service-level policies (sla_policies.go)
	Agents        AgentStore        // agents, admin side (agents.go)
	Templates     TemplateStore     // templates and their sync (templates.go)
	Audit         AuditStore        // audit.go
	Conversations ConversationStore // admin conversations, sends, media (conversations.go)
	AgentAPI      AgentAPIStore     // the agent API (agent_access.go)
	AgentEvents   AgentEventStore   // the agents' event streams (agent_events.go)
	Webhooks      WebhookStore      // Twilio webhooks (twilio_webhooks.go)
	Customers     CustomerStore     // erasure and export (customers.go)
	Reports       ReportStore       // supervisor reports (reports.go)
	Transcripts   TranscriptStore   // transcripts and exports (transcripts.go)
	RoutingInputs RoutingInputStore // the routing what-if (routing_simulate.go)
	Idempotency   IdempotencyStore  // Idempotency-Key (idempotency.go)
	AgentKit      AgentKitStore     // quick replies, labels, customer profiles (quick_replies.go)
	Media         MediaStore        // agents' files (media_upload.go)
	Postgres      Pinger            // the default /readyz (health.go)
	Supervisor    SupervisorStore   // the supervisor's live view and actions (supervisor*.go)
	Campaigns     CampaignStore     // campaigns and opt-outs (campaigns.go)
	// OptOutSender answers opt-out and opt-in keywords (opt_out_inbound.go);
	// nil: not answered.
	OptOutSender OptOutSender
}

// Server holds the API's dependencies.
type Server struct {
	cfg      config.Config
	logger   *slog.Logger
	temporal client.Client
	box      *secret.Box
	tokens   AccountTokens
	twilio   ContentLister
	relay    *relay.Relay
	// distribution assigns conversations to agents (dispatch.go).
	distribution Distribution
	events       EventHub
	metrics      *metrics.Metrics
	ready        *health.Checker
	codec        *payloadcodec.Codec
	sim          http.Handler

	accounts        AccountStore
	workstreams     WorkstreamStore
	queues          QueueStore
	slaPolicies     SLAPolicyStore
	agents          AgentStore
	templates       TemplateStore
	auditLog        AuditStore
	conversations   ConversationStore
	agentAPI        AgentAPIStore
	agentEventStore AgentEventStore
	webhooks        WebhookStore
	customers       CustomerStore
	reports         ReportStore
	transcripts     TranscriptStore
	routingInputs   RoutingInputStore
	idempotency     IdempotencyStore
	agentKit        AgentKitStore
	media           MediaStore
	campaigns       CampaignStore
	optOutSender    OptOutSender
	postgres        Pinger
	supervisor      SupervisorStore

	// SendWait bounds how long a send request waits for Twilio's answer
	// before answering 202 with the message still queued.
	SendWait time.Duration
	// IdempotencyWait bounds how long a retry waits for the first request
	// with its Idempotency-Key (0: DefaultIdempotencyWait; idempotency.go).
	IdempotencyWait time.Duration
	// MediaURLTTL is how long the signed MediaUrl of an agent's file
	// answers (0: DefaultMediaURLTTL, 24 h; media_upload.go).
	MediaURLTTL time.Duration
	// ErasureWait bounds how long DELETE /api/v1/customers/{e164} waits for
	// the erasure before answering 202 (0: 20 s).
	ErasureWait time.Duration
	// limits are the per-client rate limits (ratelimits.go).
	limits *clientLimits
	// publicReady caches the public /readyz answer for a second (health.go).
	publicReady readyCache
}

// AccountTokens are the accounts' Twilio credentials (secret.Tokens).
type AccountTokens interface {
	Credentials(ctx context.Context, accountID string) (domain.Credentials, error)
	Decrypt(accountID, enc string) (string, error)
}

// New returns a Server on d.
func New(d Deps) *Server {
	return &Server{
		cfg: d.Config, logger: d.Logger, temporal: d.Temporal, box: d.Box, tokens: d.Tokens, twilio: d.Twilio,
		relay: d.Relay, distribution: d.Distribution, events: d.Events, metrics: d.Metrics, ready: d.Ready, codec: d.Codec, sim: d.Simulator,
		accounts: d.Accounts, workstreams: d.Workstreams, queues: d.Queues, slaPolicies: d.SLAPolicies, agents: d.Agents, templates: d.Templates,
		auditLog: d.Audit, conversations: d.Conversations, agentAPI: d.AgentAPI, agentEventStore: d.AgentEvents,
		webhooks: d.Webhooks, customers: d.Customers, routingInputs: d.RoutingInputs, reports: d.Reports, transcripts: d.Transcripts, idempotency: d.Idempotency, media: d.Media, postgres: d.Postgres,
		supervisor: d.Supervisor, agentKit: d.AgentKit, campaigns: d.Campaigns, optOutSender: d.OptOutSender,
		SendWait: 10 * time.Second,
		limits:   newClientLimits(d.Config, d.Metrics),
	}
}
