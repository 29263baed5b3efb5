package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/health"
)

// Pinger answers whether PostgreSQL does (the default /readyz).
type Pinger interface {
	Ping(ctx context.Context) error
}

// healthz: the process is alive and serving HTTP.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(health.Live)
}

// publicReadyCacheFor is how long the public /readyz answer is reused: the
// port is on the Internet, and each answer costs a database round trip and
// two Temporal calls.
const publicReadyCacheFor = time.Second

// readyCache holds the last public readiness answer.
type readyCache struct {
	mu     sync.Mutex
	at     time.Time
	status int
}

// publicReadyz answers on the public port whether the API is ready, and
// nothing else: which dependency failed, its address and its error are for
// the operations listener's /readyz (app.OpsHandler).
func (s *Server) publicReadyz(c *fiber.Ctx) error {
	checker := s.Checker()
	c.Set(fiber.HeaderCacheControl, "no-store")
	status := http.StatusServiceUnavailable
	if !checker.Draining() {
		status = s.publicReady.get(func() int {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, st := checker.Run(ctx)
			return st
		})
	}
	if status == http.StatusOK {
		return c.JSON(fiber.Map{"status": "ready"})
	}
	return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
}

// get returns the cached status, or runs check when it is older than
// publicReadyCacheFor (one run at a time: concurrent probes share it).
func (r *readyCache) get(check func() int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status != 0 && time.Since(r.at) < publicReadyCacheFor {
		return r.status
	}
	r.status, r.at = check(), time.Now()
	return r.status
}

// Checker returns the readiness checks: app's, or PostgreSQL and Temporal.
func (s *Server) Checker() *health.Checker {
	if s.ready != nil {
		return s.ready
	}
	return s.defaultChecks()
}

// defaultChecks: PostgreSQL and Temporal, when app gave no checker.
func (s *Server) defaultChecks() *health.Checker {
	return health.NewChecker(
		health.Check{Name: "postgres", Required: true, Run: func(ctx context.Context) (string, error) {
			return "", s.postgres.Ping(ctx)
		}},
		health.Check{Name: "temporal", Required: true, Run: func(ctx context.Context) (string, error) {
			if _, err := s.temporal.CheckHealth(ctx, nil); err != nil {
				return "", fmt.Errorf("temporal: %w", err)
			}
			return "", nil
		}},
	)
}
