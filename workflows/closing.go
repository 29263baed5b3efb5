package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// Close reasons the workflow itself gives.
const (
	// ReasonChannelDeleted closes the conversations of a removed account or number.
	ReasonChannelDeleted = "channel_deleted"
	// ReasonCancelled: an operator requested cancellation (Temporal UI).
	ReasonCancelled = "cancelled"
)

// ReasonCustomerErased closes the conversations of a customer whose data is
// being erased (GDPR article 17): nothing more is sent to them (no closed
// message, no survey) and no wrap-up keeps the conversation open.
const ReasonCustomerErased = "customer_erased"

func (c *conversation) validateClose(ctx workflow.Context, req CloseRequest) error {
	return c.checkClose()
}

func (c *conversation) checkClose() error {
	if !c.takesWork() {
		return appError(domain.CodeConversationClosed, "the conversation is already closed")
	}
	return nil
}

// closeUpdate asks the conversation to close; the closing sequence (wrap-up,
// survey) runs in the main loop after the update returns.
func (c *conversation) closeUpdate(ctx workflow.Context, req CloseRequest) (ConversationState, error) {
	return c.ask(ctx, &call{close: &req})
}

// closeConversation runs the closing sequence: the closed message, wrap-up
// (the agent's capacity stays held for the workstream's wrap-up time), the
// survey when enabled (as free text while the window is open, as the
// survey's template once it has closed), then closed. A customer
// message during the sequence that is not a survey answer opens the next
// conversation; capacity still held then is released at its time by this
// run or, if it ends first, by the next one.
func (c *conversation) closeConversation(ctx workflow.Context) error {
	req := *c.closeReq
	c.st.CloseReason, c.st.ClosedBy, c.st.CloseNotes = req.Reason, req.By, req.Notes
	c.st.BotActive = false
	c.slaResolved(ctx)
	c.followupsClosed(ctx, req.Reason)
	c.logger.Info("conversation closing", "reason", req.Reason, "by", req.By)
	// A deleted channel has no sender left to write with; an erased
	// customer is not written to again.
	talk := req.Reason != ReasonChannelDeleted && req.Reason != ReasonCustomerErased
	if talk {
		c.sendAutomated(ctx, domain.MsgConversationClosed)
	}

	ws := c.workstream()
	var wrapUp time.Duration
	if ws != nil && req.Reason != ReasonCustomerErased {
		wrapUp = ws.WrapUp.D()
	}
	// Any conversation that was ever queued is released: the dispatcher may
	// have assigned it in the instant before this close.
	mustRelease := c.st.QueueID != ""
	releaseAt := workflow.Now(ctx)
	if mustRelease && c.st.HoldsCapacity && wrapUp > 0 {
		c.setState(StateWrapUp)
		releaseAt = releaseAt.Add(wrapUp)
	} else if mustRelease {
		c.release(ctx, c.st.ConversationID)
		mustRelease = false
	}
	c.save(ctx)
	c.publish(ctx)

	if talk && ws != nil && ws.Survey != nil && ws.Survey.Enabled {
		switch {
		case c.st.Mode == domain.ModeSession:
			if q, ok := ws.SurveyQuestion(c.st.Language); ok {
				c.runSurvey(ctx, ws.Survey.Timeout.D(), func() {
					c.sendInternal(ctx, domain.AuthorSystem, q, nil)
				})
			}
		case ws.Survey.TemplateID != nil &&
			workflow.GetVersion(ctx, PatchSurveyTemplate, workflow.DefaultVersion, 1) == 1:
			c.runTemplateSurvey(ctx, *ws.Survey.TemplateID, ws.Survey.Timeout.D())
		}
	}
	if mustRelease && len(c.next) == 0 {
		if c.waitClosing(ctx, releaseAt, func(msgs []domain.InboundMessage) bool {
			c.next = append(c.next, msgs...)
			return true
		}) {
			c.release(ctx, c.st.ConversationID)
			mustRelease = false
		}
	}
	if mustRelease {
		r := PendingRelease{ConversationID: c.st.ConversationID, At: releaseAt}
		c.st.PendingReleases = append(c.st.PendingReleases, r)
		c.releaseLater(r)
	}
	c.setState(StateClosed)
	c.st.HoldsCapacity = false
	c.saveEvent(ctx, domain.EventConversationClosed)
	c.publish(ctx)
	return nil
}

// runTemplateSurvey is the survey of a conversation that closes after its
// 24-hour window did (PatchSurveyTemplate): the question goes as the
// workstream's approved template, read as it is now; the customer's answer
// reopens the window and is scored like any survey answer. A template that
// cannot be sent any more (deleted, no longer approved) skips the survey,
// as before the patch.
func (c *conversation) runTemplateSurvey(ctx workflow.Context, templateID string, timeout time.Duration) {
	var t activities.SurveyTemplate
	in := activities.SurveyTemplateInput{TemplateID: templateID, Language: c.st.Language}
	if err := durably(ctx, a.LoadSurveyTemplate, in, &t); err != nil || t.Template == nil {
		c.logger.Warn("no survey: its template cannot be sent", "template_id", templateID, "skipped", t.Skipped, "error", err)
		return
	}
	c.runSurvey(ctx, timeout, func() {
		req := SendRequest{MessageID: c.newMessageID(), ConversationID: c.st.ConversationID, Author: domain.AuthorSystem,
			Template: t.Template, TemplateBody: t.Body}
		if _, err := c.queue(ctx, req); err != nil {
			c.logger.Error("the survey template was refused", "error", err)
		}
	})
}

// runSurvey asks for a 1–5 score (ask sends the question) and waits for it
// until the timeout. A reply that is not a score ends the survey and opens
// the next conversation.
func (c *conversation) runSurvey(ctx workflow.Context, timeout time.Duration, ask func()) {
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	c.setState(StateSurvey)
	c.save(ctx)
	c.publish(ctx)
	ask()
	c.waitClosing(ctx, workflow.Now(ctx).Add(timeout), func(msgs []domain.InboundMessage) bool {
		for i, m := range msgs {
			if slices.Contains(c.st.RecentSIDs, m.MessageSID) {
				continue
			}
			if score, ok := domain.ParseSurveyScore(m.Body); ok {
				// Scored only if it is new to the transcript: an old
				// message delivered again is not an answer.
				if added, _ := c.recordInbound(ctx, []domain.InboundMessage{m}); len(added) > 0 {
					c.st.SurveyScore = score
					c.sendAutomated(ctx, domain.MsgSurveyThanks)
				}
				c.next = append(c.next, msgs[i+1:]...)
			} else {
				c.next = append(c.next, msgs[i:]...)
			}
			return true
		}
		return false
	})
}

// waitClosing waits until t while the conversation closes, applying the
// events that come meanwhile (refused: the conversation is closing) and
// giving customer messages to onInbound, which ends the wait by returning
// true. It reports whether t was reached.
func (c *conversation) waitClosing(ctx workflow.Context, t time.Time, onInbound func([]domain.InboundMessage) bool) bool {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	reached := false
	workflow.Go(tctx, func(ctx workflow.Context) { reached = timer.Get(ctx, nil) == nil })
	for {
		_ = workflow.Await(ctx, func() bool { return reached || c.hasWork() })
		if reached && !c.hasWork() {
			return true
		}
		for {
			ev, ok := c.nextEvent(ctx)
			if !ok {
				break
			}
			if ev.inbound != nil {
				if onInbound(ev.inbound) {
					return false
				}
				continue
			}
			c.apply(ctx, ev)
		}
	}
}

// release frees the agent capacity a conversation holds, retrying until
// the dispatcher answers.
func (c *conversation) release(ctx workflow.Context, conversationID string) {
	if err := workflow.ExecuteActivity(patientCtx(ctx), a.Release, conversationID).Get(ctx, nil); err != nil {
		c.logger.Error("releasing agent capacity was refused", "error", err)
	}
}

// releaseLater frees a closed conversation's capacity when its wrap-up
// ends. The release stays in the state until done, so continue-as-new and
// the next conversation carry it, and a run that would end before it
// waits for it (finish).
func (c *conversation) releaseLater(r PendingRelease) {
	c.releasing++
	workflow.Go(c.bg, func(ctx workflow.Context) {
		if d := r.At.Sub(workflow.Now(ctx)); d > 0 {
			_ = workflow.Sleep(ctx, d)
		}
		c.release(ctx, r.ConversationID)
		c.st.PendingReleases = slices.DeleteFunc(c.st.PendingReleases, func(p PendingRelease) bool {
			return p.ConversationID == r.ConversationID
		})
		c.releasing--
	})
}
