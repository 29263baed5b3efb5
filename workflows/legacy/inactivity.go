package legacy

import (
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// keepInactivity closes a conversation nobody wrote in for the workstream's
// inactivity timeout, with the same lazy timer as the window: activity
// moves the deadline, the timer is never cancelled.
func (c *conversation) keepInactivity(ctx workflow.Context) {
	ws := c.workstream()
	if ws == nil || ws.InactivityTimeout <= 0 {
		return
	}
	timeout := ws.InactivityTimeout.D()
	for c.closeReq == nil && c.st.State != domain.StateClosed {
		if remaining := c.st.LastActivityAt.Add(timeout).Sub(workflow.Now(ctx)); remaining > 0 {
			if err := workflow.Sleep(ctx, remaining); err != nil {
				return
			}
			continue
		}
		c.requestClose(CloseRequest{Reason: "inactivity", By: "system"})
		c.wake.SendAsync(true)
		return
	}
}
