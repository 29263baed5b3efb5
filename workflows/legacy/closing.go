package legacy

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// ReasonChannelDeleted closes the conversations of a removed account or number.
const ReasonChannelDeleted = "channel_deleted"

func (c *conversation) validateClose(ctx workflow.Context, req CloseRequest) error {
	if c.st.State == domain.StateClosed || c.closeReq != nil {
		return appError(domain.CodeConversationClosed, "the conversation is already closed")
	}
	return nil
}

// closeUpdate asks the conversation to close; the closing sequence (wrap-up,
// survey) runs in the main loop after the update returns.
func (c *conversation) closeUpdate(ctx workflow.Context, req CloseRequest) (ConversationState, error) {
	c.requestClose(req)
	c.wake.SendAsync(true)
	return c.st, nil
}

// closeConversation runs the closing sequence: the closed message, wrap-up
// (the agent's capacity stays held for the workstream's wrap-up time), the
// survey when enabled and the window is open, then closed. A customer
// message during the sequence that is not a survey answer opens the next
// conversation; capacity still held is then released by that next run.
func (c *conversation) closeConversation(ctx workflow.Context) error {
	req := *c.closeReq
	c.st.CloseReason, c.st.ClosedBy, c.st.CloseNotes = req.Reason, req.By, req.Notes
	c.st.BotActive = false
	c.logger.Info("conversation closing", "reason", req.Reason, "by", req.By)
	// A deleted channel has no sender left to write with.
	talk := req.Reason != ReasonChannelDeleted
	if talk {
		c.sendAutomated(ctx, domain.MsgConversationClosed)
	}

	ws := c.workstream()
	var wrapUp time.Duration
	if ws != nil {
		wrapUp = ws.WrapUp.D()
	}
	// Any conversation that was ever queued is released: the dispatcher may
	// have assigned it in the instant before this close.
	mustRelease := c.st.QueueID != ""
	releaseAt := workflow.Now(ctx)
	if mustRelease && c.st.HoldsCapacity && wrapUp > 0 {
		c.st.State = domain.StateWrapUp
		releaseAt = releaseAt.Add(wrapUp)
	} else if mustRelease {
		c.release(ctx, c.st.ConversationID)
		mustRelease = false
	}
	c.save(ctx)
	c.publish(ctx)

	if talk && ws != nil && ws.Survey != nil && ws.Survey.Enabled && c.st.Mode == domain.ModeSession {
		if q, ok := ws.SurveyQuestion(c.st.Language); ok {
			c.runSurvey(ctx, q, ws.Survey.Timeout.D())
		}
	}
	released := !mustRelease
	if mustRelease && len(c.next) == 0 {
		released = c.waitUntil(ctx, releaseAt)
		if released {
			c.release(ctx, c.st.ConversationID)
		}
	}
	c.st.State = domain.StateClosed
	c.st.HoldsCapacity = false
	c.saveEvent(ctx, domain.EventConversationClosed)
	c.publish(ctx)
	if !released {
		_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		c.next = append(c.next, drain[domain.InboundMessage](ctx, c.inbound)...)
		return c.startNext(ctx, &PendingRelease{ConversationID: c.st.ConversationID, At: releaseAt})
	}
	return nil
}

// runSurvey asks for a 1–5 score and waits for it until the timeout. A
// reply that is not a score ends the survey and opens the next conversation.
func (c *conversation) runSurvey(ctx workflow.Context, question string, timeout time.Duration) {
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	c.st.State = domain.StateSurvey
	c.save(ctx)
	c.publish(ctx)
	c.sendInternal(ctx, domain.AuthorSystem, question, nil)

	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, timeout)
	for done := false; !done; {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { done = true })
		sel.AddReceive(c.inbound, func(ch workflow.ReceiveChannel, _ bool) {
			msgs := drain[domain.InboundMessage](ctx, ch)
			for i, m := range msgs {
				if slices.Contains(c.st.RecentSIDs, m.MessageSID) {
					continue
				}
				if score, ok := domain.ParseSurveyScore(m.Body); ok {
					c.recordInbound(ctx, []domain.InboundMessage{m})
					c.st.SurveyScore = score
					c.sendAutomated(ctx, domain.MsgSurveyThanks)
					c.next = append(c.next, msgs[i+1:]...)
				} else {
					c.next = append(c.next, msgs[i:]...)
				}
				done = true
				return
			}
		})
		sel.Select(ctx)
	}
}

// waitUntil waits for t; a customer message meanwhile stops the wait (it
// goes to c.next) and waitUntil returns false.
func (c *conversation) waitUntil(ctx workflow.Context, t time.Time) bool {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	elapsed := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(timer, func(workflow.Future) { elapsed = true })
	sel.AddReceive(c.inbound, func(ch workflow.ReceiveChannel, _ bool) {
		c.next = append(c.next, drain[domain.InboundMessage](ctx, ch)...)
	})
	sel.Select(ctx)
	return elapsed
}

// release frees the agent capacity a conversation holds.
func (c *conversation) release(ctx workflow.Context, conversationID string) {
	if err := workflow.ExecuteActivity(distributionCtx(ctx), a.Release, conversationID).Get(ctx, nil); err != nil {
		c.logger.Warn("releasing agent capacity failed", "error", err)
	}
}

// releaseAt frees the previous conversation's capacity when its wrap-up ends.
func (c *conversation) releaseAt(ctx workflow.Context, r PendingRelease) {
	if d := r.At.Sub(workflow.Now(ctx)); d > 0 {
		_ = workflow.Sleep(ctx, d)
	}
	c.release(ctx, r.ConversationID)
}
