package api

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
)

// TestWaitedOutTellsATimeoutFromAFailure: an erasure whose wait runs out
// answers 202 however the deadline shows up (the client's context, the
// context error wrapped by the SDK, or the server ending the long poll
// first with DeadlineExceeded while ours still runs: CI met that one as a
// 503); a real failure does not count as waiting.
func TestWaitedOutTellsATimeoutFromAFailure(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		err  error
		wctx context.Context
		want bool
	}{
		{"our deadline passed", context.Canceled, done, true},
		{"the SDK wraps the deadline", fmt.Errorf("get result: %w", context.DeadlineExceeded), live, true},
		{"the server ended the long poll", serviceerror.NewDeadlineExceeded("deadline exceeded"), live, true},
		{"the workflow failed", errors.New("erasure failed"), live, false},
		{"Temporal is down", serviceerror.NewUnavailable("down"), live, false},
	} {
		if got := waitedOut(c.err, c.wctx); got != c.want {
			t.Errorf("%s: waitedOut = %v, want %v", c.name, got, c.want)
		}
	}
}
