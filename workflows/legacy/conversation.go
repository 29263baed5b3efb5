package legacy

import (
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// a is the nil receiver through which workflows name activities.
var a *activities.Activities

const recentSIDLimit = 64

// Conversation is the conversation workflow.
func Conversation(ctx workflow.Context, in ConversationInput) error {
	c := newConversation(ctx, in)
	if err := c.setup(ctx); err != nil {
		return err
	}
	return c.run(ctx)
}

type conversation struct {
	in         ConversationInput
	st         ConversationState
	settings   activities.ConversationSettings
	window     time.Duration
	logger     log.Logger
	inbound    workflow.ReceiveChannel
	delivery   workflow.ReceiveChannel
	closeCh    workflow.ReceiveChannel
	transferCh workflow.ReceiveChannel
	assignedCh workflow.ReceiveChannel
	// wake lets timers running in goroutines (inactivity) stop the main loop's wait.
	wake workflow.Channel
	// closeReq is set by the close signal, update or inactivity; the main
	// loop runs the closing sequence once.
	closeReq *CloseRequest
	// next holds inbound messages that arrived after close: they start the next conversation.
	next []domain.InboundMessage
	// starting is true while a proactive start assigns the conversation: the
	// `send` that came with the start (update-with-start) waits for it.
	starting bool
}

func newConversation(ctx workflow.Context, in ConversationInput) *conversation {
	c := &conversation{in: in, window: in.SessionWindow, logger: workflow.GetLogger(ctx)}
	c.starting = in.Proactive != nil && in.State == nil
	if c.window <= 0 {
		c.window = domain.DefaultSessionWindow
	}
	if in.Settings != nil {
		c.settings = *in.Settings
	}
	info := workflow.GetInfo(ctx)
	if in.State != nil {
		c.st = *in.State
		c.st.Runs++
	} else {
		now := workflow.Now(ctx)
		c.st = ConversationState{
			ConversationID: conversationIDFor(info.WorkflowExecution.RunID),
			WorkflowID:     info.WorkflowExecution.ID,
			AccountID:      in.AccountID,
			NumberID:       in.NumberID,
			CustomerE164:   in.CustomerE164,
			State:          domain.StateQueued,
			Mode:           domain.ModeTemplateOnly,
			StartedAt:      now,
			LastActivityAt: now,
		}
	}
	c.inbound = workflow.GetSignalChannel(ctx, SignalInbound)
	c.delivery = workflow.GetSignalChannel(ctx, SignalDelivery)
	c.closeCh = workflow.GetSignalChannel(ctx, SignalClose)
	c.transferCh = workflow.GetSignalChannel(ctx, SignalTransfer)
	c.assignedCh = workflow.GetSignalChannel(ctx, SignalAssigned)
	c.wake = workflow.NewBufferedChannel(ctx, 1)
	return c
}

func (c *conversation) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (ConversationState, error) {
		return c.st, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSend, c.send, workflow.UpdateHandlerOptions{
		Validator: c.validateSend,
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAccept, c.accept, workflow.UpdateHandlerOptions{
		Validator: c.validateAccept,
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTransfer, c.transferUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateTransfer,
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateClose, c.closeUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateClose,
	})
}

func (c *conversation) run(ctx workflow.Context) error {
	if c.in.State == nil {
		c.loadSettings(ctx)
		if c.in.Proactive != nil {
			c.startProactive(ctx, *c.in.Proactive)
			c.starting = false
		} else if !c.opensWithCustomerMessage() {
			// A fresh conversation is stored before anything else happens
			// to it (when a customer message opened it, recording that
			// message next stores it).
			c.save(ctx)
		}
	}
	if r := c.in.ReleaseLater; r != nil {
		workflow.Go(ctx, func(ctx workflow.Context) { c.releaseAt(ctx, *r) })
	}
	if len(c.in.Pending) > 0 {
		c.handleInbound(ctx, c.in.Pending)
	}
	if !c.opensWithCustomerMessage() { // else the loop publishes once it is recorded
		c.publish(ctx)
	}
	workflow.Go(ctx, c.keepWindow)
	workflow.Go(ctx, c.keepInactivity)

	for c.st.State != domain.StateClosed {
		if c.closeReq != nil {
			if err := c.closeConversation(ctx); err != nil {
				return err
			}
			break
		}
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(c.inbound, func(ch workflow.ReceiveChannel, _ bool) {
			c.handleInbound(ctx, drain[domain.InboundMessage](ctx, ch))
		})
		sel.AddReceive(c.delivery, func(ch workflow.ReceiveChannel, _ bool) {
			for _, d := range drain[DeliveryUpdate](ctx, ch) {
				c.onDelivery(ctx, d)
			}
		})
		sel.AddReceive(c.closeCh, func(ch workflow.ReceiveChannel, _ bool) {
			c.requestClose(drain[CloseRequest](ctx, ch)[0])
		})
		sel.AddReceive(c.transferCh, func(ch workflow.ReceiveChannel, _ bool) {
			for _, t := range drain[TransferRequest](ctx, ch) {
				if err := c.transfer(ctx, t); err != nil {
					c.logger.Warn("transfer signal refused", "error", err)
				}
			}
		})
		sel.AddReceive(c.assignedCh, func(ch workflow.ReceiveChannel, _ bool) {
			for _, s := range drain[AssignedSignal](ctx, ch) {
				c.onAssigned(ctx, s)
			}
		})
		sel.AddReceive(c.wake, func(ch workflow.ReceiveChannel, _ bool) { drain[bool](ctx, ch) })
		sel.Select(ctx)
		c.publish(ctx)
		if c.closeReq == nil && c.st.State != domain.StateClosed && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return c.continueAsNew(ctx)
		}
	}
	return c.finish(ctx)
}

// loadSettings snapshots the number's workstream and routing rules.
func (c *conversation) loadSettings(ctx workflow.Context) {
	var s activities.ConversationSettings
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), a.LoadSettings, c.st.NumberID).Get(ctx, &s); err != nil {
		c.logger.Warn("loading the workstream failed; the conversation runs without one", "error", err)
		return
	}
	c.settings = s
	if ws := s.Workstream; ws != nil {
		c.st.WorkstreamID = ws.ID
		c.st.WorkstreamVersion = ws.Version
		c.st.Language = ws.Language
		c.st.Distribution = ws.Distribution
		if ws.Bot != nil && ws.Bot.URL != "" {
			c.st.BotActive = true
			c.st.State = domain.StateBot
		}
	}
}

func (c *conversation) workstream() *domain.Workstream { return c.settings.Workstream }

// requestClose records the first close request; the main loop acts on it.
func (c *conversation) requestClose(req CloseRequest) {
	if c.closeReq != nil || c.st.State == domain.StateClosed {
		return
	}
	if req.Reason == "" {
		req.Reason = "closed"
	}
	c.closeReq = &req
}

// finish ends a closed conversation. Messages that arrived while it was
// closing are not lost: they open the next conversation under the same ID.
func (c *conversation) finish(ctx workflow.Context) error {
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	c.next = append(c.next, drain[domain.InboundMessage](ctx, c.inbound)...)
	if len(c.next) == 0 {
		return nil
	}
	return c.startNext(ctx, nil)
}

// startNext continues as a fresh conversation opened by c.next.
func (c *conversation) startNext(ctx workflow.Context, release *PendingRelease) error {
	next := c.in
	next.State = nil
	next.Settings = nil
	next.Pending = c.next
	next.ReleaseLater = release
	next.Proactive = nil
	next.Revision = CurrentRevision
	return workflow.NewContinueAsNewError(ctx, Conversation, next)
}

func (c *conversation) continueAsNew(ctx workflow.Context) error {
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	pending := drain[domain.InboundMessage](ctx, c.inbound)
	if len(pending) > 0 {
		c.handleInbound(ctx, pending)
	}
	next := c.in
	st := c.st
	settings := c.settings
	next.State = &st
	next.Settings = &settings
	next.Pending = nil
	next.ReleaseLater = nil
	next.Revision = CurrentRevision
	c.logger.Info("continuing as new", "inbound", c.st.InboundCount, "outbound", c.st.OutboundCount)
	return workflow.NewContinueAsNewError(ctx, Conversation, next)
}

// drain receives everything buffered on ch without blocking beyond the
// first message: a burst of signals is handled in one workflow task.
func drain[T any](ctx workflow.Context, ch workflow.ReceiveChannel) []T {
	var out []T
	for {
		var v T
		if !ch.ReceiveAsync(&v) {
			return out
		}
		out = append(out, v)
	}
}

// localCtx is for lookups (settings, assignment, last window): a few
// seconds of retries, then the workflow goes on without the answer.
func localCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         storeRetry,
	})
}

// durableCtx is for writes that must not be lost (the transcript, the
// conversation row, outbound messages): without ScheduleToClose the SDK
// gives all attempts together only StartToClose, and a database outage
// longer than that would drop them. The workflow waits for the database.
func durableCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		RetryPolicy:            storeRetry,
	})
}

func (c *conversation) record() domain.ConversationRecord {
	r := domain.ConversationRecord{
		ID:                c.st.ConversationID,
		WorkflowID:        c.st.WorkflowID,
		AccountID:         c.st.AccountID,
		NumberID:          c.st.NumberID,
		CustomerE164:      c.st.CustomerE164,
		ProfileName:       c.st.ProfileName,
		WorkstreamID:      c.st.WorkstreamID,
		WorkstreamVersion: c.st.WorkstreamVersion,
		State:             c.st.State,
		Mode:              c.st.Mode,
		CloseReason:       c.st.CloseReason,
		Routing:           c.st.Routing,
		SurveyScore:       c.st.SurveyScore,
		CloseNotes:        c.st.CloseNotes,
		ClosedBy:          c.st.ClosedBy,
		BotNote:           c.st.BotNote,
	}
	if !c.st.WindowExpiresAt.IsZero() {
		w := c.st.WindowExpiresAt
		r.WindowExpiresAt = &w
	}
	return r
}

// save writes the conversation row. The database is retried until it
// answers: the workflow's state is the truth, the row follows it.
func (c *conversation) save(ctx workflow.Context) { c.saveEvent(ctx, "") }

// saveEvent saves and tells the conversation's agent what happened (in the
// same database transaction).
func (c *conversation) saveEvent(ctx workflow.Context, event string) {
	r := c.record()
	r.Event = event
	if err := workflow.ExecuteLocalActivity(durableCtx(ctx), a.SaveConversation, r).Get(ctx, nil); err != nil {
		c.logger.Warn("saving the conversation failed", "error", err)
	}
}

// conversationIDFor names a conversation after the run that opened it, so
// operators find one from the other. Run IDs are UUIDs; anything else (the
// SDK's test environment) is mapped to a stable UUID.
func conversationIDFor(runID string) string {
	if id, err := uuid.Parse(runID); err == nil {
		return id.String()
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("switchboard:run:"+runID)).String()
}
