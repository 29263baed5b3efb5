package api

import "github.com/gofiber/fiber/v2"

// mountAgentAPI registers the agent API (me, presence, conversations,
// messages, accept, transfer, close, pick queue, media, proactive start).
// Every route acts for the authenticated agent, on conversations it may see
// (api/agent_access.go).
func (s *Server) mountAgentAPI(agent fiber.Router) {
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
	agent.Get("/conversations/:id/media/:message_id/:index", s.agentMedia)
	agent.Get("/templates", s.agentTemplates) // agent_templates.go
}
