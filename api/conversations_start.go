package api

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// startInput is the body of a proactive start: POST /api/v1/conversations
// (admin, agent_id optional) and POST /api/v1/agent/conversations. Text and
// media are accepted only to be refused clearly: WhatsApp lets a business
// open a conversation with an approved template only.
type startInput struct {
	NumberID     string             `json:"number_id"`
	CustomerE164 string             `json:"customer_e164"`
	Template     *templateSendInput `json:"template"`
	AgentID      *string            `json:"agent_id,omitempty"`
	Text         string             `json:"text,omitempty"`
	MediaURLs    []string           `json:"media_urls,omitempty"`
}

// startedConversation answers a proactive start.
type startedConversation struct {
	Conversation domain.Conversation `json:"conversation"`
	Message      domain.Message      `json:"message"`
}

// proactive is a checked proactive start.
type proactive struct {
	number   domain.Number
	customer string
	agentID  string // "" = routed by the workstream
	by       string // "admin", "agent:<id>"
	author   string
	template *domain.TemplateUse
	body     string
}

// adminStartConversation is POST /api/v1/conversations: an admin starts a
// conversation with a template, assigned to agent_id when given.
func (s *Server) adminStartConversation(c *fiber.Ctx) error {
	var in startInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	agentID := ""
	if in.AgentID != nil {
		id, err := requiredID("agent_id", *in.AgentID)
		if err != nil {
			return err
		}
		agentID = id
	}
	p, err := s.checkStart(c.UserContext(), in, agentID, domain.AuthorAdmin, domain.AuthorAdmin)
	if err != nil {
		return err
	}
	return s.startProactive(c, p)
}

// checkStart validates a proactive start; nothing is started yet.
func (s *Server) checkStart(ctx context.Context, in startInput, agentID, by, author string) (proactive, error) {
	p := proactive{agentID: agentID, by: by, author: author}
	numberID, err := requiredID("number_id", in.NumberID)
	if err != nil {
		return p, err
	}
	if in.CustomerE164 == "" {
		return p, invalid("customer_e164 is required")
	}
	if p.customer, err = domain.NormalizeE164(in.CustomerE164); err != nil {
		return p, invalid("customer_e164: %s", err.(*domain.Error).Message)
	}
	if in.Template == nil {
		return p, domain.Errorf(domain.CodeTemplateInvalid, "a conversation the business starts must open with an approved template (WhatsApp's rule): send template {name, language, variables}; text and media can follow once the customer answers")
	}
	p.number, err = s.conversations.GetNumber(ctx, numberID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return p, invalid("number_id: number %s does not exist", numberID)
	}
	if err != nil {
		return p, err
	}
	if s.campaigns != nil {
		opted, err := s.campaigns.IsOptedOut(ctx, p.number.AccountID, p.customer)
		if err != nil {
			return p, err
		}
		if opted {
			return p, domain.Errorf(domain.CodeOptedOut, "the customer opted out of messages from this account; they can opt in again by writing the opt-in keyword, or an admin can remove them from /api/v1/opt-outs")
		}
	}
	if p.template, p.body, err = s.resolveTemplate(ctx, *in.Template); err != nil {
		return p, err
	}
	if agentID != "" {
		if p.number.WorkstreamID == nil {
			return p, domain.Errorf(domain.CodeConflict, "number %s has no workstream, so the conversation cannot be assigned: attach the number to a workstream first", numberID)
		}
		if err := s.checkCanTake(ctx, agentID); err != nil {
			return p, err
		}
	}
	return p, nil
}

// checkCanTake refuses, up front, an agent the workflow could not assign
// the new conversation to (it would route it to the queue instead).
func (s *Server) checkCanTake(ctx context.Context, agentID string) error {
	ag, err := s.conversations.GetAgent(ctx, agentID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return invalid("agent_id: agent %s does not exist", agentID)
	}
	if err != nil {
		return err
	}
	if ag.Presence != domain.PresenceAvailable {
		return domain.Errorf(domain.CodeConflict, "agent %s is %s: only an available agent can be given a new conversation", agentID, ag.Presence)
	}
	load, capacity, err := s.distribution.AgentLoad(ctx, agentID)
	if err != nil {
		return err
	}
	if load >= capacity {
		return domain.Errorf(domain.CodeConflict, "agent %s is at capacity (load %d of %d)", agentID, load, capacity)
	}
	return nil
}

// startProactive starts the conversation workflow with its template in one
// update-with-start: a new conversation, or — when one is already open for
// this number and customer — the template is sent in that one, if the
// author may write there (an agent only in its own: 409 otherwise).
func (s *Server) startProactive(c *fiber.Ctx, p proactive) error {
	in := workflows.ConversationInput{
		AccountID:     p.number.AccountID,
		NumberID:      p.number.ID,
		NumberE164:    p.number.E164,
		CustomerE164:  p.customer,
		SessionWindow: s.cfg.SessionWindow,
		Revision:      workflows.CurrentRevision,
		Proactive:     &workflows.ProactiveStart{AgentID: p.agentID, By: p.by},
	}
	req := workflows.SendRequest{MessageID: requestUUID(c), Author: p.author, Template: p.template, TemplateBody: p.body}
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.ConversationID(p.number.ID, p.customer),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.StartSearchAttributes(in),
	}, workflows.ConversationWorkflowName, in)

	ctx, cancel := context.WithTimeout(c.UserContext(), s.SendWait)
	defer cancel()
	w := s.watchOutcome(req.MessageID)
	defer w.Close()
	handle, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID:     req.MessageID,
			UpdateName:   workflows.UpdateSend,
			Args:         []any{req},
			WaitForStage: client.WorkflowUpdateStageAccepted,
		},
	})
	if err != nil {
		return s.withTemplateChoices(ctx, startError(err))
	}
	var msg domain.Message
	if err := handle.Get(ctx, &msg); err != nil {
		if ctx.Err() == nil {
			return startError(err)
		}
		// Accepted, not stored yet: the workflow keeps it.
		msg = s.acceptedMessage(ctx, req)
	}
	msg, status, err := s.twilioOutcome(ctx, msg, w)
	if err != nil {
		return err
	}
	conv, err := s.conversations.GetConversation(context.WithoutCancel(ctx), msg.ConversationID)
	if err != nil {
		return err
	}
	s.logger.Info("proactive conversation", "conversation_id", conv.ID, "by", p.by, "agent_id", p.agentID, "template", p.template.Name)
	return c.Status(status).JSON(startedConversation{Conversation: conv, Message: msg})
}

// startError: the workflow's NOT_FOUND means the conversation already open
// with this customer is not the requesting agent's.
func startError(err error) error {
	err = workflowError(err)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		return domain.Errorf(domain.CodeConflict, "a conversation with this customer on this number is already open and is not yours: it must be closed or transferred to you first")
	}
	return err
}
