package workflows

import (
	"errors"

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
	facts := domain.RoutingFacts{
		CustomerE164:        c.st.CustomerE164,
		CustomerCountryCode: domain.CountryCode(c.st.CustomerE164),
		ProfileName:         c.st.ProfileName,
		MessageBody:         m.Body,
		ChannelE164:         c.settings.NumberE164,
		// Only rules that test message.button_payload read it: histories
		// recorded before the field existed route exactly as they did.
		ButtonPayload: m.ButtonPayload(),
		// Likewise campaign.id: "" for conversations that did not open as
		// a campaign reply, and for every history from before it.
		CampaignID: c.st.CampaignID,
	}
	d := domain.Route(c.settings.Rules, facts, def)
	// Recorded with the next save, so that a what-if can replay it.
	c.routed = &domain.RoutingInput{
		ConversationID: c.st.ConversationID, WorkstreamID: ws.ID, RulesVersion: c.st.WorkstreamVersion,
		RoutedAt: workflow.Now(ctx), Facts: facts, DefaultQueueID: def,
		RuleID: d.RuleID, RuleName: d.RuleName, QueueID: d.QueueID,
	}
	r := &domain.Routing{RuleID: d.RuleID, RuleName: d.RuleName, QueueID: d.QueueID, Skills: d.Skills, Priority: d.Priority, Reason: d.Reason}
	if r.QueueID == "" {
		r.Reason += "; the workstream has no default queue, so the conversation waits unrouted"
		c.st.Routing = r
		c.save(ctx)
		return
	}
	if err := c.enqueue(ctx, r, false); err != nil {
		c.logger.Error("queueing was refused", "error", err)
	}
}

// enqueue puts the conversation in r's queue; the dispatcher may assign
// it at once. The queued (and after-hours) messages tell the customer.
// requeue says a transfer asks for a new place in line even in the same
// queue; otherwise a conversation the dispatcher already assigned in that
// queue keeps its agent (a reset run enqueueing again, say).
func (c *conversation) enqueue(ctx workflow.Context, r *domain.Routing, requeue bool) error {
	ws := c.workstream()
	in := activities.EnqueueInput{
		ConversationID: c.st.ConversationID,
		QueueID:        r.QueueID,
		Priority:       r.Priority,
		Skills:         r.Skills,
		CapacityCost:   1,
		Distribution:   domain.DistributionPush,
		Requeue:        requeue,
	}
	if ws != nil {
		in.CapacityCost = ws.CapacityPerConversation
		in.Distribution = ws.Distribution
		in.OperatingHours = ws.OperatingHours
	}
	// The row must say "queued" before the dispatcher looks at it.
	before := c.placement()
	c.setState(StateQueued)
	c.st.Routing = r
	c.st.QueueID = r.QueueID
	c.st.AgentID = ""
	c.st.HoldsCapacity = false
	c.save(ctx)
	var out activities.EnqueueOutput
	if err := workflow.ExecuteActivity(patientCtx(ctx), a.Enqueue, in).Get(ctx, &out); err != nil {
		// The dispatcher refused it (an unknown queue, say) in one
		// transaction that changed nothing: neither does this.
		c.restorePlacement(before)
		c.save(ctx)
		return domainError(err)
	}
	c.st.AfterHours = out.AfterHours
	c.slaStart(ctx)
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

// placement is where the conversation stands in distribution.
type placement struct {
	state         State
	routing       *domain.Routing
	queueID       string
	agentID       string
	holdsCapacity bool
}

func (c *conversation) placement() placement {
	return placement{c.st.State, c.st.Routing, c.st.QueueID, c.st.AgentID, c.st.HoldsCapacity}
}

// restorePlacement undoes a move the dispatcher refused. It is the one
// state change that does not go through setState: it returns to where the
// conversation was a moment ago, which was a valid state.
func (c *conversation) restorePlacement(p placement) {
	c.st.State, c.st.Routing, c.st.QueueID, c.st.AgentID, c.st.HoldsCapacity = p.state, p.routing, p.queueID, p.agentID, p.holdsCapacity
}

// assignTo records an assignment the dispatcher (or a claim) made.
func (c *conversation) assignTo(ctx workflow.Context, agentID string) {
	c.setState(StateAssigned)
	c.st.AgentID = agentID
	c.st.HoldsCapacity = true
	c.saveEvent(ctx, domain.EventAssignment)
	c.publish(ctx)
	c.sendAutomated(ctx, domain.MsgAgentAssigned)
}

// onAssigned handles an assignment delivered from the outbox. The
// database is the authority: a stale delivery (the conversation moved on,
// or was transferred since) is checked and ignored. Either way the outbox
// row is acknowledged, only now: until then the relay delivers it again.
func (c *conversation) onAssigned(ctx workflow.Context, s AssignedSignal) {
	defer c.ackAssignment(ctx, s)
	if s.ConversationID != c.st.ConversationID || c.st.State != StateQueued || !c.takesWork() {
		return
	}
	var cur string
	if err := durably(ctx, a.CurrentAgent, c.st.ConversationID, &cur); err != nil {
		c.logger.Error("reading the current assignment was refused", "error", err)
		return
	}
	if cur == s.AgentID {
		c.assignTo(ctx, cur)
	}
}

func (c *conversation) ackAssignment(ctx workflow.Context, s AssignedSignal) {
	in := activities.AckAssignmentInput{ConversationID: s.ConversationID, AgentID: s.AgentID}
	if err := durably(ctx, a.AckAssignment, in, nil); err != nil {
		c.logger.Error("acknowledging an assignment was refused", "error", err)
	}
}

func (c *conversation) validateAccept(ctx workflow.Context, req AcceptRequest) error {
	return c.checkAccept(req)
}

// checkAccept is the accept update's validator, checked again when the
// main loop runs the accept (the conversation may have moved meanwhile).
func (c *conversation) checkAccept(req AcceptRequest) error {
	switch {
	case req.AgentID == "":
		return appError(domain.CodeInvalid, "agent_id is required")
	case !c.takesWork():
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case c.st.State == StateAssigned && c.st.AgentID == req.AgentID:
		return appError(domain.CodeConflict, "you already have this conversation")
	case c.st.State != StateQueued || c.st.QueueID == "":
		return appError(domain.CodeConflict, "the conversation is not waiting in a queue (it is "+string(c.st.State)+")")
	}
	return nil
}

func (c *conversation) acceptUpdate(ctx workflow.Context, req AcceptRequest) (ConversationState, error) {
	return c.ask(ctx, &call{accept: &req})
}

// accept lets an agent take a queued conversation: the first accept wins,
// the others get CONFLICT from the dispatcher's lock.
func (c *conversation) accept(ctx workflow.Context, req AcceptRequest) error {
	in := activities.ClaimInput{ConversationID: c.st.ConversationID, AgentID: req.AgentID}
	if err := workflow.ExecuteActivity(patientCtx(ctx), a.Claim, in).Get(ctx, nil); err != nil {
		return domainError(err)
	}
	c.assignTo(ctx, req.AgentID)
	return nil
}

func (c *conversation) validateTransfer(ctx workflow.Context, t TransferRequest) error {
	return c.checkTransfer(t)
}

func (c *conversation) checkTransfer(t TransferRequest) error {
	switch {
	case (t.QueueID == "") == (t.AgentID == ""):
		return appError(domain.CodeInvalid, "give either queue_id or agent_id")
	case !c.takesWork() || c.st.State == StateWrapUp || c.st.State == StateSurvey:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case c.workstream() == nil:
		return appError(domain.CodeConflict, "the number has no workstream: there is nothing to transfer to")
	case t.AgentID != "" && t.AgentID == c.st.AgentID:
		return appError(domain.CodeConflict, "the conversation is already with this agent")
	}
	return nil
}

func (c *conversation) transferUpdate(ctx workflow.Context, t TransferRequest) (ConversationState, error) {
	return c.ask(ctx, &call{transfer: &t})
}

// transfer moves the conversation to another queue (re-routed with the
// skills and priority the rules give that queue) or to a named agent.
func (c *conversation) transfer(ctx workflow.Context, t TransferRequest) error {
	by := t.By
	if by == "" {
		by = "operator"
	}
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
		return c.enqueue(ctx, r, true)
	}
	in := activities.ClaimInput{ConversationID: c.st.ConversationID, AgentID: t.AgentID}
	if err := workflow.ExecuteActivity(patientCtx(ctx), a.AssignTo, in).Get(ctx, nil); err != nil {
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
		switch code := domain.Code(appErr.Type()); code {
		case domain.CodeConflict, domain.CodeNotFound, domain.CodeInvalid:
			return appError(code, appErr.Message())
		}
	}
	return err
}
