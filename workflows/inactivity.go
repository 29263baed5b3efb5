package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// keepInactivity closes a conversation nobody wrote in for the workstream's
// inactivity timeout, with the same lazy timer as the window: activity
// moves the deadline, the timer is never cancelled. It tells the main loop,
// which closes the conversation if nothing happened meanwhile.
func (c *conversation) keepInactivity(ctx workflow.Context) {
	ws := c.workstream()
	if ws == nil || ws.InactivityTimeout <= 0 {
		return
	}
	timeout := ws.InactivityTimeout.D()
	for c.takesWork() {
		last := c.st.LastActivityAt
		if remaining := last.Add(timeout).Sub(workflow.Now(ctx)); remaining > 0 {
			_ = workflow.Sleep(ctx, remaining)
			continue
		}
		c.events = append(c.events, event{inactiveSince: last})
		_ = workflow.Await(ctx, func() bool { return !c.takesWork() || !c.st.LastActivityAt.Equal(last) })
	}
}
