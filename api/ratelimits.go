package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/ratelimit"
)

// clientLimits are the per-client token buckets of the API: one per admin
// key, one per agent, and one per source address for requests that fail
// authentication or a Twilio signature check. Their defaults are far above
// what any client of ours sends; they stop a runaway script, a leaked key
// hammering the API, or someone trying tokens.
type clientLimits struct {
	admin, agent, failed *ratelimit.Limiter
	metrics              *metrics.Metrics // nil: not counted
}

func newClientLimits(cfg config.Config, m *metrics.Metrics) *clientLimits {
	return &clientLimits{
		admin:   ratelimit.New(cfg.RateLimitAdmin),
		agent:   ratelimit.New(cfg.RateLimitAgent),
		failed:  ratelimit.New(cfg.RateLimitUnauthenticated),
		metrics: m,
	}
}

func (l *clientLimits) limiter(class string) *ratelimit.Limiter {
	switch class {
	case metrics.RateLimitAdmin:
		return l.admin
	case metrics.RateLimitAgent:
		return l.agent
	}
	return l.failed
}

// allowClient takes a token from an authenticated client's bucket, or
// answers 429 with Retry-After.
func (l *clientLimits) allowClient(c *fiber.Ctx, class, key string) error {
	if ok, wait := l.limiter(class).Allow(key); !ok {
		return l.tooMany(c, class, wait, "")
	}
	return nil
}

// refused counts a request that failed authentication (or a signature)
// against its source address: past the budget the answer becomes 429
// instead of err. Only failures are counted, so that clients who share an
// address with an attacker (behind one proxy) keep working with valid
// credentials, and Twilio's signed webhooks are never refused.
func (l *clientLimits) refused(c *fiber.Ctx, err error) error {
	if ok, wait := l.failed.Allow("ip:" + c.IP()); !ok {
		return l.tooMany(c, metrics.RateLimitUnauthenticated, wait, "")
	}
	return err
}

// tooMany answers 429 with Retry-After and counts it; msg "" says "too
// many requests".
func (l *clientLimits) tooMany(c *fiber.Ctx, class string, wait time.Duration, msg string) error {
	if l.metrics != nil {
		l.metrics.RateLimited.WithLabelValues(class).Inc()
	}
	retry := ratelimit.RetryAfterSeconds(wait)
	c.Set(fiber.HeaderRetryAfter, retry)
	if msg == "" {
		msg = "too many requests: retry in " + retry + "s"
	}
	return &domain.Error{Code: domain.CodeRateLimited, Message: msg}
}

// refuseCredentials answers a request whose credentials failed: err (401),
// or 429 once its address has failed too often.
func (s *Server) refuseCredentials(c *fiber.Ctx, err error) error {
	return s.limits.refused(c, err)
}
