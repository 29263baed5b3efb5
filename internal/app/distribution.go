package app

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/store"
)

// NewDistribution returns work distribution as the activities use it, on
// its own (the workflows' tests): decisions in st, other conversations'
// assignments signalled through tc, each signal bounded by signalTimeout
// (0: the default). A process uses its one distribution instead (New).
func NewDistribution(st *store.Store, tc client.Client, signalTimeout time.Duration, logger *slog.Logger) activities.Distribution {
	d := distribution.New(st, tc, logger)
	if signalTimeout > 0 {
		d.SignalTimeout = signalTimeout
	}
	return activityDistribution{d}
}

// activityDistribution is the distribution as activities.Distribution:
// the activity's input becomes the dispatcher's request.
type activityDistribution struct{ *distribution.Service }

func (d activityDistribution) Enqueue(ctx context.Context, in activities.EnqueueInput) (string, error) {
	return d.Service.Enqueue(ctx, distribution.EnqueueRequest{
		ConversationID: in.ConversationID, QueueID: in.QueueID, Priority: in.Priority,
		Skills: in.Skills, CapacityCost: in.CapacityCost, Distribution: in.Distribution, Requeue: in.Requeue,
	})
}
