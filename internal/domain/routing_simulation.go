package domain

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// RoutingSimulation replays recorded routing inputs (RoutingInput) through
// a draft rule list and counts, per queue, where the draft would have sent
// the conversations against where the rules of the time sent them. Feed it
// one input at a time (Add): it keeps counters per queue and per draft rule
// and at most maxMoved moved conversations, so its memory does not grow
// with the period.
type RoutingSimulation struct {
	rules    []RoutingRule // the draft, each ID replaced by its index
	draft    []RoutingRule // the draft as given (IDs, names)
	maxMoved int

	queues   map[string]*QueueOutcome
	ruleHits []int
	res      RoutingSimulationResult
}

// QueueOutcome is one queue's count of conversations. QueueID "" stands for
// "unrouted": nothing matched and the workstream had no default queue.
type QueueOutcome struct {
	QueueID   string `json:"queue_id"`
	QueueName string `json:"queue_name,omitempty"`
	Actual    int    `json:"actual"`    // sent there by the rules of the time
	Simulated int    `json:"simulated"` // the draft would have sent there
	Change    int    `json:"change"`    // simulated - actual
}

// RuleRef names the rule that routed a conversation: a rule of the time
// (ID and name) or a draft rule (Index in the draft list, from 0, and the
// ID it carried if it was copied from an existing rule). A nil *RuleRef is
// the default queue.
type RuleRef struct {
	Index *int   `json:"index,omitempty"`
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
}

// MovedConversation is a conversation the draft would have sent to another
// queue.
type MovedConversation struct {
	ConversationID string    `json:"conversation_id"`
	RoutedAt       time.Time `json:"routed_at"`
	FromQueueID    string    `json:"from_queue_id"`
	ToQueueID      string    `json:"to_queue_id"`
	FromRule       *RuleRef  `json:"from_rule"` // nil: the default queue
	ToRule         *RuleRef  `json:"to_rule"`   // the draft rule; nil: the default queue
}

// DraftRuleHits is how many replayed conversations a draft rule captured.
type DraftRuleHits struct {
	Index   int    `json:"index"`
	ID      string `json:"id,omitempty"`
	Name    string `json:"name"`
	Matched int    `json:"matched"`
}

// RoutingSimulationResult is what a simulation found.
type RoutingSimulationResult struct {
	Conversations      int                 `json:"conversations"` // replayed
	Moved              int                 `json:"moved"`         // to another queue
	Queues             []QueueOutcome      `json:"queues"`        // by queue id, unrouted last
	Rules              []DraftRuleHits     `json:"rules"`         // in draft order
	DefaultQueue       int                 `json:"default_queue"` // matched no draft rule
	MovedConversations []MovedConversation `json:"moved_conversations"`
	// MovedTruncated says MovedConversations stops at the limit; Moved
	// still counts them all.
	MovedTruncated bool `json:"moved_truncated"`
}

// NewRoutingSimulation starts a simulation of draft (validated rules; the
// order they are evaluated in is Route's) that lists at most maxMoved
// moved conversations.
func NewRoutingSimulation(draft []RoutingRule, maxMoved int) *RoutingSimulation {
	rules := slices.Clone(draft)
	for i := range rules {
		// Route reports the matching rule by ID: the index tells draft rules
		// apart even when they carry no ID.
		rules[i].ID = strconv.Itoa(i)
	}
	return &RoutingSimulation{
		rules: rules, draft: slices.Clone(draft), maxMoved: maxMoved,
		queues: map[string]*QueueOutcome{}, ruleHits: make([]int, len(draft)),
		res: RoutingSimulationResult{MovedConversations: []MovedConversation{}},
	}
}

// Add replays one recorded routing.
func (s *RoutingSimulation) Add(in RoutingInput) {
	d := in.Replay(s.rules)
	s.res.Conversations++
	s.queue(in.QueueID).Actual++
	s.queue(d.QueueID).Simulated++
	var to *RuleRef
	if d.RuleID != "" {
		i, _ := strconv.Atoi(d.RuleID)
		s.ruleHits[i]++
		to = &RuleRef{Index: &i, ID: s.draft[i].ID, Name: s.draft[i].Name}
	} else {
		s.res.DefaultQueue++
	}
	if d.QueueID == in.QueueID {
		return
	}
	s.res.Moved++
	if len(s.res.MovedConversations) >= s.maxMoved {
		s.res.MovedTruncated = true
		return
	}
	var from *RuleRef
	if in.RuleID != "" || in.RuleName != "" {
		from = &RuleRef{ID: in.RuleID, Name: in.RuleName}
	}
	s.res.MovedConversations = append(s.res.MovedConversations, MovedConversation{
		ConversationID: in.ConversationID, RoutedAt: in.RoutedAt,
		FromQueueID: in.QueueID, ToQueueID: d.QueueID, FromRule: from, ToRule: to,
	})
}

func (s *RoutingSimulation) queue(id string) *QueueOutcome {
	q, ok := s.queues[id]
	if !ok {
		q = &QueueOutcome{QueueID: id}
		s.queues[id] = q
	}
	return q
}

// Result is what the simulation found so far.
func (s *RoutingSimulation) Result() RoutingSimulationResult {
	res := s.res
	res.MovedConversations = slices.Clone(s.res.MovedConversations)
	res.Queues = make([]QueueOutcome, 0, len(s.queues))
	for _, q := range s.queues {
		o := *q
		o.Change = o.Simulated - o.Actual
		res.Queues = append(res.Queues, o)
	}
	slices.SortFunc(res.Queues, func(a, b QueueOutcome) int {
		if (a.QueueID == "") != (b.QueueID == "") {
			if a.QueueID == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.QueueID, b.QueueID)
	})
	res.Rules = make([]DraftRuleHits, len(s.draft))
	for i, r := range s.draft {
		res.Rules[i] = DraftRuleHits{Index: i, ID: r.ID, Name: r.Name, Matched: s.ruleHits[i]}
	}
	return res
}
