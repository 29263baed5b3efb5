package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// Audit names of the follow-up actions.
const (
	actionSchedule        = "schedule_message"
	actionCancelScheduled = "cancel_scheduled_message"
)

// scheduleInput is the body of POST …/scheduled-messages (issue 18,
// scheduled follow-ups; docs/service-levels.md).
type scheduleInput struct {
	SendAt                string             `json:"send_at"` // RFC 3339, or local with customer_local_time
	Text                  string             `json:"text"`
	Template              *templateSendInput `json:"template"`
	FallbackTemplate      *templateSendInput `json:"fallback_template"`
	CancelOnCustomerReply bool               `json:"cancel_on_customer_reply"`
	CustomerLocalTime     bool               `json:"customer_local_time"`
	OutliveClose          bool               `json:"outlive_close"`
}

// agentScheduleMessage schedules a follow-up in the agent's conversation.
// The conversation workflow keeps it (update `schedule`) and sends it at
// send_at: text only while the window is open, else the fallback
// template, else it is skipped and the agent told. The Idempotency-Key
// middleware makes a retry return the first answer; without a key the
// schedule id is new each time.
func (s *Server) agentScheduleMessage(c *fiber.Ctx) error {
	var in scheduleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.OutliveClose {
		return domain.Errorf(domain.CodeUnprocessable,
			"outlive_close is not supported yet: a follow-up is cancelled when its conversation closes")
	}
	if in.SendAt == "" {
		return invalid("send_at is required (an RFC 3339 instant, or a local time with customer_local_time)")
	}
	if (in.Text == "") == (in.Template == nil) {
		return invalid("give either text or template")
	}
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sendAt, err := parseSendAt(in.SendAt, in.CustomerLocalTime, func() (*time.Location, error) {
		p, err := s.agentKit.CustomerProfile(ctx, conv.AccountID, conv.CustomerE164)
		if err != nil {
			return nil, err
		}
		return customerZone(p.Attributes, conv.CustomerE164)
	})
	if err != nil {
		return err
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	req := workflows.ScheduleRequest{
		ScheduleID:            requestUUID(c),
		ConversationID:        conv.ID,
		Author:                domain.AgentAuthor(me.ID),
		SendAt:                sendAt,
		Text:                  in.Text,
		CancelOnCustomerReply: in.CancelOnCustomerReply,
	}
	if in.Template != nil {
		if req.Template, req.TemplateBody, err = s.resolveTemplate(ctx, *in.Template); err != nil {
			return err
		}
	}
	if in.FallbackTemplate != nil {
		if req.Fallback, req.FallbackBody, err = s.resolveTemplate(ctx, *in.FallbackTemplate); err != nil {
			return err
		}
	}
	var out workflows.ScheduledMessage
	if err := s.updateConversationInto(ctx, conv.Conversation, workflows.UpdateSchedule, req, &out); err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	s.auditAction(c, actionSchedule, resourceConversation, conv.ID, fiber.Map{"schedule_id": out.ScheduleID, "send_at": out.SendAt})
	return c.Status(fiber.StatusCreated).JSON(scheduledView(out))
}

// agentListScheduled lists the conversation's follow-ups, as its workflow
// keeps them (the `state` query).
func (s *Server) agentListScheduled(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	list, err := s.scheduledOf(c.UserContext(), conv.Conversation)
	if err != nil {
		return agentWorkflowError(conv.ID, err)
	}
	views := make([]fiber.Map, 0, len(list))
	for _, m := range list {
		views = append(views, scheduledView(m))
	}
	return c.JSON(fiber.Map{"data": views})
}

// agentCancelScheduled cancels a follow-up still waiting.
func (s *Server) agentCancelScheduled(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	req := workflows.CancelScheduledRequest{ScheduleID: c.Params("schedule_id"), ConversationID: conv.ID, By: domain.AgentAuthor(me.ID)}
	var out workflows.ScheduledMessage
	// Not agentWorkflowError: the conversation is the agent's, so a
	// NOT_FOUND here is the follow-up's.
	if err := s.updateConversationInto(c.UserContext(), conv.Conversation, workflows.UpdateCancelScheduled, req, &out); err != nil {
		return workflowError(err)
	}
	s.auditAction(c, actionCancelScheduled, resourceConversation, conv.ID, fiber.Map{"schedule_id": out.ScheduleID})
	return c.JSON(scheduledView(out))
}

// scheduledOf reads the follow-ups of conv from its workflow. A closed
// conversation whose workflow has moved on to the customer's next one has
// none left (the close cancels them).
func (s *Server) scheduledOf(ctx context.Context, conv domain.Conversation) ([]workflows.ScheduledMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.SendWait)
	defer cancel()
	v, err := s.temporal.QueryWorkflow(ctx, conv.WorkflowID, "", workflows.QueryState)
	if err != nil {
		return nil, workflowError(err)
	}
	var st workflows.ConversationState
	if err := v.Get(&st); err != nil {
		return nil, err
	}
	var out []workflows.ScheduledMessage
	for _, m := range st.Scheduled {
		if m.ConversationID == "" || m.ConversationID == conv.ID {
			out = append(out, m)
		}
	}
	return out, nil
}

// scheduledView is a follow-up as the API shows it.
func scheduledView(m workflows.ScheduledMessage) fiber.Map {
	v := fiber.Map{
		"id": m.ScheduleID, "status": m.Status, "send_at": m.SendAt, "created_at": m.CreatedAt,
		"cancel_on_customer_reply": m.CancelOnCustomerReply, "author": m.Author,
	}
	if m.Text != "" {
		v["text"] = m.Text
	}
	if m.Template != nil {
		v["template"] = m.Template
	}
	if m.Fallback != nil {
		v["fallback_template"] = m.Fallback
	}
	if m.DoneAt != nil {
		v["done_at"] = m.DoneAt
	}
	if m.MessageID != "" {
		v["message_id"] = m.MessageID
	}
	if m.Note != "" {
		v["note"] = m.Note
	}
	return v
}
