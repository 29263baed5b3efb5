package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// agentProfile is GET /api/v1/agent/me: the agent (never its token) with
// what its open conversations cost now.
type agentProfile struct {
	domain.Agent
	Load int `json:"load"`
}

func (s *Server) agentProfile(c *fiber.Ctx, ag domain.Agent) error {
	load, capacity, err := s.distribution.AgentLoad(c.UserContext(), ag.ID)
	if err != nil {
		return err
	}
	ag.Capacity = capacity
	ag.Token = ""
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(agentProfile{Agent: ag, Load: load})
}

func (s *Server) agentMe(c *fiber.Ctx) error {
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	return s.agentProfile(c, me)
}

type presenceInput struct {
	Presence string `json:"presence"`
}

// setAgentPresence changes the agent's presence. An agent who becomes
// available is given waiting conversations of its queues at once: the
// dispatcher runs for it and the workflows hear of their assignments (what
// fails here is caught by the distribution's sweeps).
func (s *Server) setAgentPresence(c *fiber.Ctx) error {
	var in presenceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	presence := strings.ToLower(strings.TrimSpace(in.Presence))
	if !domain.ValidPresence(presence) {
		return invalid("presence must be available, busy, away or offline, got %q", in.Presence)
	}
	ag, err := s.agentAPI.SetPresence(ctx, me.ID, presence)
	if err != nil {
		return err
	}
	if presence == domain.PresenceAvailable {
		s.dispatchForAgent(ctx, ag.ID) // dispatch.go: the answer's load counts what it got
	}
	s.logger.Info("agent presence changed", "agent_id", ag.ID, "presence", presence)
	return s.agentProfile(c, ag)
}
