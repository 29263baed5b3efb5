package api

import "github.com/gofiber/fiber/v2"

// mountAgentsAndTemplates registers the admin routes for agents and templates.
func (s *Server) mountAgentsAndTemplates(admin fiber.Router) {}
