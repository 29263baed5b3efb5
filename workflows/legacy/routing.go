package legacy

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// route classifies the conversation with the workstream's rules (first
// match wins, else the default queue) and queues it. The decision is
// computed in workflow code from the settings snapshot, so replay
// reproduces it exactly.
func (c *conversation) route(ctx workflow.Context, m domain.InboundMessage) {
	ws := c.workstream()
	if ws == nil {
		c.st.Routing = &domain.Routing{Reason: "the number has no workstream: the conversation is not routed"}
		c.save(ctx)
		return
	}
	def := ""
	if ws.DefaultQueueID != nil {
		def = *ws.DefaultQueueID
	}
	d := domain.Route(c.settings.Rules, domain.RoutingFacts{
		CustomerE164:        c.st.CustomerE164,
		CustomerCountryCode: domain.CountryCode(c.st.CustomerE164),
		ProfileName:         c.st.ProfileName,
		MessageBody:         m.Body,
		ChannelE164:         c.settings.NumberE164,
	}, def)
	r := &domain.Routing{RuleID: d.RuleID, RuleName: d.RuleName, QueueID: d.QueueID, Skills: d.Skills, Priority: d.Priority, Reason: d.Reason}
	if r.QueueID == "" {
		r.Reason += "; the workstream has no default queue, so the conversation waits unrouted"
		c.st.Routing = r
		c.save(ctx)
		return
	}
	_ = c.enqueue(ctx, r)
}

func distributionCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         distributionRetry,
	})
}

// enqueue puts the conversation in r's queue; the dispatcher may assign
// it at once. The queued (and after-hours) messages tell the customer.
func (c *conversation) enqueue(ctx workflow.Context, r *domain.Routing) error {
	ws := c.workstream()
	in := activities.EnqueueInput{
		ConversationID: c.st.ConversationID,
		QueueID:        r.QueueID,
		Priority:       r.Priority,
		Skills:         r.Skills,
		CapacityCost:   1,
		Distribution:   domain.DistributionPush,
	}
	if ws != nil {
		in.CapacityCost = ws.CapacityPerConversation
		in.Distribution = ws.Distribution
		in.OperatingHours = ws.OperatingHours
	}
	// The row must say "queued" before the dispatcher looks at it.
	c.st.Routing = r
	c.st.State = domain.StateQueued
	c.st.QueueID = r.QueueID
	c.st.AgentID = ""
	c.st.HoldsCapacity = false
	c.save(ctx)
	var out activities.EnqueueOutput
	if err := workflow.ExecuteActivity(distributionCtx(ctx), a.Enqueue, in).Get(ctx, &out); err != nil {
		c.logger.Warn("queueing failed", "error", err)
		return err
	}
	c.st.AfterHours = out.AfterHours
	if out.AgentID != "" {
		c.assignTo(ctx, out.AgentID)
		return nil
	}
	c.publish(ctx)
	c.sendAutomated(ctx, domain.MsgQueued)
	if out.AfterHours {
		c.sendAutomated(ctx, domain.MsgAfterHours)
	}
	return nil
}

// assignTo records an assignment the dispatcher (or a claim) made.
func (c *conversation) assignTo(ctx workflow.Context, agentID string) {
	c.st.State = domain.StateAssigned
	c.st.AgentID = agentID
	c.st.HoldsCapacity = true
	c.saveEvent(ctx, domain.EventAssignment)
	c.publish(ctx)
	c.sendAutomated(ctx, domain.MsgAgentAssigned)
}

// onAssigned handles an assignment delivered from the outbox. The
// database is the authority: a stale delivery (the conversation moved on,
// or was transferred since) is checked and ignored.
func (c *conversation) onAssigned(ctx workflow.Context, s AssignedSignal) {
	if s.ConversationID != c.st.ConversationID || c.st.State != domain.StateQueued || c.closeReq != nil {
		return
	}
	var cur string
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), a.CurrentAgent, c.st.ConversationID).Get(ctx, &cur); err != nil {
		c.logger.Warn("checking an assignment failed", "error", err)
		return
	}
	if cur == s.AgentID {
		c.assignTo(ctx, cur)
	}
}

func (c *conversation) validateAccept(ctx workflow.Context, req AcceptRequest) error {
	switch {
	case req.AgentID == "":
		return appError(domain.CodeInvalid, "agent_id is required")
	case c.st.State == domain.StateClosed || c.closeReq != nil:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case c.st.State == domain.StateAssigned && c.st.AgentID == req.AgentID:
		return appError(domain.CodeConflict, "you already have this conversation")
	case c.st.State != domain.StateQueued || c.st.QueueID == "":
		return appError(domain.CodeConflict, "the conversation is not waiting in a queue (it is "+c.st.State+")")
	}
	return nil
}

// accept lets an agent take a queued conversation: the first accept wins,
// the others get CONFLICT from the dispatcher's lock.
func (c *conversation) accept(ctx workflow.Context, req AcceptRequest) (ConversationState, error) {
	in := activities.ClaimInput{ConversationID: c.st.ConversationID, AgentID: req.AgentID}
	if err := workflow.ExecuteActivity(distributionCtx(ctx), a.Claim, in).Get(ctx, nil); err != nil {
		return c.st, domainError(err)
	}
	if c.st.State == domain.StateQueued {
		c.assignTo(ctx, req.AgentID)
	}
	return c.st, nil
}

func (c *conversation) validateTransfer(ctx workflow.Context, t TransferRequest) error {
	switch {
	case (t.QueueID == "") == (t.AgentID == ""):
		return appError(domain.CodeInvalid, "give either queue_id or agent_id")
	case c.st.State == domain.StateClosed || c.closeReq != nil ||
		c.st.State == domain.StateWrapUp || c.st.State == domain.StateSurvey:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case c.workstream() == nil:
		return appError(domain.CodeConflict, "the number has no workstream: there is nothing to transfer to")
	case t.AgentID != "" && t.AgentID == c.st.AgentID:
		return appError(domain.CodeConflict, "the conversation is already with this agent")
	}
	return nil
}

func (c *conversation) transferUpdate(ctx workflow.Context, t TransferRequest) (ConversationState, error) {
	if err := c.transfer(ctx, t); err != nil {
		return c.st, err
	}
	return c.st, nil
}

// transfer moves the conversation to another queue (re-routed with the
// skills and priority the rules give that queue) or to a named agent.
func (c *conversation) transfer(ctx workflow.Context, t TransferRequest) error {
	if err := c.validateTransfer(ctx, t); err != nil {
		return err
	}
	by := t.By
	if by == "" {
		by = "operator"
	}
	before := c.st
	c.st.BotActive = false
	if t.QueueID != "" {
		r := &domain.Routing{QueueID: t.QueueID, By: "transfer:" + by, Reason: "transferred to another queue by " + by}
		if t.Reason != "" {
			r.Reason += ": " + t.Reason
		}
		for _, rule := range c.settings.Rules {
			if rule.QueueID == t.QueueID {
				r.Skills, r.Priority = rule.Skills, rule.Priority
				r.Reason += "; skills of rule \"" + rule.Name + "\""
				break
			}
		}
		if err := c.enqueue(ctx, r); err != nil {
			// The dispatcher refused it (an unknown queue, say) in one
			// transaction that changed nothing: neither does the transfer.
			c.st = before
			c.save(ctx)
			return domainError(err)
		}
		return nil
	}
	in := activities.ClaimInput{ConversationID: c.st.ConversationID, AgentID: t.AgentID}
	if err := workflow.ExecuteActivity(distributionCtx(ctx), a.AssignTo, in).Get(ctx, nil); err != nil {
		return domainError(err)
	}
	prev := c.st.Routing
	r := &domain.Routing{QueueID: c.st.QueueID, By: "transfer:" + by, Reason: "transferred to an agent by " + by}
	if prev != nil {
		r.Skills, r.Priority = prev.Skills, prev.Priority
	}
	c.st.Routing = r
	c.assignTo(ctx, t.AgentID)
	return nil
}

// domainError keeps a refusal's domain code for the caller of an update.
func domainError(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if _, ok := httpCodes[domain.Code(appErr.Type())]; ok {
			return appError(domain.Code(appErr.Type()), appErr.Message())
		}
	}
	return err
}

var httpCodes = map[domain.Code]bool{
	domain.CodeConflict: true, domain.CodeNotFound: true, domain.CodeInvalid: true,
}
