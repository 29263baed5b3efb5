package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// keepWindow enforces the 24-hour session rule with one lazy timer: a new
// customer message only moves the deadline; the timer is never cancelled,
// and when it fires before the (moved) deadline it sleeps the remainder.
func (c *conversation) keepWindow(ctx workflow.Context) {
	for {
		_ = workflow.Await(ctx, func() bool {
			return c.st.Mode == domain.ModeSession || c.st.State == domain.StateClosed
		})
		if c.st.State == domain.StateClosed {
			return
		}
		if remaining := c.st.WindowExpiresAt.Sub(workflow.Now(ctx)); remaining > 0 {
			if err := workflow.Sleep(ctx, remaining); err != nil {
				return
			}
			continue
		}
		c.toTemplateOnly(ctx, "window_expired")
		c.publish(ctx)
	}
}

// WindowExpiriesMetric counts sessions turned template_only, by reason
// (window_expired, twilio_63016); internal/metrics declares the same name.
const WindowExpiriesMetric = "switchboard_window_expiries_total"

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
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"reason": reason}).Counter(WindowExpiriesMetric).Inc(1)
	c.save(ctx)
}
