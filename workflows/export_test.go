package workflows

import "go.temporal.io/sdk/workflow"

// ForceContinueAsNew makes every run continue as new after each step of its
// main loop (true) or only when Temporal suggests it (false).
func ForceContinueAsNew(on bool) {
	continueAsNewSuggested = func(ctx workflow.Context) bool {
		return on || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}
}
