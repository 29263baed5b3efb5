package domain

import (
	"fmt"
	"testing"
	"time"
)

// recorded is a routing as the workflow recorded it: rules of the time,
// facts, default queue, and the decision those rules made.
func recorded(id string, rules []RoutingRule, facts RoutingFacts, def string) RoutingInput {
	d := Route(rules, facts, def)
	return RoutingInput{
		ConversationID: id, WorkstreamID: "ws", RulesVersion: 3, RoutedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		Facts: facts, DefaultQueueID: def, RuleID: d.RuleID, RuleName: d.RuleName, QueueID: d.QueueID,
	}
}

func TestRoutingSimulationCountsQueuesAndMoves(t *testing.T) {
	french := RoutingRule{ID: "r-fr", Order: 1, Name: "french", QueueID: "q-fr",
		Conditions: []Condition{{Field: FieldCustomerCountryCode, Op: OpEq, Value: "33"}}}
	live := []RoutingRule{french}
	inputs := []RoutingInput{
		recorded("c1", live, RoutingFacts{CustomerE164: "+33612345678", MessageBody: "bonjour"}, "q-def"),
		recorded("c2", live, RoutingFacts{CustomerE164: "+33612345679", MessageBody: "facture impayée"}, "q-def"),
		recorded("c3", live, RoutingFacts{CustomerE164: "+14155550100", MessageBody: "invoice please"}, "q-def"),
		recorded("c4", live, RoutingFacts{CustomerE164: "+14155550101", MessageBody: "hello"}, "q-def"),
	}
	// The draft puts billing first, whatever the country, and keeps french.
	billing := RoutingRule{Name: "billing", QueueID: "q-bill",
		Conditions: []Condition{{Field: FieldMessageBody, Op: OpMatches, Value: `(?i)factur|invoice`}}}
	draftFrench := french
	draftFrench.Order = 2
	billing.Order = 1
	sim := NewRoutingSimulation([]RoutingRule{billing, draftFrench}, 10)
	for _, in := range inputs {
		sim.Add(in)
	}
	res := sim.Result()
	if res.Conversations != 4 || res.Moved != 2 || res.DefaultQueue != 1 || res.MovedTruncated {
		t.Fatalf("totals: %+v", res)
	}
	want := []QueueOutcome{
		{QueueID: "q-bill", Actual: 0, Simulated: 2, Change: 2},
		{QueueID: "q-def", Actual: 2, Simulated: 1, Change: -1},
		{QueueID: "q-fr", Actual: 2, Simulated: 1, Change: -1},
	}
	if fmt.Sprint(res.Queues) != fmt.Sprint(want) {
		t.Fatalf("queues:\n got %+v\nwant %+v", res.Queues, want)
	}
	if len(res.MovedConversations) != 2 {
		t.Fatalf("moved: %+v", res.MovedConversations)
	}
	c2, c3 := res.MovedConversations[0], res.MovedConversations[1]
	if c2.ConversationID != "c2" || c2.FromQueueID != "q-fr" || c2.ToQueueID != "q-bill" ||
		c2.FromRule == nil || c2.FromRule.ID != "r-fr" || c2.ToRule == nil || *c2.ToRule.Index != 0 || c2.ToRule.Name != "billing" {
		t.Fatalf("c2 moved: %+v from %+v to %+v", c2, c2.FromRule, c2.ToRule)
	}
	if c3.ConversationID != "c3" || c3.FromQueueID != "q-def" || c3.FromRule != nil || c3.ToQueueID != "q-bill" {
		t.Fatalf("c3 moved: %+v", c3)
	}
	// The draft french rule kept its ID (copied from the live rule).
	if res.Rules[0].Matched != 2 || res.Rules[1].Matched != 1 || res.Rules[1].ID != "r-fr" || res.Rules[0].ID != "" {
		t.Fatalf("rule hits: %+v", res.Rules)
	}
}

func TestRoutingSimulationSameRulesMoveNothing(t *testing.T) {
	rules := []RoutingRule{
		{ID: "a", Order: 1, Name: "vip", QueueID: "q-vip", Conditions: []Condition{{Field: FieldCustomerProfileName, Op: OpContains, Value: "vip"}}},
		{ID: "b", Order: 2, Name: "uk", QueueID: "q-uk", Conditions: []Condition{{Field: FieldCustomerE164, Op: OpPrefix, Value: "+44"}}},
	}
	sim := NewRoutingSimulation(rules, 10)
	for i, f := range []RoutingFacts{
		{CustomerE164: "+447700900001", ProfileName: "Ann VIP"},
		{CustomerE164: "+447700900002"},
		{CustomerE164: "+33612345678"},
	} {
		sim.Add(recorded(fmt.Sprint("c", i), rules, f, ""))
	}
	res := sim.Result()
	if res.Moved != 0 || len(res.MovedConversations) != 0 {
		t.Fatalf("the rules of the time moved conversations: %+v", res)
	}
	// Without a default queue the third conversation stayed unrouted, and
	// the unrouted row comes last.
	last := res.Queues[len(res.Queues)-1]
	if last.QueueID != "" || last.Actual != 1 || last.Simulated != 1 {
		t.Fatalf("unrouted row: %+v", res.Queues)
	}
}

func TestRoutingSimulationBoundsTheMovedList(t *testing.T) {
	sim := NewRoutingSimulation([]RoutingRule{{Order: 1, Name: "all", QueueID: "q-new"}}, 3)
	for i := range 10 {
		sim.Add(RoutingInput{ConversationID: fmt.Sprint(i), QueueID: "q-old", Facts: RoutingFacts{CustomerE164: "+33612345678"}})
	}
	res := sim.Result()
	if res.Moved != 10 || len(res.MovedConversations) != 3 || !res.MovedTruncated {
		t.Fatalf("moved %d, listed %d, truncated %v", res.Moved, len(res.MovedConversations), res.MovedTruncated)
	}
}
