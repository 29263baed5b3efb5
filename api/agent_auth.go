package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

const agentLocal = "agent"

// requireAgent authenticates `Authorization: Bearer <agent token>`: the
// token's hash is looked up (tokens are 256 random bits, stored hashed), and
// the agent is kept in the request for the handlers.
func (s *Server) requireAgent(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		c.Set("WWW-Authenticate", `Bearer realm="switchboard-agent"`)
		return domain.Errorf(domain.CodeUnauthorized, "missing bearer token: send Authorization: Bearer <agent token>")
	}
	ag, err := s.store.AgentByToken(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Locals(agentLocal, ag)
	c.Locals("actor", "agent:"+ag.ID)
	return c.Next()
}

// agentGroupAuth guards the /api/v1/agent group. Fiber matches a group's
// middleware by plain prefix, so /api/v1/agents (admin) would match too:
// only the group's own paths are authenticated here.
func (s *Server) agentGroupAuth(c *fiber.Ctx) error {
	if p := c.Path(); p != "/api/v1/agent" && !strings.HasPrefix(p, "/api/v1/agent/") {
		return c.Next()
	}
	return s.requireAgent(c)
}

// currentAgent is the authenticated agent of the request.
func currentAgent(c *fiber.Ctx) domain.Agent {
	ag, _ := c.Locals(agentLocal).(domain.Agent)
	return ag
}
