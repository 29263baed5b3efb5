// Package retention purges transcripts older than SWITCHBOARD_RETENTION: a
// Temporal Schedule (created by `switchboard migrate` and by dev) starts the
// Purge workflow daily, and Purge deletes in batches through an activity,
// so that no statement holds locks for long and a crash resumes where it
// stopped.
package retention

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows/retry"
)

// PurgeWorkflowName is the registered name of Purge.
const PurgeWorkflowName = "Purge"

// DefaultBatchSize is how many rows of each kind one activity deletes.
const DefaultBatchSize = 1000

// PurgeInput is the schedule's argument.
type PurgeInput struct {
	// Retention: rows older than the run's start minus Retention go.
	// Zero purges nothing.
	Retention time.Duration `json:"retention"`
	// BatchSize defaults to DefaultBatchSize.
	BatchSize int `json:"batch_size,omitempty"`
	// Before is the cut-off, fixed by the first run and carried across
	// continue-as-new (zero: computed from the start time).
	Before time.Time `json:"before,omitzero"`
	// SoFar is what earlier runs of this purge deleted.
	SoFar domain.PurgeResult `json:"so_far"`
}

// PurgeBatchInput is one batch.
type PurgeBatchInput struct {
	Before time.Time `json:"before"`
	Limit  int       `json:"limit"`
}

// a is the nil receiver through which the workflow names its activity.
var a *Activities

// Purge deletes everything older than the cut-off, batch after batch, until
// a batch finds nothing; it returns what it deleted.
func Purge(ctx workflow.Context, in PurgeInput) (domain.PurgeResult, error) {
	if in.Retention <= 0 {
		return in.SoFar, nil
	}
	if in.BatchSize <= 0 {
		in.BatchSize = DefaultBatchSize
	}
	if in.Before.IsZero() {
		in.Before = workflow.Now(ctx).Add(-in.Retention)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: 6 * time.Hour,
		RetryPolicy:            retry.Background(),
	})
	logger := workflow.GetLogger(ctx)
	for {
		var got domain.PurgeResult
		batch := PurgeBatchInput{Before: in.Before, Limit: in.BatchSize}
		if err := workflow.ExecuteActivity(ctx, a.PurgeBatch, batch).Get(ctx, &got); err != nil {
			return in.SoFar, err
		}
		in.SoFar = in.SoFar.Add(got)
		if got.Total() == 0 {
			logger.Info("retention purge done", "before", in.Before, "messages", in.SoFar.Messages,
				"conversations", in.SoFar.Conversations, "total", in.SoFar.Total())
			return in.SoFar, nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return in.SoFar, workflow.NewContinueAsNewError(ctx, Purge, in)
		}
	}
}
