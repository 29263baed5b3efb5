package activities

import (
	"context"
	"math/rand/v2"
	"net/url"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/twilio"
)

// ErrTypeTwilioRetryable is the error type of a send Twilio asked us to
// retry (429, 5xx, timeouts, network errors).
const ErrTypeTwilioRetryable = "TWILIO_RETRYABLE"

// Backoff of a retried send: Temporal's retry policy (workflows/send.go)
// doubles from 1 s up to 1 min but applies no jitter, so every send refused
// by one 429 burst would come back in the same instant, attempt after
// attempt. retryLater keeps the policy's curve and spreads each delay over
// [d/2, d] ("equal jitter") through NextRetryDelay, which Temporal uses
// instead of the policy's interval for that attempt; the policy's attempts
// and ScheduleToClose budget still apply.
const (
	retryInitial = time.Second
	retryMax     = time.Minute
)

// retryLater turns a retryable Twilio error into one Temporal retries after
// a jittered delay.
func retryLater(ctx context.Context, te *twilio.Error) error {
	attempt := int32(1)
	if activity.IsActivity(ctx) {
		attempt = activity.GetInfo(ctx).Attempt
	}
	return temporal.NewApplicationErrorWithOptions("twilio: "+te.Error(), ErrTypeTwilioRetryable,
		temporal.ApplicationErrorOptions{NextRetryDelay: jitteredBackoff(attempt, rand.Float64()), Cause: te})
}

// jitteredBackoff is the delay after attempt (1, 2, ...): the policy's
// retryInitial·2^(attempt-1) capped at retryMax, scaled into [d/2, d] by r
// in [0, 1).
func jitteredBackoff(attempt int32, r float64) time.Duration {
	d := retryInitial
	for i := int32(1); i < attempt && d < retryMax; i++ {
		d *= 2
	}
	d = min(d, retryMax)
	return d/2 + time.Duration(r*float64(d/2))
}

// withMessageID adds our message id to the status callback URL. Twilio
// signs the URL it calls, query included, and calls it for the message's
// first status within a second or so: if the sender died after Twilio
// accepted the message but before the SID was recorded, that callback
// records the SID on the message, and the retried send finds it instead of
// sending the message twice (docs/reliability.md).
func withMessageID(callback, messageID string) string {
	u, err := url.Parse(callback)
	if err != nil || messageID == "" {
		return callback
	}
	q := u.Query()
	q.Set("message_id", messageID)
	u.RawQuery = q.Encode()
	return u.String()
}
