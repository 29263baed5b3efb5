package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// ForceContinueAsNew makes every run continue as new after each step of its
// main loop (true) or only when Temporal suggests it (false).
func ForceContinueAsNew(on bool) {
	continueAsNewSuggested = func(ctx workflow.Context) bool {
		return on || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}
}

// Details is the markdown the Temporal UI shows for a conversation in state st.
func Details(st ConversationState, now time.Time) string {
	c := &conversation{st: st}
	return c.details(now)
}
