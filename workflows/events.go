package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// event is one thing the main loop must act on. Signals become events when
// the loop collects them; update handlers and the conversation's own
// goroutines (window, inactivity, sender) append events directly. Exactly
// one field is set.
type event struct {
	inbound  []domain.InboundMessage
	close    *CloseRequest
	transfer *TransferRequest // the `transfer` signal (no answer)
	assigned *AssignedSignal
	delivery *DeliveryUpdate
	call     *call
	// windowWarning is the deadline to warn the agent about.
	windowWarning time.Time
	// windowExpired is the deadline that passed.
	windowExpired time.Time
	// inactiveSince is the last activity the inactivity timeout counted from.
	inactiveSince time.Time
	// twilioWindowClosed: Twilio refused a free-form message with 63016.
	twilioWindowClosed bool
	// slaDue is the service-level moment (a warning, a deadline) that came.
	slaDue time.Time
	// slaReply is when an agent replied (for the service levels).
	slaReply time.Time
	// followupDue is the send_at of a follow-up that came.
	followupDue time.Time
	// nudgeDue is the moment of a window nudge that came.
	nudgeDue time.Time
}

// closesWindow: Twilio said 63016, by a status callback or by refusing a
// send; the conversation turns template_only when the loop applies it.
func (ev event) closesWindow() bool {
	return ev.twilioWindowClosed || (ev.delivery != nil && ev.delivery.ErrorCode == twilioWindowClosed)
}

// call is an update (accept, transfer, close, note) waiting for the main loop's
// answer; its handler waits for done.
type call struct {
	accept   *AcceptRequest
	transfer *TransferRequest
	close    *CloseRequest
	note     *NoteRequest
	schedule *ScheduleRequest
	// cancelScheduled cancels a follow-up.
	cancelScheduled *CancelScheduledRequest
	done            bool
	// scheduled is a follow-up update's answer.
	scheduled ScheduledMessage
	// message is a note's answer: the stored note.
	message domain.Message
	state   ConversationState
	err     error
}

// ask hands a call to the main loop and waits for its answer.
func (c *conversation) ask(ctx workflow.Context, cl *call) (ConversationState, error) {
	c.events = append(c.events, event{call: cl})
	if err := workflow.Await(ctx, func() bool { return cl.done }); err != nil {
		return c.st, err
	}
	return cl.state, cl.err
}

// hasWork reports whether an event or a signal waits for the main loop.
func (c *conversation) hasWork() bool {
	return len(c.events) > 0 || c.inbound.Len() > 0 || c.delivery.Len() > 0 || c.closeCh.Len() > 0 ||
		c.transferCh.Len() > 0 || c.assignedCh.Len() > 0
}

// collect turns the signals received so far into events. A burst of
// customer messages becomes one event, recorded in one database write.
func (c *conversation) collect(ctx workflow.Context) {
	if msgs := drain[domain.InboundMessage](ctx, c.inbound); len(msgs) > 0 {
		c.events = append(c.events, event{inbound: msgs})
	}
	for _, d := range drain[DeliveryUpdate](ctx, c.delivery) {
		c.events = append(c.events, event{delivery: &d})
	}
	for _, s := range drain[AssignedSignal](ctx, c.assignedCh) {
		c.events = append(c.events, event{assigned: &s})
	}
	for _, t := range drain[TransferRequest](ctx, c.transferCh) {
		c.events = append(c.events, event{transfer: &t})
	}
	for _, r := range drain[CloseRequest](ctx, c.closeCh) {
		c.events = append(c.events, event{close: &r})
	}
}

// next takes the oldest event, collecting signals first when none waits.
func (c *conversation) nextEvent(ctx workflow.Context) (event, bool) {
	if len(c.events) == 0 {
		c.collect(ctx)
	}
	if len(c.events) == 0 {
		return event{}, false
	}
	ev := c.events[0]
	c.events = c.events[1:]
	return ev, true
}

// step applies every event that is waiting, oldest first.
func (c *conversation) step(ctx workflow.Context) {
	for {
		ev, ok := c.nextEvent(ctx)
		if !ok {
			return
		}
		c.apply(ctx, ev)
	}
}

// apply acts on one event. Once the conversation is closing, customer
// messages go to the next conversation, and transfers, accepts and closes
// are refused: the answer an update's caller gets says so.
func (c *conversation) apply(ctx workflow.Context, ev event) {
	switch {
	case ev.inbound != nil:
		if c.takesWork() {
			c.handleInbound(ctx, ev.inbound)
		} else {
			c.next = append(c.next, ev.inbound...)
		}
	case ev.close != nil:
		c.requestClose(*ev.close)
	case ev.transfer != nil:
		if err := c.checkTransfer(*ev.transfer); err != nil {
			c.logger.Warn("transfer signal refused", "error", err)
		} else if err := c.transfer(ctx, *ev.transfer); err != nil {
			c.logger.Warn("transfer signal refused", "error", err)
		}
	case ev.assigned != nil:
		c.onAssigned(ctx, *ev.assigned)
	case ev.closesWindow():
		c.toTemplateOnly(ctx, domain.ModeReasonTwilio63016)
	case ev.delivery != nil:
		// Other statuses are the database's and the agents' business.
	case !ev.windowWarning.IsZero():
		c.warnWindow(ctx, ev.windowWarning)
	case !ev.windowExpired.IsZero():
		if c.st.Mode == domain.ModeSession && !workflow.Now(ctx).Before(c.st.WindowExpiresAt) {
			c.toTemplateOnly(ctx, domain.ModeReasonWindowExpired)
		}
	case !ev.inactiveSince.IsZero():
		if c.st.LastActivityAt.Equal(ev.inactiveSince) {
			c.requestClose(CloseRequest{Reason: "inactivity", By: "system"})
		}
	case ev.call != nil:
		c.answer(ctx, ev.call)
	case !ev.slaDue.IsZero():
		c.slaCheck(ctx)
	case !ev.slaReply.IsZero():
		c.slaReplied(ctx, ev.slaReply)
	case !ev.followupDue.IsZero():
		c.sendDueFollowups(ctx)
		c.publish(ctx)
	case !ev.nudgeDue.IsZero():
		c.nudge(ctx, ev.nudgeDue)
	}
}

// answer runs an update's call and records its answer.
func (c *conversation) answer(ctx workflow.Context, cl *call) {
	defer func() { cl.done, cl.state = true, c.st }()
	switch {
	case cl.accept != nil:
		if cl.err = c.checkAccept(*cl.accept); cl.err == nil {
			cl.err = c.accept(ctx, *cl.accept)
		}
	case cl.transfer != nil:
		if cl.err = c.checkTransfer(*cl.transfer); cl.err == nil {
			cl.err = c.transfer(ctx, *cl.transfer)
		}
	case cl.close != nil:
		if cl.err = c.checkClose(); cl.err == nil {
			c.requestClose(*cl.close)
		}
	case cl.note != nil:
		cl.message, cl.err = c.writeNote(ctx, *cl.note)
	case cl.schedule != nil:
		cl.scheduled, cl.err = c.schedule(ctx, *cl.schedule)
	case cl.cancelScheduled != nil:
		cl.scheduled, cl.err = c.cancelScheduled(ctx, *cl.cancelScheduled)
	}
}
