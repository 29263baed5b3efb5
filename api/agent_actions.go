package api

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

const maxCloseNotes = 4000

// agentAccept takes a conversation waiting in one of the agent's pick
// queues (update `accept`). The first agent wins; the others get 409, also
// when they ask after the winner, as long as the conversation was in one
// of their pick queues.
func (s *Server) agentAccept(c *fiber.Ctx) error {
	ctx := c.UserContext()
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	conv, rel, err := s.agentAPI.AgentConversationAccess(ctx, me.ID, id)
	if err != nil {
		return err
	}
	switch {
	case conv.State == domain.StateClosed:
		return domain.Errorf(domain.CodeConversationClosed, "the conversation is closed")
	case rel == store.RelationPickTaken:
		return domain.Errorf(domain.CodeConflict, "conversation %s was already taken by another agent", id)
	}
	if _, err := s.updateConversation(ctx, conv.Conversation, workflows.UpdateAccept, workflows.AcceptRequest{AgentID: me.ID}); err != nil {
		return agentWorkflowError(id, err)
	}
	s.logger.Info("conversation accepted", "conversation_id", id, "agent_id", me.ID)
	conv, _, err = s.agentAPI.AgentConversationAccess(ctx, me.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

type transferInput struct {
	QueueID *string `json:"queue_id"`
	AgentID *string `json:"agent_id"`
	Reason  string  `json:"reason"`
}

// agentTransfer hands the agent's conversation to another queue (routed
// again there) or to a named agent (update `transfer`). A queue must be one
// the conversation's workstream routes to: any other answers as an unknown
// one (404).
func (s *Server) agentTransfer(c *fiber.Ctx) error {
	var in transferInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	if in.QueueID != nil && in.AgentID == nil {
		if err := s.checkTransferQueue(c, conv.WorkstreamID, *in.QueueID); err != nil {
			return err
		}
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	req, err := s.transferRequest(c, in, domain.AgentAuthor(me.ID))
	if err != nil {
		return err
	}
	if _, err := s.updateConversation(c.UserContext(), conv.Conversation, workflows.UpdateTransfer, req); err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	s.logger.Info("conversation transferred", "conversation_id", conv.ID, "by", req.By, "queue_id", req.QueueID, "agent_id", req.AgentID)
	after, err := s.agentAPI.GetConversation(c.UserContext(), conv.ID)
	if err != nil {
		return err
	}
	return c.JSON(after)
}

// checkTransferQueue: an agent transfers only to a queue of the
// conversation's workstream (its default queue or a routing rule's).
func (s *Server) checkTransferQueue(c *fiber.Ctx, workstreamID *string, queueID string) error {
	id, err := requiredID("queue_id", queueID)
	if err != nil {
		return err
	}
	ok := false
	if workstreamID != nil {
		if ok, err = s.agentAPI.WorkstreamRoutesTo(c.UserContext(), *workstreamID, id); err != nil {
			return err
		}
	}
	if !ok {
		return domain.Errorf(domain.CodeNotFound, "queue %s not found", id)
	}
	return nil
}

// transferRequest checks a transfer's target: exactly one of queue_id and
// agent_id, naming one that exists.
func (s *Server) transferRequest(c *fiber.Ctx, in transferInput, by string) (workflows.TransferRequest, error) {
	req := workflows.TransferRequest{By: by, Reason: strings.TrimSpace(in.Reason)}
	if (in.QueueID == nil) == (in.AgentID == nil) {
		return req, invalid("give either queue_id or agent_id")
	}
	if utf8.RuneCountInString(req.Reason) > 500 {
		return req, invalid("reason is longer than 500 characters")
	}
	ctx := c.UserContext()
	if in.QueueID != nil {
		id, err := requiredID("queue_id", *in.QueueID)
		if err != nil {
			return req, err
		}
		if _, err := s.agentAPI.GetQueue(ctx, id); domain.ErrorCode(err) == domain.CodeNotFound {
			return req, invalid("queue_id: queue %s does not exist", id)
		} else if err != nil {
			return req, err
		}
		req.QueueID = id
		return req, nil
	}
	id, err := requiredID("agent_id", *in.AgentID)
	if err != nil {
		return req, err
	}
	if _, err := s.agentAPI.GetAgent(ctx, id); domain.ErrorCode(err) == domain.CodeNotFound {
		return req, invalid("agent_id: agent %s does not exist", id)
	} else if err != nil {
		return req, err
	}
	req.AgentID = id
	return req, nil
}

type agentCloseInput struct {
	Notes string `json:"notes"`
}

// agentClose closes the agent's conversation with its notes (update
// `close`, reason closed_by_agent); wrap-up and the survey follow.
func (s *Server) agentClose(c *fiber.Ctx) error {
	var in agentCloseInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	notes := strings.TrimSpace(in.Notes)
	if utf8.RuneCountInString(notes) > maxCloseNotes {
		return invalid("notes is longer than %d characters", maxCloseNotes)
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	req := workflows.CloseRequest{Reason: "closed_by_agent", By: domain.AgentAuthor(me.ID), Notes: notes}
	if _, err := s.updateConversation(c.UserContext(), conv.Conversation, workflows.UpdateClose, req); err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	s.logger.Info("conversation closed by its agent", "conversation_id", conv.ID, "agent_id", me.ID)
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "closing"})
}
