package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/secret"
)

// requireAgent authenticates `Authorization: Bearer <agent token>`: the
// token's hash is looked up (tokens are 256 random bits, stored hashed), and
// the agent becomes the request's principal. Then the agent's rate limit
// applies.
func (s *Server) requireAgent(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		c.Set("WWW-Authenticate", `Bearer realm="switchboard-agent"`)
		return s.refuseCredentials(c, domain.Errorf(domain.CodeUnauthorized, "missing bearer token: send Authorization: Bearer <agent token>"))
	}
	ag, err := s.agentAPI.AgentByToken(c.UserContext(), token)
	if domain.ErrorCode(err) == domain.CodeUnauthorized {
		return s.refuseCredentials(c, err)
	}
	if err != nil {
		return err
	}
	if err := s.limits.allowClient(c, metrics.RateLimitAgent, "agent:"+ag.ID); err != nil {
		return err
	}
	// The stream code compares this hash with the agent's current one: a
	// rotated or deleted token ends the streams it opened.
	setPrincipal(c, principal{agent: &ag, agentTokenHash: strings.Clone(secret.HashAgentToken(token))})
	return c.Next()
}
