package api

import "github.com/gofiber/fiber/v2"

// mountAgentsAndTemplates registers the admin routes for agents and templates.
func (s *Server) mountAgentsAndTemplates(admin fiber.Router) {
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
}
