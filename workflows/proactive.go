package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// startProactive opens a conversation the business starts with a template.
// It is template_only unless the customer's window with this number is
// still open from an earlier conversation; the bot is skipped, and the
// conversation goes to the requesting agent (or is routed to the default
// queue when no agent is named or the agent cannot take it).
func (c *conversation) startProactive(ctx workflow.Context, p ProactiveStart) {
	c.st.BotActive = false
	var w activities.Window
	in := activities.WindowInput{NumberID: c.st.NumberID, CustomerE164: c.st.CustomerE164}
	if err := durably(ctx, a.LastWindow, in, &w); err != nil {
		c.logger.Error("reading the customer's last window was refused", "error", err)
	}
	if w.ExpiresAt.After(workflow.Now(ctx)) {
		c.st.WindowExpiresAt = w.ExpiresAt
		c.st.LastCustomerMessageAt = w.LastCustomerMessageAt
		c.st.Mode = domain.ModeSession
		c.st.ModeReason = "window_from_earlier_conversation"
	}
	c.save(ctx)
	if p.AgentID != "" && c.workstream() != nil {
		queue := ""
		if ws := c.workstream(); ws.DefaultQueueID != nil {
			queue = *ws.DefaultQueueID
		}
		c.st.Routing = &domain.Routing{QueueID: queue, By: "proactive:" + p.By, Reason: "started by " + p.By + " with a template"}
		c.st.QueueID = queue
		in := activities.ClaimInput{ConversationID: c.st.ConversationID, AgentID: p.AgentID}
		err := workflow.ExecuteActivity(patientCtx(ctx), a.AssignTo, in).Get(ctx, nil)
		if err == nil {
			c.assignTo(ctx, p.AgentID)
			return
		}
		c.logger.Warn("the requesting agent cannot take the conversation; routing it", "error", err)
	}
	c.route(ctx, domain.InboundMessage{})
}
