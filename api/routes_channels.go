package api

import "github.com/gofiber/fiber/v2"

// mountChannels registers the channel configuration routes: accounts'
// PATCH/DELETE and numbers, workstreams, queues, routing rules, audit log.
func (s *Server) mountChannels(admin fiber.Router) {}
