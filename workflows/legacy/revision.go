package legacy

import "time"

// CurrentRevision numbers the changes to the conversation workflow that
// alter the commands it issues. A run behaves as the revision in its input:
// starters set CurrentRevision, so histories recorded before a change carry
// an older one (0 before revisions existed) and replay as they were
// recorded, without a version marker in every new history. Each new run
// (continue-as-new, the next conversation) takes the current revision.
//
//  1. The window search attribute is rounded up to the quarter hour (was:
//     the minute). A conversation opened by a customer message gets its
//     mode and window search attributes at start and is stored by the
//     recording of that message, so its first workflow task neither
//     upserts search attributes nor saves the conversation twice.
const CurrentRevision = 1

// windowQuantum is the rounding of the window search attribute.
func windowQuantum(window time.Duration, revision int) time.Duration {
	if revision >= 1 && window >= 4*time.Hour {
		return 15 * time.Minute
	}
	return time.Minute
}

// opensWithCustomerMessage: a revision-1 run started by a customer's
// message (SignalWithStart), which is waiting in the inbound channel.
func (c *conversation) opensWithCustomerMessage() bool {
	return c.in.Revision >= 1 && c.in.State == nil && c.in.Proactive == nil && c.inbound.Len() > 0
}
