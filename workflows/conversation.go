package workflows

import (
	"time"

	"github.com/google/uuid"

	"go.temporal.io/sdk/temporal"
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
	in     ConversationInput
	st     ConversationState
	window time.Duration
	logger interface {
		Info(string, ...interface{})
		Warn(string, ...interface{})
	}
	inbound  workflow.ReceiveChannel
	delivery workflow.ReceiveChannel
	closeCh  workflow.ReceiveChannel
	// saDirty: search attributes changed since the last upsert.
	saDirty bool
	// next holds inbound messages that arrived after close: they start the next conversation.
	next []domain.InboundMessage
}

func newConversation(ctx workflow.Context, in ConversationInput) *conversation {
	c := &conversation{in: in, window: in.SessionWindow, logger: workflow.GetLogger(ctx)}
	if c.window <= 0 {
		c.window = domain.DefaultSessionWindow
	}
	info := workflow.GetInfo(ctx)
	if in.State != nil {
		c.st = *in.State
		c.st.Runs++
	} else {
		c.st = ConversationState{
			ConversationID: conversationIDFor(info.WorkflowExecution.RunID),
			WorkflowID:     info.WorkflowExecution.ID,
			AccountID:      in.AccountID,
			NumberID:       in.NumberID,
			CustomerE164:   in.CustomerE164,
			State:          domain.StateQueued,
			Mode:           domain.ModeTemplateOnly,
			StartedAt:      workflow.Now(ctx),
		}
	}
	c.inbound = workflow.GetSignalChannel(ctx, SignalInbound)
	c.delivery = workflow.GetSignalChannel(ctx, SignalDelivery)
	c.closeCh = workflow.GetSignalChannel(ctx, SignalClose)
	return c
}

func (c *conversation) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (ConversationState, error) {
		return c.st, nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSend, c.send, workflow.UpdateHandlerOptions{
		Validator: c.validateSend,
	})
}

func (c *conversation) run(ctx workflow.Context) error {
	if c.in.State == nil {
		// A fresh conversation is stored before anything else happens to it.
		c.save(ctx)
	}
	if len(c.in.Pending) > 0 {
		c.handleInbound(ctx, c.in.Pending)
	}
	c.publish(ctx)
	workflow.Go(ctx, c.keepWindow)

	for c.st.State != domain.StateClosed {
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
			reqs := drain[CloseRequest](ctx, ch)
			c.close(ctx, reqs[0])
		})
		sel.Select(ctx)
		c.publish(ctx)
		if c.st.State != domain.StateClosed && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return c.continueAsNew(ctx)
		}
	}
	return c.finish(ctx)
}

// finish ends a closed conversation. Messages that arrived while it was
// closing are not lost: they open the next conversation under the same ID.
func (c *conversation) finish(ctx workflow.Context) error {
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	c.next = append(c.next, drain[domain.InboundMessage](ctx, c.inbound)...)
	if len(c.next) == 0 {
		return nil
	}
	next := c.in
	next.State = nil
	next.Pending = c.next
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
	next.State = &st
	next.Pending = nil
	c.logger.Info("continuing as new", "inbound", c.st.InboundCount, "outbound", c.st.OutboundCount)
	return workflow.NewContinueAsNewError(ctx, Conversation, next)
}

func (c *conversation) close(ctx workflow.Context, req CloseRequest) {
	if c.st.State == domain.StateClosed {
		return
	}
	if req.Reason == "" {
		req.Reason = "closed"
	}
	c.st.State = domain.StateClosed
	c.st.CloseReason = req.Reason
	c.saDirty = true
	c.logger.Info("conversation closed", "reason", req.Reason, "by", req.By)
	c.save(ctx)
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

func localCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
		},
	})
}

func (c *conversation) record() domain.ConversationRecord {
	r := domain.ConversationRecord{
		ID:           c.st.ConversationID,
		WorkflowID:   c.st.WorkflowID,
		AccountID:    c.st.AccountID,
		NumberID:     c.st.NumberID,
		CustomerE164: c.st.CustomerE164,
		ProfileName:  c.st.ProfileName,
		WorkstreamID: c.in.WorkstreamID,
		State:        c.st.State,
		Mode:         c.st.Mode,
		CloseReason:  c.st.CloseReason,
	}
	if !c.st.WindowExpiresAt.IsZero() {
		w := c.st.WindowExpiresAt
		r.WindowExpiresAt = &w
	}
	return r
}

// save writes the conversation row. The database is retried until it
// answers: the workflow's state is the truth, the row follows it.
func (c *conversation) save(ctx workflow.Context) {
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), a.SaveConversation, c.record()).Get(ctx, nil); err != nil {
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
