package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// mountMetrics serves GET /metrics (Prometheus text format) when the server
// has a registry. Like /healthz and /readyz it needs no key: expose the API
// port to the Internet only through a proxy that keeps /metrics inside.
func (s *Server) mountMetrics(app *fiber.App) {
	if s.Metrics == nil {
		return
	}
	app.Get("/metrics", adaptor.HTTPHandler(s.Metrics.Handler()))
}
