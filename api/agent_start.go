package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// agentStartConversation is POST /api/v1/agent/conversations: the agent
// starts a conversation with a customer by template; it is assigned to the
// agent and template_only until the customer answers (session when the
// customer's window with that number is still open). Only on a number whose
// workstream routes to one of the agent's queues: any other number answers
// as an unknown one (404), so agents cannot probe the business's senders.
func (s *Server) agentStartConversation(c *fiber.Ctx) error {
	var in startInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.AgentID != nil {
		return invalid("agent_id: an agent starts conversations for itself")
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	if numberID, err := requiredID("number_id", in.NumberID); err == nil {
		reach, err := s.agentAPI.AgentReachesNumber(c.UserContext(), me.ID, numberID)
		if err != nil {
			return err
		}
		if !reach {
			return domain.Errorf(domain.CodeNotFound, "number %s not found", numberID)
		}
	}
	author := domain.AgentAuthor(me.ID)
	p, err := s.checkStart(c.UserContext(), in, me.ID, author, author)
	if err != nil {
		return err
	}
	return s.startProactive(c, p)
}
