package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// The rules' decision and everything they read are in PostgreSQL once the
// conversation is queued: the what-if simulator replays them.
func TestRoutingRecordsWhatTheRulesRead(t *testing.T) {
	f := newWorkstreamFixture(t, nil)
	f.addRule("Orders", []domain.Condition{{Field: domain.FieldMessageBody, Op: domain.OpContains, Value: "commande"}}, "orders", nil)
	f.wire()
	ws, err := f.st.GetWorkstream(context.Background(), f.ws.ID) // the rule bumped its version
	if err != nil {
		t.Fatal(err)
	}
	var routedAt time.Time
	f.at(time.Minute, func() {
		routedAt = f.env.Now()
		f.inbound("Où est ma COMMANDE 42 ?")
	})
	f.at(2*time.Minute, func() { f.inbound("allô ?") }) // routed once: this one is not read
	f.run(3 * time.Minute)

	var got []domain.RoutingInput
	if err := f.st.EachRoutingInput(context.Background(), f.ws.ID, routedAt.Add(-time.Hour), routedAt.Add(time.Hour),
		func(in domain.RoutingInput) error { got = append(got, in); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d routing inputs recorded, want 1: %+v", len(got), got)
	}
	in := got[0]
	want := domain.RoutingFacts{CustomerE164: customer, CustomerCountryCode: "33", ProfileName: "Marie",
		MessageBody: "Où est ma COMMANDE 42 ?", ChannelE164: ourNumber}
	if in.Facts != want {
		t.Errorf("facts %+v, want %+v", in.Facts, want)
	}
	if in.RuleName != "Orders" || in.RuleID == "" || in.QueueID != f.queues["orders"].ID ||
		in.DefaultQueueID != f.queues["general"].ID || in.RulesVersion != ws.Version || in.WorkstreamID != f.ws.ID {
		t.Errorf("decision %+v (workstream version %d)", in, ws.Version)
	}
	// PostgreSQL keeps microseconds.
	if d := in.RoutedAt.Sub(routedAt.Truncate(time.Microsecond)); d < 0 || d > time.Second {
		t.Errorf("routed at %v, the message came at %v", in.RoutedAt, routedAt)
	}
	// Replaying through the rules of the time gives what happened.
	rules, err := f.st.ListRoutingRules(context.Background(), f.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := in.Replay(rules); d.QueueID != in.QueueID || d.RuleID != in.RuleID {
		t.Errorf("replay %+v, recorded %+v", d, in)
	}
}
