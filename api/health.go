package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 only when PostgreSQL and Temporal both answer.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ok := true
	if err := s.store.Ping(ctx); err != nil {
		checks["postgres"] = err.Error()
		ok = false
	} else {
		checks["postgres"] = "ok"
	}
	if _, err := s.temporal.CheckHealth(ctx, nil); err != nil {
		checks["temporal"] = err.Error()
		ok = false
	} else {
		checks["temporal"] = "ok"
	}
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}
