package legacy

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// keepWindow enforces the 24-hour session rule with one lazy timer: a new
// customer message only moves the deadline; the timer is never cancelled,
// and when it fires before the (moved) deadline it sleeps the remainder.
func (c *conversation) keepWindow(ctx workflow.Context) {
	lead := warningLead(c.window)
	for {
		_ = workflow.Await(ctx, func() bool {
			return c.st.Mode == domain.ModeSession || c.st.State == domain.StateClosed
		})
		if c.st.State == domain.StateClosed {
			return
		}
		now := workflow.Now(ctx)
		deadline := c.st.WindowExpiresAt
		if !c.st.WarnedFor.Equal(deadline) && now.Before(deadline) {
			if warnAt := deadline.Add(-lead); now.Before(warnAt) {
				if err := workflow.Sleep(ctx, warnAt.Sub(now)); err != nil {
					return
				}
				continue
			}
			c.st.WarnedFor = deadline
			if c.st.AgentID != "" {
				c.saveEvent(ctx, domain.EventWindowWarning)
			}
			continue
		}
		if remaining := deadline.Sub(now); remaining > 0 {
			if err := workflow.Sleep(ctx, remaining); err != nil {
				return
			}
			continue
		}
		c.toTemplateOnly(ctx, domain.ModeReasonWindowExpired)
		c.publish(ctx)
	}
}

// warningLead is how long before the window closes the agent is warned:
// two hours of WhatsApp's 24, scaled down for the short windows of tests.
func warningLead(window time.Duration) time.Duration {
	if window >= 4*time.Hour {
		return 2 * time.Hour
	}
	return window / 12
}

// toTemplateOnly closes the session: from now on only approved templates go
// out, until the customer writes again.
func (c *conversation) toTemplateOnly(ctx workflow.Context, reason string) {
	if c.st.Mode == domain.ModeTemplateOnly || c.st.State == domain.StateClosed {
		return
	}
	c.st.Mode = domain.ModeTemplateOnly
	c.st.ModeReason = reason
	c.logger.Info("session window closed", "reason", reason)
	// Counted through the SDK's metrics handler, which skips replays; the
	// worker exports it on /metrics with the reason label only.
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"reason": reason}).Counter(domain.WindowExpiriesMetric).Inc(1)
	c.saveEvent(ctx, domain.EventWindowClosed)
}
