package api

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// ConversationStore is what the conversation routes need of the store:
// the admin's (conversations.go, conversations_start.go, media_fetch.go)
// and the sending path the agent API shares (send_outcome.go,
// template_send.go).
type ConversationStore interface {
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	ListConversationsPage(ctx context.Context, f store.ConversationFilter) (store.ConversationPage, error)
	ListMessages(ctx context.Context, conversationID string) ([]domain.Message, error)
	GetMessage(ctx context.Context, id string) (domain.Message, error)
	// GetNumber and GetAgent check a proactive start (with the
	// distribution's AgentLoad).
	GetNumber(ctx context.Context, id string) (domain.Number, error)
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
	TemplateByName(ctx context.Context, name string) (domain.Template, error)
	ListTemplates(ctx context.Context) ([]domain.Template, error)
}

var (
	conversationStates = []string{domain.StateBot, domain.StateQueued, domain.StateAssigned, domain.StateWrapUp, domain.StateSurvey, domain.StateClosed}
	conversationModes  = []string{domain.ModeSession, domain.ModeTemplateOnly}
)

// listConversations pages through conversations, newest first. Paging is by
// an opaque cursor (next_cursor) rather than an offset, so conversations
// that start while an admin pages neither repeat nor push others off a page.
func (s *Server) listConversations(c *fiber.Ctx) error {
	f := store.ConversationFilter{State: c.Query("state"), Mode: c.Query("mode"), Cursor: c.Query("cursor")}
	if f.State != "" && !slices.Contains(conversationStates, f.State) {
		return invalid("state must be one of %s", strings.Join(conversationStates, ", "))
	}
	if f.Mode != "" && !slices.Contains(conversationModes, f.Mode) {
		return invalid("mode must be one of %s", strings.Join(conversationModes, ", "))
	}
	for _, q := range []struct {
		name string
		dst  *string
	}{{"number_id", &f.NumberID}, {"queue_id", &f.QueueID}, {"agent_id", &f.AgentID}} {
		v := c.Query(q.name)
		if v == "" {
			continue
		}
		id, err := optionalID(q.name, &v)
		if err != nil {
			return err
		}
		*q.dst = *id
	}
	if v := c.Query("customer"); v != "" {
		// An unescaped "+" in a query string arrives as a space.
		if strings.HasPrefix(v, " ") {
			v = "+" + strings.TrimSpace(v)
		}
		e164, err := domain.NormalizeE164(v)
		if err != nil {
			return invalid("customer: %s", err.(*domain.Error).Message)
		}
		f.Customer = e164
	}
	labelID, err := s.labelFilter(c)
	if err != nil {
		return err
	}
	f.LabelID = labelID
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	f.Limit = limit
	page, err := s.conversations.ListConversationsPage(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) getConversation(c *fiber.Ctx) error {
	conv, err := s.conversations.GetConversation(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

func (s *Server) listMessages(c *fiber.Ctx) error {
	_, msgs, err := s.conversationWithMessages(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": msgs})
}

// conversationWithMessages reads the conversation of the path's id and
// its transcript, oldest first.
func (s *Server) conversationWithMessages(c *fiber.Ctx) (domain.Conversation, []domain.Message, error) {
	conv, err := s.conversations.GetConversation(c.UserContext(), c.Params("id"))
	if err != nil {
		return conv, nil, err
	}
	msgs, err := s.conversations.ListMessages(c.UserContext(), conv.ID)
	return conv, msgs, err
}

type sendInput struct {
	Text      string             `json:"text"`
	MediaURLs []string           `json:"media_urls"`
	Template  *templateSendInput `json:"template"`
	// Interactive is quick-reply buttons or a list picker (docs/rich-messages.md).
	Interactive *domain.Interactive `json:"interactive"`
}

// adminSend lets an admin reply in a conversation (before agents exist, and
// for supervisors after): text and media, or a template (the only thing
// that goes out once the 24-hour window is closed). It answers once Twilio
// accepted or refused the message, or 202 with the message still queued
// after SendWait. A WINDOW_CLOSED answer lists the templates to use instead.
func (s *Server) adminSend(c *fiber.Ctx) error {
	var in sendInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.checkSendInput(ctx, in); err != nil { // send_validate.go
		return err
	}
	conv, err := s.conversations.GetConversation(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	req := workflows.SendRequest{
		MessageID:      requestUUID(c),
		ConversationID: conv.ID,
		Author:         domain.AuthorAdmin,
		Text:           in.Text,
		MediaURLs:      in.MediaURLs,
		Interactive:    in.Interactive,
	}
	if in.Template != nil {
		if req.Template, req.TemplateBody, err = s.resolveTemplate(ctx, *in.Template); err != nil {
			return err
		}
	}
	return s.withTemplateChoices(ctx, s.send(c, conv, req))
}

func (s *Server) send(c *fiber.Ctx, conv domain.Conversation, req workflows.SendRequest) error {
	if conv.State == domain.StateClosed {
		return domain.Errorf(domain.CodeConversationClosed, "the conversation is closed")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.SendWait)
	defer cancel()
	w := s.watchOutcome(req.MessageID)
	defer w.Close()
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   conv.WorkflowID,
		UpdateID:     req.MessageID,
		UpdateName:   workflows.UpdateSend,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err != nil {
		return workflowError(err)
	}
	var msg domain.Message
	if err := handle.Get(ctx, &msg); err != nil {
		if ctx.Err() == nil {
			return workflowError(err)
		}
		// Accepted, not yet stored (a slow database): the workflow keeps it.
		msg = s.acceptedMessage(ctx, req)
	}
	msg, status, err := s.twilioOutcome(ctx, msg, w)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(msg)
}

type closeInput struct {
	Reason string `json:"reason"`
	Notes  string `json:"notes"`
}

func (s *Server) adminClose(c *fiber.Ctx) error {
	in := closeInput{}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if in.Reason == "" {
		in.Reason = "closed_by_admin"
	}
	conv, err := s.conversations.GetConversation(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if conv.State == domain.StateClosed {
		return domain.Errorf(domain.CodeConversationClosed, "the conversation is already closed")
	}
	req := workflows.CloseRequest{Reason: in.Reason, By: "admin", Notes: in.Notes}
	if err := s.temporal.SignalWorkflow(c.UserContext(), conv.WorkflowID, "", workflows.SignalClose, req); err != nil {
		return workflowError(err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "closing"})
}

// workflowError turns Temporal client errors into domain errors: an update
// refused by the workflow's validator carries its domain code as the
// ApplicationError type.
func workflowError(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if _, known := httpStatus[domain.Code(appErr.Type())]; known {
			return &domain.Error{Code: domain.Code(appErr.Type()), Message: appErr.Message()}
		}
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return domain.Errorf(domain.CodeConversationClosed, "the conversation has ended")
	}
	// Every way of "Temporal did not answer in time" is a 503 the client
	// may retry (with the same Idempotency-Key), not a 500: the SDK wraps
	// an update's timeout in its own type, the server answers with gRPC
	// codes.
	var updateTimeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	var deadline *serviceerror.DeadlineExceeded
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &updateTimeout) || errors.As(err, &deadline) {
		return domain.Errorf(domain.CodeUnavailable, "Temporal did not answer in time; retry")
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) {
		return domain.Errorf(domain.CodeUnavailable, "Temporal is unavailable; retry")
	}
	return err
}
