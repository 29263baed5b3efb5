package retention

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// Store is what the purge needs from the store.
type Store interface {
	PurgeBefore(ctx context.Context, before time.Time, limit int) (domain.PurgeResult, error)
}

// Activities are registered with the worker next to the conversation's.
type Activities struct {
	Store Store
}

// Register adds the purge workflow and its activities to a worker.
func Register(r interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
	RegisterActivity(a interface{})
}, acts *Activities) {
	r.RegisterWorkflowWithOptions(Purge, workflow.RegisterOptions{Name: PurgeWorkflowName})
	r.RegisterActivity(acts)
}

// PurgeBatch deletes up to Limit rows of each kind older than Before.
func (a *Activities) PurgeBatch(ctx context.Context, in PurgeBatchInput) (domain.PurgeResult, error) {
	r, err := a.Store.PurgeBefore(ctx, in.Before, in.Limit)
	if err == nil && r.Total() > 0 {
		activity.GetLogger(ctx).Info("retention purge batch", "before", in.Before, "messages", r.Messages,
			"inbox", r.Inbox, "status_events", r.StatusEvents, "conversations", r.Conversations,
			"agent_events", r.AgentEvents, "supervisor_events", r.SupervisorEvents, "contacts", r.Contacts)
	}
	return r, err
}
