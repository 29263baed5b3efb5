package api

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/health"
)

// healthz: the process is alive and serving HTTP.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(health.Live)
}

// readyz runs the readiness checks (health.Report): 200 when every required
// check passes, 503 naming the failed ones otherwise, or while shutting down.
func (s *Server) readyz(c *fiber.Ctx) error {
	checker := s.Ready
	if checker == nil {
		checker = s.defaultChecks()
	}
	rep, status := checker.Run(c.UserContext())
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(rep)
}

// defaultChecks: PostgreSQL and Temporal, when app gave no checker.
func (s *Server) defaultChecks() *health.Checker {
	return health.NewChecker(
		health.Check{Name: "postgres", Required: true, Run: func(ctx context.Context) (string, error) {
			return "", s.store.Ping(ctx)
		}},
		health.Check{Name: "temporal", Required: true, Run: func(ctx context.Context) (string, error) {
			if _, err := s.temporal.CheckHealth(ctx, nil); err != nil {
				return "", fmt.Errorf("temporal: %w", err)
			}
			return "", nil
		}},
	)
}
