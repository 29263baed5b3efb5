package api

import "github.com/gofiber/fiber/v2"

// mountAgentEvents registers GET /api/v1/agent/events (Server-Sent Events).
func (s *Server) mountAgentEvents(agent fiber.Router) {}
