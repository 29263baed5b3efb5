package app

import (
	"context"
	"log/slog"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/relay"
	"github.com/switchboard/switchboard/internal/store"
)

// NewDistribution returns the dispatcher as the activities use it.
func NewDistribution(st *store.Store, rl *relay.Relay, logger *slog.Logger) activities.Distribution {
	return &distribution{store: st, relay: rl, logger: logger}
}

// distribution is the activities' view of the dispatcher: the store decides
// under its lock, the relay tells the other workflows what was decided.
type distribution struct {
	store  *store.Store
	relay  *relay.Relay
	logger *slog.Logger
}

func (d *distribution) deliver(ctx context.Context, disp store.Dispatch, self string) {
	if len(disp.Assigned) == 0 {
		return
	}
	if err := d.relay.DeliverAssignments(ctx, disp.Assigned, self); err != nil {
		d.logger.Warn("some assignments wait in the outbox", "err", err)
	}
}

func (d *distribution) Enqueue(ctx context.Context, in activities.EnqueueInput) (string, error) {
	disp, err := d.store.Enqueue(ctx, store.EnqueueRequest{
		ConversationID: in.ConversationID, QueueID: in.QueueID, Priority: in.Priority,
		Skills: in.Skills, CapacityCost: in.CapacityCost, Distribution: in.Distribution, Requeue: in.Requeue,
	})
	if err != nil {
		return "", err
	}
	d.deliver(ctx, disp, in.ConversationID)
	own, _ := disp.For(in.ConversationID)
	return own.AgentID, nil
}

func (d *distribution) Release(ctx context.Context, conversationID string) error {
	disp, err := d.store.Release(ctx, conversationID)
	if err != nil {
		return err
	}
	d.deliver(ctx, disp, "")
	return nil
}

func (d *distribution) Claim(ctx context.Context, conversationID, agentID string) error {
	return d.store.Claim(ctx, conversationID, agentID)
}

func (d *distribution) AssignTo(ctx context.Context, conversationID, agentID string) error {
	disp, err := d.store.AssignTo(ctx, conversationID, agentID)
	if err != nil {
		return err
	}
	d.deliver(ctx, disp, conversationID)
	return nil
}

func (d *distribution) AckAssignment(ctx context.Context, conversationID, agentID string) error {
	return d.store.AckAssignment(ctx, conversationID, agentID)
}

func (d *distribution) CurrentAgent(ctx context.Context, conversationID string) (string, error) {
	return d.store.CurrentAgent(ctx, conversationID)
}
