package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/workflows/retry"
)

// quickBudget bounds a local activity with its retries: well under the
// workflow task timeout (10 s), so that the SDK never has to heartbeat the
// task for it. A local activity that runs past 80 % of that timeout makes
// the worker complete the task and ask for another, three history events
// every 8 s: an hour-long database outage would add about 1,400 events to
// every waiting conversation and reach Temporal's 51,200-event limit in
// about 35 hours.
const quickBudget = 6 * time.Second

// patientBudget is how long a durable call keeps trying.
const patientBudget = 7 * 24 * time.Hour

func quickCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    3 * time.Second,
		ScheduleToCloseTimeout: quickBudget,
		RetryPolicy:            retry.Quick(),
	})
}

func patientCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: patientBudget,
		RetryPolicy:            retry.Patient(),
	})
}

// durably runs an activity whose result the conversation cannot go without
// (a database write, a lookup a decision depends on): first as a local
// activity, fast and without history events while it retries; if that
// fails within quickBudget, as a regular activity that Temporal retries on
// its side for up to patientBudget, and again after that: it never gives
// up. A database outage of any length then costs a handful of history
// events (three more per patientBudget), and nothing is skipped or read as
// "none". Final errors (retry.FinalErrors) come back at once.
func durably(ctx workflow.Context, activity, arg, out any) error {
	err := workflow.ExecuteLocalActivity(quickCtx(ctx), activity, arg).Get(ctx, out)
	for err != nil && !retry.IsFinal(err) && ctx.Err() == nil {
		err = workflow.ExecuteActivity(patientCtx(ctx), activity, arg).Get(ctx, out)
	}
	return err
}
