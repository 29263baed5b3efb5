//go:build switchboard_testpatch

package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// PatchTestTimer is the test build's patch: a 1 ms timer before each burst
// of customer messages is recorded, a command a normal build does not
// expect when it replays the history.
const PatchTestTimer = "test-timer"

func init() {
	Patches = append(Patches, PatchTestTimer)
	testPatch = func(ctx workflow.Context) {
		if workflow.GetVersion(ctx, PatchTestTimer, workflow.DefaultVersion, 1) == 1 {
			_ = workflow.Sleep(ctx, time.Millisecond)
		}
	}
}
