package store_test

import (
	"context"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestAgentIsToldOfAnEventOnceWhateverItsRetries: the activity that saves
// a conversation with an event runs again when its worker dies after the
// commit (seen in the replicas test: an agent told twice of one
// assignment). The same key records the event once; another key (the next
// event) is recorded.
func TestAgentIsToldOfAnEventOnceWhateverItsRetries(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	agent, conv := agentWithConversations(ctx, t, st)
	c := conv("+33600000001")
	c.Event, c.EventKey = domain.EventAssignment, c.ID+"/1/assignment/"+agent
	for range 3 { // the first run and two retries
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	c.Event, c.EventKey = domain.EventWindowWarning, c.ID+"/2/window_warning/"+agent
	if err := st.SaveConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	evs, err := st.AgentEventsAfter(ctx, agent, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if len(types) != 2 || types[0] != domain.EventAssignment || types[1] != domain.EventWindowWarning {
		t.Fatalf("agent events %v, want one assignment then one window warning", types)
	}
}
