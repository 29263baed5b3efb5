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
// template, else it is skipped and the agent told. With outlive_close
// (a template, or a text's fallback template, required) it survives the
// close in a Followup workflow of its own that sends the template
// (workflows/followup_outlive.go). The Idempotency-Key
// middleware makes a retry return the first answer; without a key the
// schedule id is new each time.
func (s *Server) agentScheduleMessage(c *fiber.Ctx) error {
	var in scheduleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.OutliveClose && in.Template == nil && in.FallbackTemplate == nil {
		return domain.Errorf(domain.CodeUnprocessable,
			"outlive_close needs a template (or a text with a fallback_template): after the close the 24-hour window is usually closed")
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
		OutliveClose:          in.OutliveClose,
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
		return err
	}
	views := make([]fiber.Map, 0, len(list))
	for _, m := range list {
		views = append(views, scheduledView(m))
	}
	return c.JSON(fiber.Map{"data": views})
}

// agentCancelScheduled cancels a follow-up still waiting. One that
// outlived the close is cancelled in PostgreSQL: its Followup workflow
// reads its row at send_at (CheckFollowup) and sends nothing.
func (s *Server) agentCancelScheduled(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	id, by := c.Params("schedule_id"), domain.AgentAuthor(me.ID)
	out, err := s.cancelOutlived(ctx, conv.ID, id, by)
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		return err
	}
	if err != nil {
		req := workflows.CancelScheduledRequest{ScheduleID: id, ConversationID: conv.ID, By: by}
		// Not agentWorkflowError: the conversation is the agent's, so a
		// NOT_FOUND here is the follow-up's.
		if err := s.updateConversationInto(ctx, conv.Conversation, workflows.UpdateCancelScheduled, req, &out); err != nil {
			return workflowError(err)
		}
		if out.Status == workflows.FollowupOutlived {
			// Handed over between the two reads: its row exists now.
			if out, err = s.cancelOutlived(ctx, conv.ID, id, by); err != nil {
				return err
			}
		}
	}
	s.auditAction(c, actionCancelScheduled, resourceConversation, conv.ID, fiber.Map{"schedule_id": out.ScheduleID})
	return c.JSON(scheduledView(out))
}

// cancelOutlived cancels a follow-up that outlived the close (NOT_FOUND:
// the conversation has no such one in PostgreSQL).
func (s *Server) cancelOutlived(ctx context.Context, conversationID, id, by string) (workflows.ScheduledMessage, error) {
	f, err := s.agentKit.CancelOutlivedFollowup(ctx, conversationID, id, by)
	if err != nil {
		return workflows.ScheduledMessage{}, err
	}
	return outlivedMessage(f), nil
}

// outlivedMessage is a follow-up's row after the close, as the workflow
// shows follow-ups.
func outlivedMessage(f domain.OutlivedFollowup) workflows.ScheduledMessage {
	m := workflows.ScheduledMessage{
		ScheduleRequest: workflows.ScheduleRequest{
			ScheduleID: f.ID, ConversationID: f.ConversationID, Author: f.Author, SendAt: f.SendAt,
			Text: f.Text, Template: f.Template, TemplateBody: f.TemplateBody,
			Fallback: f.Fallback, FallbackBody: f.FallbackBody,
			CancelOnCustomerReply: f.CancelOnCustomerReply, OutliveClose: true,
		},
		Status: f.Status, CreatedAt: f.CreatedAt, DoneAt: f.DoneAt, Note: f.Note,
	}
	if f.MessageID != nil {
		m.MessageID = *f.MessageID
	}
	return m
}

// scheduledOf reads the follow-ups of conv from its workflow, and those
// that outlived its close from PostgreSQL (their rows win: the workflow
// only knows it handed them over). A closed conversation whose workflow
// has moved on to the customer's next one (or is gone) still lists its
// outlived ones.
func (s *Server) scheduledOf(ctx context.Context, conv domain.Conversation) ([]workflows.ScheduledMessage, error) {
	rows, err := s.agentKit.OutlivedFollowups(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	qctx, cancel := context.WithTimeout(ctx, s.SendWait)
	defer cancel()
	var st workflows.ConversationState
	v, err := s.temporal.QueryWorkflow(qctx, conv.WorkflowID, "", workflows.QueryState)
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil && len(rows) == 0 {
		return nil, agentWorkflowError(conv.ID, err)
	}
	outlived := make(map[string]domain.OutlivedFollowup, len(rows))
	for _, f := range rows {
		outlived[f.ID] = f
	}
	var out []workflows.ScheduledMessage
	for _, m := range st.Scheduled {
		if m.ConversationID != "" && m.ConversationID != conv.ID {
			continue
		}
		if f, ok := outlived[m.ScheduleID]; ok {
			m = outlivedMessage(f)
			delete(outlived, f.ID)
		}
		out = append(out, m)
	}
	for _, f := range rows {
		if _, ok := outlived[f.ID]; ok {
			out = append(out, outlivedMessage(f))
		}
	}
	return out, nil
}

// scheduledView is a follow-up as the API shows it.
func scheduledView(m workflows.ScheduledMessage) fiber.Map {
	status := m.Status
	if status == workflows.FollowupOutlived {
		status = workflows.FollowupScheduled // its row says more; none: still waiting
	}
	v := fiber.Map{
		"id": m.ScheduleID, "status": status, "send_at": m.SendAt, "created_at": m.CreatedAt,
		"cancel_on_customer_reply": m.CancelOnCustomerReply, "author": m.Author,
		"outlive_close": m.OutliveClose,
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
