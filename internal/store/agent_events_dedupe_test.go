package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
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
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	agent := uuid.NewString()
	if _, err := st.DB().Exec(`INSERT INTO agents (id, name, email, capacity, token_hash) VALUES ($1, 'A', 'a@example.com', 2, 'h')`, agent); err != nil {
		t.Fatal(err)
	}
	c := domain.ConversationRecord{ID: uuid.NewString(), AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: "+33600000001", State: domain.StateAssigned, Mode: domain.ModeSession}
	c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, c.CustomerE164)
	if err := st.SaveConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE conversations SET agent_id = $1 WHERE id = $2`, agent, c.ID); err != nil {
		t.Fatal(err)
	}
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
