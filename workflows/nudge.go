package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// The window nudge (issue 18, part 5; patch window-nudge-1): when the
// customer's last message is still unanswered and the 24-hour window
// closes within the workstream's window_nudge.before, the conversation
// sends the customer window_nudge.text, as free text while that is still
// allowed, once per customer message. The agent's warning (window.go) is
// separate and unchanged.

// windowNudge is the workstream's nudge (nil: none).
func (c *conversation) windowNudge() *domain.WindowNudge {
	if ws := c.workstream(); ws != nil {
		return ws.WindowNudge
	}
	return nil
}

// keepNudge is the nudge's one lazy timer, as the window's: a new customer
// message only moves the moment. A conversation whose workstream has no
// nudge asks for no patch and issues no command, so histories recorded
// before it replay unchanged.
func (c *conversation) keepNudge(ctx workflow.Context) {
	if c.windowNudge() == nil {
		return
	}
	if workflow.GetVersion(ctx, PatchWindowNudge, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	c.nudgeOn = true
	c.keepLazyTimer(ctx, c.nextNudge, func(at time.Time) { c.events = append(c.events, event{nudgeDue: at}) })
}

// nextNudge is when the customer is to be nudged (zero: not to be).
func (c *conversation) nextNudge() time.Time {
	n := c.windowNudge()
	last := c.st.LastCustomerMessageAt
	switch {
	case n == nil, !c.nudgeOn, !c.takesWork(), c.st.State == StateBot,
		c.st.Mode != domain.ModeSession, c.st.WindowExpiresAt.IsZero(), last.IsZero(),
		!c.st.LastAgentReplyAt.Before(last), !c.st.NudgedFor.Before(last):
		return time.Time{}
	}
	return c.st.WindowExpiresAt.Add(-n.Before.D())
}

// nudge sends the nudge that came due (the main loop's part). The customer
// message it is for counts as nudged even when the window closed first.
func (c *conversation) nudge(ctx workflow.Context, at time.Time) {
	if !c.nextNudge().Equal(at) {
		return // an agent answered, the customer wrote again, or it closed
	}
	c.st.NudgedFor = c.st.LastCustomerMessageAt
	if !c.sessionOpenAt(workflow.Now(ctx)) {
		c.logger.Info("window nudge not sent: the window closed first")
		return
	}
	c.sendInternal(ctx, domain.AuthorSystem, c.windowNudge().Text, nil)
}
