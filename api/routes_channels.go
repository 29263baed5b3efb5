package api

import "github.com/gofiber/fiber/v2"

// mountChannels registers the channel configuration routes: accounts'
// PATCH/DELETE and numbers, workstreams, queues, routing rules, audit log.
// Every route here must also be in api/openapi/channels.json (a test checks).
func (s *Server) mountChannels(admin fiber.Router) {
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

	admin.Get("/audit-log", s.listAudit)
}
