package workflows

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows/legacy"
)

// a is the nil receiver through which workflows name activities.
var a *activities.Activities

const recentSIDLimit = 64

// Conversation is the conversation workflow. Runs that started before the
// lifecycle rewrite, and new runs while that patch is still dormant (older
// workers polling: see patches.go), follow the frozen code in
// workflows/legacy; every other run follows this package.
func Conversation(ctx workflow.Context, in ConversationInput) error {
	v := workflow.GetVersion(ctx, PatchLifecycle, workflow.DefaultVersion, 1)
	// A run that continues one of this code stays on it whatever the
	// version recorded: its state (outbox, pending releases) means nothing
	// to the old code.
	if v == workflow.DefaultVersion && in.Lifecycle < lifecycleVersion {
		return legacy.Conversation(ctx, in.legacy())
	}
	in.Lifecycle = lifecycleVersion
	c := newConversation(ctx, in)
	// A run that continues one keeping service levels keeps them whatever
	// the version recorded.
	c.slaOn = (in.State != nil && in.State.SLA != nil) ||
		workflow.GetVersion(ctx, PatchServiceLevels, workflow.DefaultVersion, 1) == 1
	if err := c.setup(ctx); err != nil {
		return err
	}
	return c.run(ctx)
}

// conversation is one run of the workflow. Its main loop (run) is the only
// code that changes the conversation's state; update handlers, signals and
// timers hand it events (events.go). See doc.go.
type conversation struct {
	in       ConversationInput
	st       ConversationState
	settings activities.ConversationSettings
	window   time.Duration
	logger   log.Logger

	inbound, delivery, closeCh, transferCh, assignedCh workflow.ReceiveChannel

	// events are what handlers and timers ask of the main loop, in order.
	events []event
	// closeReq is set by the first close (signal, update, inactivity,
	// cancellation); the main loop then runs the closing sequence.
	closeReq *CloseRequest
	// next holds inbound messages that arrived once the conversation was
	// closing: they open the next conversation under the same workflow ID.
	next []domain.InboundMessage
	// starting is true while a proactive start assigns the conversation: the
	// `send` that came with the start (update-with-start) waits for it.
	starting bool
	// opening is true while a fresh conversation records what opened it:
	// until then the window is unknown, and a `send` that arrives (in the
	// first workflow task, or after a worker died in it) waits for it
	// instead of being refused as "the customer has not written yet".
	opening bool
	// sending is true while the sender hands a message to Twilio.
	sending bool
	// unstored are outbox messages whose row is still being written: the
	// sender waits for them, in order.
	unstored []string
	// routed is what the rules read and chose at handoff, until the save
	// that follows the decision hands it to the store (routing.go).
	routed *domain.RoutingInput
	// releasing counts pending-release goroutines still running.
	releasing int
	// cancelled: an operator requested cancellation; the run ends cancelled
	// once the conversation has closed.
	cancelled bool
	// slaOn: this run keeps service levels (PatchServiceLevels).
	slaOn bool
	// nudgeOn: this run keeps the window nudge (PatchWindowNudge).
	nudgeOn bool
	// bg is the context of the conversation's own goroutines (sender,
	// timers): not cancelled by a cancellation request, so that the
	// closing sequence it triggers can still send and wait.
	bg workflow.Context
}

func newConversation(ctx workflow.Context, in ConversationInput) *conversation {
	c := &conversation{in: in, window: in.SessionWindow, logger: workflow.GetLogger(ctx)}
	c.starting = in.Proactive != nil && in.State == nil
	c.opening = in.State == nil
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
		id := in.ConversationID
		if id == "" {
			// OriginalRunID, not RunID: a reset gives the run a new RunID
			// and must keep the conversation it continues.
			id = conversationIDFor(originalRunID(info))
		}
		c.st = ConversationState{
			ConversationID: id,
			WorkflowID:     info.WorkflowExecution.ID,
			AccountID:      in.AccountID,
			NumberID:       in.NumberID,
			CustomerE164:   in.CustomerE164,
			Mode:           domain.ModeTemplateOnly,
			StartedAt:      now,
			LastActivityAt: now,
		}
	}
	c.st.PendingReleases = append(c.st.PendingReleases, in.Releases...)
	if r := in.ReleaseLater; r != nil {
		c.st.PendingReleases = append(c.st.PendingReleases, *r)
	}
	c.inbound = workflow.GetSignalChannel(ctx, SignalInbound)
	c.delivery = workflow.GetSignalChannel(ctx, SignalDelivery)
	c.closeCh = workflow.GetSignalChannel(ctx, SignalClose)
	c.transferCh = workflow.GetSignalChannel(ctx, SignalTransfer)
	c.assignedCh = workflow.GetSignalChannel(ctx, SignalAssigned)
	c.bg, _ = workflow.NewDisconnectedContext(ctx)
	return c
}

func originalRunID(info *workflow.Info) string {
	if info.OriginalRunID != "" {
		return info.OriginalRunID
	}
	return info.WorkflowExecution.RunID
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
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAccept, c.acceptUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateAccept,
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTransfer, c.transferUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateTransfer,
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateNote, c.noteUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateNote,
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSchedule, c.scheduleUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateSchedule,
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancelScheduled, c.cancelScheduledUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateCancelScheduled,
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateClose, c.closeUpdate, workflow.UpdateHandlerOptions{
		Validator: c.validateClose,
	})
}

// run opens the conversation, then handles its events one at a time until
// it closes (or continues as new).
func (c *conversation) run(ctx workflow.Context) error {
	for _, r := range c.st.PendingReleases {
		c.releaseLater(r)
	}
	workflow.Go(c.bg, c.sendLoop)
	if c.in.State == nil {
		opened := c.begin(ctx)
		c.opening = false
		if !opened {
			return c.finish(c.bg)
		}
	}
	workflow.Go(c.bg, c.keepWindow)
	workflow.Go(c.bg, c.keepInactivity)
	if c.slaOn {
		workflow.Go(c.bg, c.keepSLA)
	}
	workflow.Go(c.bg, c.keepFollowups)
	workflow.Go(c.bg, c.keepNudge)

	for c.closeReq == nil {
		if err := workflow.Await(ctx, c.hasWork); err != nil {
			// Cancellation requested (the Temporal UI's "Request
			// Cancellation"): the conversation closes the normal way.
			c.requestClose(CloseRequest{Reason: ReasonCancelled, By: "operator"})
			c.cancelled = true
			break
		}
		c.step(c.bg)
		c.publish(c.bg)
		if c.closeReq == nil && continueAsNewSuggested(c.bg) {
			if done := c.settle(c.bg); done {
				return c.continueAsNew(c.bg)
			}
		}
	}
	if err := c.closeConversation(c.bg); err != nil {
		return err
	}
	return c.finish(c.bg)
}

// begin starts a fresh conversation: its workstream, then what opened it (a
// proactive template, or the customer's messages). It reports false when
// there is nothing to open: every message that would have opened it was
// already recorded (a duplicate delivered while the last one closed).
func (c *conversation) begin(ctx workflow.Context) bool {
	c.loadSettings(c.bg)
	if c.st.BotActive {
		c.setState(StateBot)
	} else {
		c.setState(StateQueued)
	}
	switch {
	case c.in.Proactive != nil:
		c.startProactive(c.bg, *c.in.Proactive)
		c.starting = false
	case len(c.in.Pending) > 0:
		if !c.handleInbound(c.bg, c.in.Pending) {
			return false
		}
	default:
		if c.inbound.Len() > 0 {
			// Opened by a customer's message (SignalWithStart): recording
			// it stores the conversation.
			if !c.handleInbound(c.bg, drain[domain.InboundMessage](ctx, c.inbound)) {
				return false
			}
		} else {
			c.save(c.bg)
		}
	}
	c.publish(c.bg)
	return true
}

// loadSettings snapshots the number's workstream and routing rules. It
// retries until PostgreSQL answers: a failure is never read as "no
// workstream" (a number without one answers with a nil workstream).
func (c *conversation) loadSettings(ctx workflow.Context) {
	var s activities.ConversationSettings
	if err := durably(ctx, a.LoadSettings, c.st.NumberID, &s); err != nil {
		// Only a final error gets here: the number is gone.
		c.logger.Warn("the number's settings are gone; the conversation runs without a workstream", "error", err)
		return
	}
	c.settings = s
	if ws := s.Workstream; ws != nil {
		c.st.WorkstreamID = ws.ID
		c.st.WorkstreamVersion = ws.Version
		c.st.Language = ws.Language
		c.st.Distribution = ws.Distribution
		c.st.BotActive = ws.Bot != nil && ws.Bot.URL != "" && c.in.Proactive == nil
	}
}

func (c *conversation) workstream() *domain.Workstream { return c.settings.Workstream }

// requestClose records the first close request; the main loop acts on it.
func (c *conversation) requestClose(req CloseRequest) {
	if !c.takesWork() {
		return
	}
	if req.Reason == "" {
		req.Reason = "closed"
	}
	c.closeReq = &req
}

// finish ends a closed conversation's run once nothing it owes is left: its
// messages handed to Twilio, its updates answered, its pending capacity
// releases done or handed on. Messages that arrived while it closed open
// the next conversation under the same ID.
func (c *conversation) finish(ctx workflow.Context) error {
	for {
		_ = workflow.Await(ctx, func() bool {
			return c.hasWork() || (c.outboxIdle() && workflow.AllHandlersFinished(ctx))
		})
		if !c.hasWork() {
			break
		}
		c.step(ctx) // refuses what came for the closed conversation, collects messages into next
	}
	c.next = c.unseen(c.next)
	if len(c.next) > 0 {
		return c.startNext(ctx)
	}
	// Nobody else will free this capacity: wait for it.
	_ = workflow.Await(ctx, func() bool { return c.releasing == 0 || c.hasWork() })
	if c.hasWork() {
		return c.finish(ctx)
	}
	if c.cancelled {
		return temporal.NewCanceledError("cancelled by an operator; the conversation was closed")
	}
	return nil
}

// startNext continues as a fresh conversation opened by c.next, handing on
// the capacity releases still pending.
func (c *conversation) startNext(ctx workflow.Context) error {
	next := c.in
	next.State = nil
	next.Settings = nil
	next.Pending = c.next
	next.ReleaseLater = nil
	next.Releases = c.st.PendingReleases
	next.Proactive = nil
	next.Revision = CurrentRevision
	// Named from this conversation, so that a reset of this run names the
	// next one the same.
	next.ConversationID = uuid.NewSHA1(uuid.NameSpaceOID, []byte(c.st.ConversationID+":next")).String()
	return workflow.NewContinueAsNewError(ctx, Conversation, next)
}

// continueAsNew carries the conversation's state (never its transcript) to
// a new run. settle has made sure nothing is in flight.
func (c *conversation) continueAsNew(ctx workflow.Context) error {
	next := c.in
	st := c.st
	settings := c.settings
	next.State = &st
	next.Settings = &settings
	next.Pending = nil
	next.ReleaseLater = nil
	next.Releases = nil
	next.Proactive = nil
	next.Revision = CurrentRevision
	c.logger.Info("continuing as new", "inbound", c.st.InboundCount, "outbound", c.st.OutboundCount, "outbox", len(c.st.Outbox))
	return workflow.NewContinueAsNewError(ctx, Conversation, next)
}

// settle gets the run ready to continue as new: every event applied, every
// update answered, no message in Twilio's hands. It reports false when a
// close was requested meanwhile (the closing sequence comes first).
func (c *conversation) settle(ctx workflow.Context) bool {
	for c.closeReq == nil {
		_ = workflow.Await(ctx, func() bool {
			return c.hasWork() || (!c.sending && workflow.AllHandlersFinished(ctx))
		})
		if !c.hasWork() {
			return true
		}
		c.step(ctx)
		c.publish(ctx)
	}
	return false
}

// continueAsNewSuggested is Temporal's suggestion; tests replace it to force
// continue-as-new at every step.
var continueAsNewSuggested = func(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// drain receives everything buffered on ch without blocking.
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
		State:             string(c.st.State),
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
	r.SLA = cloneSLA(c.st.SLA)
	return r
}

// save writes the conversation row, retrying until PostgreSQL answers: the
// workflow's state is the truth, the row follows it.
func (c *conversation) save(ctx workflow.Context) { c.saveEvent(ctx, "") }

// saveEvent saves and tells the conversation's agent what happened (in the
// same database transaction).
func (c *conversation) saveEvent(ctx workflow.Context, event string) {
	r := c.record()
	r.Event = event
	// Riding on the save that follows the decision: no command of its own.
	r.RoutingInput, c.routed = c.routed, nil
	// The key names this event (its place in the conversation, its kind
	// and agent): a worker killed after the commit runs the activity again
	// and the agent is not told twice; a reset that makes another choice
	// makes another key.
	c.st.EventSeq++
	r.EventKey = fmt.Sprintf("%s/%d/%s/%s", c.st.ConversationID, c.st.EventSeq, event, c.st.AgentID)
	if err := durably(ctx, a.SaveConversation, r, nil); err != nil {
		c.logger.Error("saving the conversation was refused", "error", err)
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
