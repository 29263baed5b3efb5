package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/workflows/retention"
)

// RetentionScheduleID names the purge's Schedule; one per task queue, so
// that deployments sharing a namespace keep their own.
func RetentionScheduleID(taskQueue string) string { return "switchboard-retention:" + taskQueue }

// retentionSpec runs the purge daily at 03:17 UTC, give or take 10 minutes.
func retentionSpec() client.ScheduleSpec {
	return client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Hour:   []client.ScheduleRange{{Start: 3}},
			Minute: []client.ScheduleRange{{Start: 17}},
		}},
		Jitter: 10 * time.Minute,
	}
}

func retentionAction(cfg config.Config) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:                       "switchboard-purge:" + cfg.TaskQueue,
		Workflow:                 retention.PurgeWorkflowName,
		Args:                     []any{retention.PurgeInput{Retention: cfg.Retention}},
		TaskQueue:                cfg.TaskQueue,
		WorkflowExecutionTimeout: 24 * time.Hour,
	}
}

// EnsureRetentionSchedule makes the namespace's purge Schedule match
// SWITCHBOARD_RETENTION: created or updated when it is set, deleted when
// it is 0 (keep forever). Safe to run twice and from several replicas.
func EnsureRetentionSchedule(ctx context.Context, c client.Client, cfg config.Config, logger *slog.Logger) error {
	id := RetentionScheduleID(cfg.TaskQueue)
	sc := c.ScheduleClient()
	if cfg.Retention <= 0 {
		err := sc.GetHandle(ctx, id).Delete(ctx)
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			logger.Info("retention schedule deleted: transcripts are kept forever", "schedule", id)
		case errors.As(err, &nf):
		default:
			return fmt.Errorf("delete retention schedule %s: %w", id, err)
		}
		return nil
	}
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:            id,
		Spec:          retentionSpec(),
		Action:        retentionAction(cfg),
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: 12 * time.Hour,
		Note:          "Switchboard: purges transcripts older than SWITCHBOARD_RETENTION",
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		err = sc.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				s := in.Description.Schedule
				spec := retentionSpec()
				s.Spec = &spec
				s.Action = retentionAction(cfg)
				return &client.ScheduleUpdate{Schedule: &s}, nil
			},
		})
	}
	if err != nil {
		return fmt.Errorf("retention schedule %s: %w", id, err)
	}
	logger.Info("retention schedule ready", "schedule", id, "retention", cfg.Retention.String())
	return nil
}
