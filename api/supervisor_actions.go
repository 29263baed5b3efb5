package api

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// Audit names of the supervisor's actions (and the agents' notes).
const (
	resourceConversation = "conversation"
	actionNote           = "note"
	actionClose          = "close"
	actionTransfer       = "transfer"
	actionPresence       = "presence"
)

// supervisorConversation loads the conversation of the request's :id if it
// is in the supervisor's queues; anything else (another queue's, none, no
// queue yet) answers as an unknown conversation.
func (s *Server) supervisorConversation(c *fiber.Ctx) (domain.Conversation, SupervisorScope, error) {
	sc, err := supervisorScope(c)
	if err != nil {
		return domain.Conversation{}, sc, err
	}
	id := c.Params("id")
	conv, err := s.agentAPI.GetConversation(c.UserContext(), id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return conv, sc, conversationNotFound(id)
	}
	if err != nil {
		return conv, sc, err
	}
	queue := ""
	if conv.QueueID != nil {
		queue = *conv.QueueID
	}
	if !sc.Covers(queue) {
		return domain.Conversation{}, sc, conversationNotFound(id)
	}
	return conv, sc, nil
}

func (s *Server) supervisorGetConversation(c *fiber.Ctx) error {
	conv, _, err := s.supervisorConversation(c)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

func (s *Server) supervisorListMessages(c *fiber.Ctx) error {
	conv, _, err := s.supervisorConversation(c)
	if err != nil {
		return err
	}
	msgs, err := s.agentAPI.ListMessages(c.UserContext(), conv.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": msgs})
}

type noteInput struct {
	Text string `json:"text"`
}

// writeNote runs the workflow's `note` update for conv and audits it (the
// note's id, never its text: the audit log outlives a customer's erasure).
func (s *Server) writeNote(c *fiber.Ctx, conv domain.Conversation, author string) error {
	var in noteInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	text := strings.TrimSpace(in.Text)
	if text == "" {
		return invalid("text is required")
	}
	if utf8.RuneCountInString(text) > workflows.MaxNoteLength {
		return invalid("text is longer than %d characters", workflows.MaxNoteLength)
	}
	req := workflows.NoteRequest{NoteID: uuid.NewString(), ConversationID: conv.ID, Author: author, Text: text}
	var note domain.Message
	if err := s.updateConversationInto(c.UserContext(), conv, workflows.UpdateNote, req, &note); err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	s.auditAction(c, actionNote, resourceConversation, conv.ID, fiber.Map{"note_id": note.ID})
	s.logger.Info("internal note written", "conversation_id", conv.ID, "by", author)
	return c.Status(fiber.StatusCreated).JSON(note)
}

// auditAction records a supervisor's or agent's action once the workflow
// took it. The action happened: a failure to record it is logged, not
// answered as a failure of the action.
func (s *Server) auditAction(c *fiber.Ctx, action, resourceType, resourceID string, changes any) {
	a := s.auditWith(c, changes)
	if err := s.supervisor.RecordAudit(c.UserContext(), a, action, resourceType, resourceID); err != nil {
		s.logger.Error("recording an action in the audit log failed", "action", action, "resource_id", resourceID, "err", err)
	}
}

// noteAuthor is who a note says wrote it: agent:<id> for agents and
// supervisors (a supervisor is an agent), the admin author for an admin key.
func noteAuthor(sc SupervisorScope) string {
	if sc.Supervisor != nil {
		return domain.AgentAuthor(sc.Supervisor.ID)
	}
	return domain.AuthorAdmin
}

func (s *Server) supervisorNote(c *fiber.Ctx) error {
	conv, sc, err := s.supervisorConversation(c)
	if err != nil {
		return err
	}
	return s.writeNote(c, conv, noteAuthor(sc))
}

// agentNote: an agent writes a note in a conversation it has (or had).
func (s *Server) agentNote(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	return s.writeNote(c, conv.Conversation, domain.AgentAuthor(me.ID))
}

// supervisorClose force-closes a conversation (update `close`, reason
// closed_by_supervisor); the closing sequence follows.
func (s *Server) supervisorClose(c *fiber.Ctx) error {
	var in agentCloseInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	notes := strings.TrimSpace(in.Notes)
	if utf8.RuneCountInString(notes) > maxCloseNotes {
		return invalid("notes is longer than %d characters", maxCloseNotes)
	}
	conv, sc, err := s.supervisorConversation(c)
	if err != nil {
		return err
	}
	req := workflows.CloseRequest{Reason: "closed_by_supervisor", By: sc.By(c), Notes: notes}
	if _, err := s.updateConversation(c.UserContext(), conv, workflows.UpdateClose, req); err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	s.auditAction(c, actionClose, resourceConversation, conv.ID, fiber.Map{"reason": req.Reason})
	s.logger.Info("conversation closed by a supervisor", "conversation_id", conv.ID, "by", req.By)
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "closing"})
}

// supervisorTransfer moves a conversation to one of the supervisor's
// queues, or reassigns it to an agent of those queues (update `transfer`).
func (s *Server) supervisorTransfer(c *fiber.Ctx) error {
	var in transferInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	conv, sc, err := s.supervisorConversation(c)
	if err != nil {
		return err
	}
	req, err := s.transferRequest(c, in, sc.By(c))
	if err != nil {
		return err
	}
	switch {
	case req.QueueID != "" && !sc.Covers(req.QueueID):
		return invalid("queue_id: queue %s is not one of your queues", req.QueueID)
	case req.AgentID != "":
		ag, err := s.agentAPI.GetAgent(c.UserContext(), req.AgentID)
		if err != nil {
			return err
		}
		if !sc.All && !slices.ContainsFunc(ag.QueueIDs, sc.Covers) {
			return invalid("agent_id: agent %s is not in one of your queues", req.AgentID)
		}
	}
	if _, err := s.updateConversation(c.UserContext(), conv, workflows.UpdateTransfer, req); err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	s.auditAction(c, actionTransfer, resourceConversation, conv.ID, fiber.Map{"queue_id": req.QueueID, "agent_id": req.AgentID, "reason": req.Reason})
	s.logger.Info("conversation transferred by a supervisor", "conversation_id", conv.ID, "by", req.By, "queue_id", req.QueueID, "agent_id", req.AgentID)
	after, err := s.agentAPI.GetConversation(c.UserContext(), conv.ID)
	if err != nil {
		return err
	}
	return c.JSON(after)
}

// supervisorSetPresence changes the presence of an agent of the
// supervisor's queues (any agent for the admin key).
func (s *Server) supervisorSetPresence(c *fiber.Ctx) error {
	var in presenceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	presence := strings.ToLower(strings.TrimSpace(in.Presence))
	if !domain.ValidPresence(presence) {
		return invalid("presence must be available, busy, away or offline, got %q", in.Presence)
	}
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	id := c.Params("id")
	ag, err := s.agentAPI.GetAgent(ctx, id)
	if err == nil && !sc.All && !slices.ContainsFunc(ag.QueueIDs, sc.Covers) {
		err = domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
	}
	if err != nil {
		return err
	}
	if ag, err = s.agentAPI.SetPresence(ctx, ag.ID, presence); err != nil {
		return err
	}
	s.auditAction(c, actionPresence, store.ResourceAgent, ag.ID, fiber.Map{"presence": presence})
	if presence == domain.PresenceAvailable {
		s.dispatchForAgent(ctx, ag.ID)
	}
	s.logger.Info("agent presence changed by a supervisor", "agent_id", ag.ID, "presence", presence, "by", sc.By(c))
	return c.JSON(ag)
}
