package domain

import "time"

// RoutingInput is everything Route read when the rules routed a
// conversation at handoff, and what it chose. The workflow hands it to the
// store with the save that follows the decision, so a period's routing can
// be replayed through other rules later (the what-if simulator) without
// running a workflow.
type RoutingInput struct {
	ConversationID string
	WorkstreamID   string
	// RulesVersion is the workstream's version in the conversation's
	// settings snapshot: every change to its rules bumps it.
	RulesVersion int
	RoutedAt     time.Time // workflow time of the decision
	Facts        RoutingFacts
	// DefaultQueueID is the default queue Route was given ("" when the
	// workstream had none).
	DefaultQueueID string
	// The decision: the rule that matched (empty for the default queue)
	// and the queue ("" when nothing matched and there was no default).
	RuleID   string
	RuleName string
	QueueID  string
}

// Replay routes the recorded facts through rules with the recorded default
// queue: the same call the workflow made, with other rules.
func (in RoutingInput) Replay(rules []RoutingRule) RoutingDecision {
	return Route(rules, in.Facts, in.DefaultQueueID)
}
