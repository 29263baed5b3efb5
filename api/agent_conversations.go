package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// agentListConversations lists the agent's conversations: those not
// closed, or those in ?state=. Each carries its state, queue, window,
// routing and unread count (customer messages since the agent last wrote).
func (s *Server) agentListConversations(c *fiber.Ctx) error {
	state := c.Query("state")
	if state != "" && !slices.Contains(conversationStates, state) {
		return invalid("state must be one of %s", strings.Join(conversationStates, ", "))
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	labelID, err := s.labelFilter(c)
	if err != nil {
		return err
	}
	convs, err := s.agentKit.AgentConversationsLabelled(c.UserContext(), me.ID, state, labelID, limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": convs})
}

func (s *Server) agentGetConversation(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

func (s *Server) agentListMessages(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	msgs, err := s.agentAPI.ListMessages(c.UserContext(), conv.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": msgs})
}

// agentPickQueue lists what waits, unassigned, in the agent's pick queues,
// oldest first, with the routing that put it there.
func (s *Server) agentPickQueue(c *fiber.Ctx) error {
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	convs, err := s.agentAPI.AgentPickQueue(c.UserContext(), me.ID, limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": convs})
}
