// Package retry holds the activity retry policies of Switchboard's
// workflows, each named for when it applies, and the errors none of them
// retries. Each call returns a fresh policy: the SDK's options take a
// pointer, and no caller can change another's.
package retry

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// Refusals are the error types of refusals no retry can change: a
// conflict (taken, no capacity, closed), an unknown id, invalid input.
func Refusals() []string {
	return []string{string(domain.CodeConflict), string(domain.CodeNotFound), string(domain.CodeInvalid)}
}

// FinalErrors are the Refusals and gone credentials (the account was
// deleted): what Quick and Patient never retry.
func FinalErrors() []string {
	return append(Refusals(), activities.ErrTypeConfig)
}

// Quick is for the first, local attempt at a database call: a few tries,
// within the caller's ScheduleToClose.
func Quick() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        200 * time.Millisecond,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Second,
		NonRetryableErrorTypes: FinalErrors(),
	}
}

// Patient is for conversation work that must happen however long its
// dependency is down (PostgreSQL, Twilio, the dispatcher): Temporal
// retries it on the server, which adds no history event per attempt.
func Patient() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: FinalErrors(),
	}
}

// OnceOnly is for calls whose failure has a fallback better than waiting
// (the bot: a person takes over).
func OnceOnly() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{MaximumAttempts: 1}
}

// Background is for the batch workflows (the retention purge, customer
// erasure): every error is retried, at most a minute apart, until the
// activity's ScheduleToClose; nobody waits on a single attempt.
func Background() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	}
}

// IsFinal reports whether err is a refusal no retry changes: one of
// FinalErrors, or an error its activity marked non-retryable.
func IsFinal(err error) bool {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return slices.Contains(FinalErrors(), appErr.Type()) || appErr.NonRetryable()
	}
	return false
}
