package api

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/web"
)

// App builds the Fiber application with every route: this file is the
// whole route table, top to bottom — group (and its authentication),
// method, path, handler.
//
// Routing is strict: case sensitive, a trailing slash is another path, and
// the path is matched as sent, so a percent-encoded character never matches
// a literal one (handlers decode the parameters they expect encoded, such
// as {e164}). Authentication is part of each protected route (protect,
// below), never a prefix test, so no spelling of a path can reach a
// handler without its route's credentials. Every route is described in
// api/openapi/*.json (a test checks).
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
		// Values read from the request (params, headers, the body) are
		// copies, not views into a buffer Fiber reuses once the handler
		// returns: work handed to a goroutine (the relay's handoff, the
		// campaign and opt-out follow-up of a webhook) reads them later, and
		// a view there was a data race the race detector caught.
		Immutable: true,
		// Multipart bodies are parsed by the upload handler, in memory,
		// within the route's limit (never pre-parsed into temporary files).
		DisablePreParseMultipartForm: true,
	})
	app.Server().HeaderReceived = requestLimits // the larger limits of a few routes (body_limits.go)
	app.Use(s.observe)                          // request id, access log, HTTP metrics (middleware.go)

	// Public: probes, the API description, the console's static files
	// (the console asks for the agent's token), the customer phone (dev
	// and tests only: not in /openapi.json). /metrics and the detailed
	// /readyz are on the operations listener.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.publicReadyz)
	s.checkOpenAPI()
	app.Get("/openapi.json", s.openapi)
	app.Get("/console", s.consoleFile("index.html"))
	app.Get("/console/", s.consoleFile("index.html")) // routing is strict about the slash
	app.Get("/console/:asset", s.consoleAsset)
	app.Get("/supervisor", pageFile(web.Supervisor, "index.html"))
	app.Get("/supervisor/", pageFile(web.Supervisor, "index.html"))
	app.Get("/supervisor/:asset", s.supervisorAsset)
	if s.sim != nil {
		// Everything under /sim goes to the emulator, which keeps its own
		// routes and answers.
		sim := adaptor.HTTPHandler(simulatorHandler(s.sim))
		app.All("/sim", sim)
		app.All("/sim/*", sim)
	}

	// Twilio: each webhook is authenticated by its X-Twilio-Signature
	// (twilio_webhooks.go).
	tw := app.Group("/twilio/whatsapp/:account_id")
	tw.Post("/inbound", s.countWebhook("inbound"), s.inboundWebhook)
	tw.Post("/status", s.countWebhook("status"), s.statusWebhook)

	// The agent API: an agent's token. Every route acts for the
	// authenticated agent, on conversations it may see (agent_access.go).
	agent := protect(app, "/api/v1/agent", s.requireAgent)
	agent.Get("/me", s.agentMe)
	agent.Put("/me/presence", s.setAgentPresence)
	agent.Get("/queue", s.agentPickQueue)
	agent.Get("/conversations", s.agentListConversations)
	agent.Post("/conversations", s.idempotent, s.agentStartConversation)
	agent.Get("/conversations/:id", s.agentGetConversation)
	agent.Get("/conversations/:id/messages", s.agentListMessages)
	agent.Post("/conversations/:id/messages", s.idempotent, s.agentSend)
	agent.Post("/conversations/:id/accept", s.agentAccept)
	agent.Post("/conversations/:id/transfer", s.agentTransfer)
	agent.Post("/conversations/:id/close", s.agentClose)
	agent.Post("/conversations/:id/notes", s.agentNote) // internal notes (supervisor_actions.go)
	agent.Get("/conversations/:id/media/:message_id/:index", s.agentMedia)
	agent.Get("/templates", s.agentTemplates)
	// Scheduled follow-ups (issue 18; api/openapi/followups.json): kept and
	// sent by the conversation workflow; those with outlive_close, after
	// the close, by a Followup workflow each (rows in scheduled_followups).
	agent.Post("/conversations/:id/scheduled-messages", s.idempotent, s.agentScheduleMessage)
	agent.Get("/conversations/:id/scheduled-messages", s.agentListScheduled)
	agent.Delete("/conversations/:id/scheduled-messages/:schedule_id", s.agentCancelScheduled)
	agent.Get("/events", s.agentEvents) // Server-Sent Events (agent_events.go)

	// Supervisors (api/openapi/supervisor.json): a supervisor's agent token
	// (its queues) or an admin key (every queue), requireSupervisor.
	sup := protect(app, "/api/v1/supervisor", s.requireSupervisor)
	sup.Get("/overview", s.supervisorOverview)
	sup.Get("/events", s.supervisorEvents) // Server-Sent Events (supervisor_events.go)
	sup.Get("/conversations/:id", s.supervisorGetConversation)
	sup.Get("/conversations/:id/messages", s.supervisorListMessages)
	sup.Post("/conversations/:id/notes", s.supervisorNote)
	sup.Post("/conversations/:id/close", s.supervisorClose)
	sup.Post("/conversations/:id/transfer", s.supervisorTransfer)
	sup.Put("/agents/:id/presence", s.supervisorSetPresence)

	// Rich messages (issue 19 part B, api/openapi/richmsg.json): agents
	// send files; Twilio fetches them anonymously from a signed, expiring
	// URL (media_upload.go, media_public.go).
	agent.Post("/conversations/:id/media", s.idempotent, s.agentSendMedia)
	app.Get("/media/:id/:expires/:signature", s.publicMedia)

	// Reports and exports (issue 17; api/openapi/reports.json,
	// docs/supervisor-reports.md): computed from the report facts each
	// transition writes. A supervisor's token (its queues) or an admin key
	// (everything), requireSupervisor.
	reports := protect(app, "/api/v1", s.requireSupervisor)
	reports.Get("/reports/conversations", s.conversationsReport)
	reports.Get("/reports/agents", s.agentsReport)
	reports.Get("/reports/queue-activity", s.queueActivityReport)
	reports.Get("/conversations/:id/transcript", s.conversationTranscript)
	reports.Get("/exports/conversations", s.exportConversations) // NDJSON stream
	reports.Get("/customers", s.searchCustomers)                 // contact search (customer_profiles.go)

	// The admin API: an admin key.
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

	// Channel configuration (api/openapi/channels.json).
	admin.Patch("/whatsapp-accounts/:id", s.updateAccount)
	admin.Delete("/whatsapp-accounts/:id", s.deleteAccount)
	admin.Get("/whatsapp-accounts/:id/numbers", s.listNumbers)
	admin.Post("/whatsapp-accounts/:id/numbers", s.addNumber)
	admin.Get("/whatsapp-accounts/:id/numbers/:number_id", s.getNumber)
	admin.Patch("/whatsapp-accounts/:id/numbers/:number_id", s.updateNumber)
	admin.Delete("/whatsapp-accounts/:id/numbers/:number_id", s.deleteNumber)

	admin.Post("/queues", s.createQueue)
	admin.Get("/queues", s.listQueues)
	admin.Get("/queues/:id", s.getQueue)
	admin.Patch("/queues/:id", s.updateQueue)
	admin.Delete("/queues/:id", s.deleteQueue)

	admin.Post("/workstreams", s.createWorkstream)
	admin.Get("/workstreams", s.listWorkstreams)
	admin.Get("/workstreams/:id", s.getWorkstream)
	admin.Patch("/workstreams/:id", s.patchWorkstream)
	admin.Put("/workstreams/:id", s.updateWorkstream)
	admin.Delete("/workstreams/:id", s.deleteWorkstream)

	admin.Get("/workstreams/:id/routing-rules", s.listRoutingRules)
	admin.Post("/workstreams/:id/routing-rules", s.createRoutingRule)
	admin.Put("/workstreams/:id/routing-rules/order", s.reorderRoutingRules)
	admin.Get("/workstreams/:id/routing-rules/:rule_id", s.getRoutingRule)
	admin.Patch("/workstreams/:id/routing-rules/:rule_id", s.patchRoutingRule)
	admin.Delete("/workstreams/:id/routing-rules/:rule_id", s.deleteRoutingRule)

	// Service levels (issue 18): policies a workstream or routing rule names.
	admin.Post("/sla-policies", s.createSLAPolicy)
	admin.Get("/sla-policies", s.listSLAPolicies)
	admin.Get("/sla-policies/:id", s.getSLAPolicy)
	admin.Patch("/sla-policies/:id", s.patchSLAPolicy)
	admin.Delete("/sla-policies/:id", s.deleteSLAPolicy)
	admin.Get("/conversations/:id/events", s.listConversationEvents)

	// Routing what-if (api/openapi/whatif.json): replays a period's
	// recorded routings through a draft rule list; changes nothing.
	admin.Post("/workstreams/:id/routing-rules/simulate", s.simulateRoutingRules)

	admin.Get("/audit-log", s.listAudit)

	admin.Post("/agents", s.createAgent)
	admin.Get("/agents", s.listAgents)
	admin.Get("/agents/:id", s.getAgent)
	admin.Patch("/agents/:id", s.updateAgent)
	admin.Delete("/agents/:id", s.deleteAgent)
	admin.Post("/agents/:id/token", s.rotateAgentToken)

	admin.Post("/templates", s.createTemplate)
	admin.Get("/templates", s.listTemplates)
	admin.Post("/templates/sync", s.syncTemplates)
	admin.Get("/templates/:id", s.getTemplate)
	admin.Patch("/templates/:id", s.updateTemplate)
	admin.Delete("/templates/:id", s.deleteTemplate)

	// Customers: erasure (GDPR article 17) and export (article 15).
	admin.Delete("/customers/:e164", s.eraseCustomer)
	admin.Get("/customers/:e164/export", s.exportCustomer)

	// Agent productivity: quick replies, labels, customer profiles and
	// history (api/openapi/agentkit.json).
	admin.Post("/quick-replies", s.createQuickReply)
	admin.Get("/quick-replies", s.listQuickReplies)
	admin.Get("/quick-replies/:id", s.getQuickReply)
	admin.Patch("/quick-replies/:id", s.patchQuickReply)
	admin.Delete("/quick-replies/:id", s.deleteQuickReply)
	admin.Post("/labels", s.createLabel)
	admin.Get("/labels", s.listLabels)
	admin.Get("/labels/:id", s.getLabel)
	admin.Patch("/labels/:id", s.updateLabel)
	admin.Delete("/labels/:id", s.deleteLabel)
	agent.Get("/quick-replies", s.agentQuickReplies)
	agent.Get("/labels", s.listLabels)
	agent.Post("/conversations/:id/labels", s.agentAddLabel)
	agent.Delete("/conversations/:id/labels/:label_id", s.agentRemoveLabel)
	agent.Get("/conversations/:id/customer", s.agentGetCustomer)
	agent.Patch("/conversations/:id/customer", s.agentPatchCustomer)
	agent.Get("/conversations/:id/customer/conversations/:other_id/messages", s.agentCustomerTranscript)
	// Campaigns and opt-outs (issue 20; api/openapi/campaigns.json).
	admin.Post("/campaigns", s.idempotent, s.createCampaign)
	admin.Get("/campaigns", s.listCampaigns)
	admin.Get("/campaigns/:id", s.getCampaign)
	admin.Post("/campaigns/:id/pause", s.campaignAction([]string{domain.CampaignRunning, domain.CampaignScheduled}, domain.CampaignPaused))
	admin.Post("/campaigns/:id/resume", s.campaignAction([]string{domain.CampaignPaused}, domain.CampaignRunning))
	admin.Post("/campaigns/:id/cancel", s.campaignAction([]string{domain.CampaignRunning, domain.CampaignScheduled, domain.CampaignPaused}, domain.CampaignCancelled))
	admin.Get("/opt-outs", s.listOptOuts)
	admin.Post("/opt-outs", s.addOptOut)
	admin.Delete("/opt-outs/:e164", s.removeOptOut)
	admin.Get("/workstreams/:id/opt-out-keywords", s.getOptKeywords)
	admin.Put("/workstreams/:id/opt-out-keywords", s.putOptKeywords)

	// Temporal's codec protocol for tools, on the public port: an admin
	// key. `temporal workflow show --codec-endpoint https://…/codec
	// --codec-auth "Bearer $SWITCHBOARD_ADMIN_KEY"` reads encrypted
	// histories. The Temporal UI, which cannot send our key, uses the open
	// copy on the operations listener (payloadcodec.Handler).
	codec := protect(app, "/codec", s.requireAdmin)
	codec.Post("/encode", s.codecHandler("encode"))
	codec.Post("/decode", s.codecHandler("decode"))

	app.Use(func(c *fiber.Ctx) error {
		return notFoundError("no route for " + c.Method() + " " + c.Path())
	})
	return app
}

// protectedRoutes registers routes whose handler chain starts with the
// group's authentication. Authentication belongs to each route, not to a
// path prefix: whatever spelling of a path Fiber matches to a route, that
// route's authentication runs first, and a path that matches no route
// never reaches a handler. (A group middleware is a plain prefix test, which
// is how /API/V1/AGENT/... once reached agent handlers without a token.)
type protectedRoutes struct {
	fiber.Router
	auth []fiber.Handler
}

// protect returns a router for prefix whose every route runs auth first.
func protect(r fiber.Router, prefix string, auth ...fiber.Handler) protectedRoutes {
	return protectedRoutes{Router: r.Group(prefix), auth: auth}
}

func (p protectedRoutes) chain(handlers []fiber.Handler) []fiber.Handler {
	return append(slices.Clone(p.auth), handlers...)
}

// Add registers one route behind the group's authentication.
func (p protectedRoutes) Add(method, path string, handlers ...fiber.Handler) fiber.Router {
	p.Router.Add(method, path, p.chain(handlers)...)
	return p
}

// Get registers GET and HEAD, as Fiber's own Get does.
func (p protectedRoutes) Get(path string, handlers ...fiber.Handler) fiber.Router {
	p.Add(fiber.MethodHead, path, handlers...)
	return p.Add(fiber.MethodGet, path, handlers...)
}

// Head registers HEAD.
func (p protectedRoutes) Head(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodHead, path, handlers...)
}

// Post registers POST.
func (p protectedRoutes) Post(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodPost, path, handlers...)
}

// Put registers PUT.
func (p protectedRoutes) Put(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodPut, path, handlers...)
}

// Patch registers PATCH.
func (p protectedRoutes) Patch(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodPatch, path, handlers...)
}

// Delete registers DELETE.
func (p protectedRoutes) Delete(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodDelete, path, handlers...)
}

// Options registers OPTIONS.
func (p protectedRoutes) Options(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodOptions, path, handlers...)
}

// Connect registers CONNECT.
func (p protectedRoutes) Connect(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodConnect, path, handlers...)
}

// Trace registers TRACE.
func (p protectedRoutes) Trace(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodTrace, path, handlers...)
}

// All registers every method.
func (p protectedRoutes) All(path string, handlers ...fiber.Handler) fiber.Router {
	for _, m := range fiber.DefaultMethods {
		p.Add(m, path, handlers...)
	}
	return p
}

// Group nests a prefix; its routes keep the authentication. Handlers given
// here run after it, on each route (never as a prefix middleware).
func (p protectedRoutes) Group(prefix string, handlers ...fiber.Handler) fiber.Router {
	return protectedRoutes{Router: p.Router.Group(prefix), auth: p.chain(handlers)}
}

// Route is Group with a function that registers the routes.
func (p protectedRoutes) Route(prefix string, fn func(router fiber.Router), _ ...string) fiber.Router {
	fn(p.Group(prefix))
	return p
}

// Use is refused: a prefix middleware would run for paths outside the
// group's routes (and before their authentication). Give the handler to
// each route instead, after the path: admin.Post("/x", mw, handler).
func (p protectedRoutes) Use(...interface{}) fiber.Router {
	panic("api: Use on an authenticated route group would run before authentication and on paths of other groups: pass the middleware to each route instead")
}

// Static is refused: files behind credentials are served by handlers.
func (p protectedRoutes) Static(string, string, ...fiber.Static) fiber.Router {
	panic("api: Static on an authenticated route group is not supported")
}

// Mount is refused: a mounted app would not run the group's authentication.
func (p protectedRoutes) Mount(string, *fiber.App) fiber.Router {
	panic("api: Mount on an authenticated route group is not supported")
}
