package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// keepWindow enforces the 24-hour session rule with one lazy timer: a new
// customer message only moves the deadline; the timer is never cancelled,
// and when it fires before the (moved) deadline it sleeps the remainder.
// It only tells the main loop (a warning due, the deadline passed); the
// main loop changes the conversation.
func (c *conversation) keepWindow(ctx workflow.Context) {
	lead := WarningLead(c.window)
	for {
		_ = workflow.Await(ctx, func() bool {
			return c.st.Mode == domain.ModeSession || c.st.State == StateClosed
		})
		if c.st.State == StateClosed {
			return
		}
		now := workflow.Now(ctx)
		deadline := c.st.WindowExpiresAt
		if !c.st.WarnedFor.Equal(deadline) && now.Before(deadline) {
			if warnAt := deadline.Add(-lead); now.Before(warnAt) {
				_ = workflow.Sleep(ctx, warnAt.Sub(now))
				continue
			}
			c.events = append(c.events, event{windowWarning: deadline})
			_ = workflow.Await(ctx, func() bool {
				return c.st.WarnedFor.Equal(deadline) || !c.st.WindowExpiresAt.Equal(deadline) || c.st.State == StateClosed
			})
			continue
		}
		if remaining := deadline.Sub(now); remaining > 0 {
			_ = workflow.Sleep(ctx, remaining)
			continue
		}
		c.events = append(c.events, event{windowExpired: deadline})
		_ = workflow.Await(ctx, func() bool {
			return c.st.Mode != domain.ModeSession || !c.st.WindowExpiresAt.Equal(deadline) || c.st.State == StateClosed
		})
	}
}

// warnWindow tells the agent the window closes soon (the main loop's part
// of the warning).
func (c *conversation) warnWindow(ctx workflow.Context, deadline time.Time) {
	if !c.st.WindowExpiresAt.Equal(deadline) || c.st.WarnedFor.Equal(deadline) {
		return
	}
	c.st.WarnedFor = deadline
	if c.st.AgentID != "" && c.st.State != StateClosed {
		c.saveEvent(ctx, domain.EventWindowWarning)
	}
}

// WarningLead is how long before the window closes the agent is warned:
// two hours of WhatsApp's 24, scaled down for the short windows of tests.
func WarningLead(window time.Duration) time.Duration {
	if window >= 4*time.Hour {
		return 2 * time.Hour
	}
	return window / 12
}

// toTemplateOnly closes the session: from now on only approved templates go
// out, until the customer writes again.
func (c *conversation) toTemplateOnly(ctx workflow.Context, reason string) {
	if c.st.Mode == domain.ModeTemplateOnly || c.st.State == StateClosed {
		return
	}
	c.st.Mode = domain.ModeTemplateOnly
	c.st.ModeReason = reason
	c.logger.Info("session window closed", "reason", reason)
	// Counted through the SDK's metrics handler, which skips replays; the
	// worker exports it on /metrics with the reason label only.
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"reason": reason}).Counter(domain.WindowExpiriesMetric).Inc(1)
	c.saveEvent(ctx, domain.EventWindowClosed)
	c.publish(ctx)
}
