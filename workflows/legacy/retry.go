package legacy

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/workflows/retry"
)

// The retry policies this code runs with, defined once, each named for
// when it applies. Their values are those of the histories recorded with
// this code; the refusals never retried are the live code's
// (retry.Refusals), the bot's policy is retry.OnceOnly.
var (
	// storeRetry is for the local activities on the store: lookups
	// (localCtx) and writes that must not be lost (durableCtx).
	storeRetry = &temporal.RetryPolicy{
		InitialInterval:        200 * time.Millisecond,
		BackoffCoefficient:     2,
		MaximumInterval:        10 * time.Second,
		NonRetryableErrorTypes: retry.Refusals(),
	}

	// distributionRetry is for the dispatcher's activities (enqueue,
	// claim, assign, release).
	distributionRetry = &temporal.RetryPolicy{
		InitialInterval:        500 * time.Millisecond,
		BackoffCoefficient:     2,
		MaximumInterval:        30 * time.Second,
		NonRetryableErrorTypes: retry.Refusals(),
	}

	// sendRetry is for Twilio sends: retried until sendTimeout, unless the
	// account or its credentials are gone.
	sendRetry = &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: []string{activities.ErrTypeConfig},
	}
)
