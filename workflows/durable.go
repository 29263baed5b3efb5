package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// Retry policies, defined once. Each says when it applies.
var (
	// finalErrors are refusals no retry can change: a conflict (taken, no
	// capacity, closed), an unknown id, invalid input, gone credentials.
	finalErrors = []string{
		string(domain.CodeConflict), string(domain.CodeNotFound), string(domain.CodeInvalid), errTypeConfig,
	}

	// quickRetry is for the first, local attempt at a database call: a few
	// tries within quickBudget.
	quickRetry = &temporal.RetryPolicy{
		InitialInterval:        200 * time.Millisecond,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Second,
		NonRetryableErrorTypes: finalErrors,
	}

	// patientRetry is for work that must happen however long its dependency
	// is down (PostgreSQL, Twilio, the dispatcher): Temporal retries it on
	// the server, which adds no history event per attempt.
	patientRetry = &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: finalErrors,
	}

	// onceOnly is for calls whose failure has a fallback better than
	// waiting (the bot: a person takes over).
	onceOnly = &temporal.RetryPolicy{MaximumAttempts: 1}
)

// errTypeConfig mirrors activities.ErrTypeConfig (the account or its
// credentials are gone).
const errTypeConfig = "CONFIG"

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
		RetryPolicy:            quickRetry,
	})
}

func patientCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: patientBudget,
		RetryPolicy:            patientRetry,
	})
}

// durably runs an activity whose result the conversation cannot go without
// (a database write, a lookup a decision depends on): first as a local
// activity, fast and without history events while it retries; if that
// fails within quickBudget, as a regular activity that Temporal retries on
// its side for up to patientBudget, and again after that: it never gives
// up. A database outage of any length then costs a handful of history
// events (three more per patientBudget), and nothing is skipped or read as
// "none". Final errors (finalErrors) come back at once.
func durably(ctx workflow.Context, activity, arg, out any) error {
	err := workflow.ExecuteLocalActivity(quickCtx(ctx), activity, arg).Get(ctx, out)
	for err != nil && !isFinal(err) && ctx.Err() == nil {
		err = workflow.ExecuteActivity(patientCtx(ctx), activity, arg).Get(ctx, out)
	}
	return err
}

// isFinal reports whether err is a refusal no retry changes.
func isFinal(err error) bool {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		for _, t := range finalErrors {
			if appErr.Type() == t {
				return true
			}
		}
		return appErr.NonRetryable()
	}
	return false
}
