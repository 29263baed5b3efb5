package api

import "github.com/gofiber/fiber/v2"

// mountAgentAPI registers the agent API (me, presence, conversations,
// messages, accept, transfer, close, pick queue, media, proactive start).
func (s *Server) mountAgentAPI(agent fiber.Router) {
	agent.Get("/templates", s.agentTemplates) // agent_templates.go
}
