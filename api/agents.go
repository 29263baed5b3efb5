package api

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

// AgentStore is what the admin routes for agents need of the store.
type AgentStore interface {
	CreateAgent(ctx context.Context, a domain.Agent, tokenHash string, audit store.Audit) (domain.Agent, error)
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
	ListAgents(ctx context.Context, f store.AgentFilter) ([]domain.Agent, error)
	UpdateAgent(ctx context.Context, id string, change func(*domain.Agent) error, audit store.Audit) (domain.Agent, error)
	RotateAgentToken(ctx context.Context, id, tokenHash string, audit store.Audit) (domain.Agent, error)
	DeleteAgent(ctx context.Context, id string, audit store.Audit) error
}

// agentInput is the body of POST (all fields) and PATCH (the fields to
// change) /api/v1/agents. The token is never an input.
type agentInput struct {
	Name     *string         `json:"name"`
	Email    *string         `json:"email"`
	Capacity *int            `json:"capacity"`
	Skills   *map[string]int `json:"skills"`
	QueueIDs *[]string       `json:"queue_ids"`
	Presence *string         `json:"presence"`
	Role     *string         `json:"role"`
}

func (in agentInput) apply(a *domain.Agent) {
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.Email != nil {
		a.Email = *in.Email
	}
	if in.Capacity != nil {
		a.Capacity = *in.Capacity
	}
	if in.Skills != nil {
		a.Skills = *in.Skills
	}
	if in.QueueIDs != nil {
		a.QueueIDs = *in.QueueIDs
	}
	if in.Presence != nil {
		a.Presence = *in.Presence
	}
	if in.Role != nil {
		a.Role = *in.Role
	}
}

func (s *Server) createAgent(c *fiber.Ctx) error {
	var in agentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := domain.Agent{Capacity: 1}
	in.apply(&a)
	if err := domain.NormalizeAgent(&a); err != nil {
		return err
	}
	token, hash := secret.NewAgentToken()
	created, err := s.agents.CreateAgent(c.UserContext(), a, hash, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("agent created", "agent_id", created.ID, "queues", len(created.QueueIDs))
	created.Token = token
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(created)
}

func (s *Server) listAgents(c *fiber.Ctx) error {
	f := store.AgentFilter{Presence: c.Query("presence"), QueueID: c.Query("queue_id")}
	if f.Presence != "" && !domain.ValidPresence(f.Presence) {
		return invalid("presence must be available, busy, away or offline")
	}
	if f.QueueID != "" {
		u, err := uuid.Parse(f.QueueID)
		if err != nil {
			return invalid("queue_id must be a queue id (UUID)")
		}
		f.QueueID = u.String()
	}
	agents, err := s.agents.ListAgents(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": agents})
}

func (s *Server) getAgent(c *fiber.Ctx) error {
	return fetched(c, s.agents.GetAgent)
}

func (s *Server) updateAgent(c *fiber.Ctx) error {
	var in agentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.agents.UpdateAgent(c.UserContext(), c.Params("id"), func(a *domain.Agent) error {
		in.apply(a)
		return domain.NormalizeAgent(a)
	}, s.audit(c))
	if err != nil {
		return err
	}
	s.logger.Info("agent updated", "agent_id", a.ID)
	// More capacity, a new queue or skill, or "available" may let the agent
	// take waiting conversations now.
	s.dispatchForAgent(c.UserContext(), a.ID)
	return c.JSON(a)
}

func (s *Server) deleteAgent(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := s.agents.DeleteAgent(c.UserContext(), id, s.audit(c)); err != nil {
		return err
	}
	s.logger.Info("agent deleted", "agent_id", id)
	return c.SendStatus(fiber.StatusNoContent)
}

// rotateAgentToken issues a new token; the previous one stops working now.
func (s *Server) rotateAgentToken(c *fiber.Ctx) error {
	token, hash := secret.NewAgentToken()
	a, err := s.agents.RotateAgentToken(c.UserContext(), c.Params("id"), hash, store.Audit{Actor: actor(c)})
	if err != nil {
		return err
	}
	s.logger.Info("agent token rotated", "agent_id", a.ID)
	a.Token = token
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(a)
}
