package api

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestTemporalTimeoutsAreRetryable: every way the SDK or the server says
// "not in time" or "not now" reaches the client as 503 unavailable (retry
// with the same Idempotency-Key), never as a 500. Seen under load: the
// SDK's update timeout type answered 500.
func TestTemporalTimeoutsAreRetryable(t *testing.T) {
	for name, err := range map[string]error{
		"context deadline":   fmt.Errorf("update: %w", context.DeadlineExceeded),
		"update timeout":     client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded),
		"grpc deadline":      serviceerror.NewDeadlineExceeded("deadline"),
		"unavailable":        serviceerror.NewUnavailable("down"),
		"resource exhausted": serviceerror.NewResourceExhausted(0, "busy"),
	} {
		var de *domain.Error
		if got := workflowError(err); !errors.As(got, &de) || de.Code != domain.CodeUnavailable || httpStatus[de.Code] != 503 {
			t.Errorf("%s: %v → %v", name, err, got)
		}
	}
}
