package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestSupervisorOverviewAndEventsByQueue scripts two queues and checks the
// live view and the event stream a supervisor of one of them reads, and
// what the admin key (every queue) reads.
func TestSupervisorOverviewAndEventsByQueue(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	qa, qb := insertQueue(t, st, "billing"), insertQueue(t, st, "sales")
	ada, _ := newAgent(t, st, domain.Agent{Name: "Ada", Email: "ada@example.com", Capacity: 3, QueueIDs: []string{qa}, Presence: domain.PresenceAvailable})
	bob, _ := newAgent(t, st, domain.Agent{Name: "Bob", Email: "bob@example.com", Capacity: 2, QueueIDs: []string{qb}})
	start, err := st.LatestSupervisorEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}

	base := newConversation(t, st) // queued, no queue: nobody's but the admin's
	conv := func(customer, queue, state string, agent *string, queuedAgo time.Duration) string {
		c := base
		c.ID, c.CustomerE164, c.State = uuid.NewString(), customer, state
		c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, customer)
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE conversations SET queue_id = $2, agent_id = $3, queued_at = now() - make_interval(secs => $4),
			holds_capacity = $3::uuid IS NOT NULL, window_expires_at = now() + interval '1 hour' WHERE id = $1`,
			c.ID, queue, agent, queuedAgo.Seconds()); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	longWait := conv("+33600000001", qa, domain.StateQueued, nil, 10*time.Minute)
	conv("+33600000002", qa, domain.StateQueued, nil, time.Minute)
	mine := conv("+33600000003", qa, domain.StateAssigned, &ada.ID, 20*time.Minute)
	conv("+33600000004", qb, domain.StateQueued, nil, 30*time.Minute)
	// The customer of `mine` wrote 15 minutes ago and nobody answered; its
	// window closes within the hour.
	if _, err := st.DB().Exec(`INSERT INTO messages (id, conversation_id, direction, author, body, status, created_at)
		VALUES ($1, $2, 'inbound', 'customer', 'hello?', 'received', now() - interval '15 minutes')`, uuid.NewString(), mine); err != nil {
		t.Fatal(err)
	}
	note, err := st.CreateNote(ctx, domain.Message{ID: uuid.NewString(), ConversationID: mine, Author: "agent:" + ada.ID, Body: "VIP"})
	if err != nil || !note.Note || note.Direction != domain.Internal || note.Status != domain.StatusNote || note.TwilioSID != nil {
		t.Fatalf("note: %+v, %v", note, err)
	}
	if _, err := st.SetPresence(ctx, bob.ID, domain.PresenceAway); err != nil {
		t.Fatal(err)
	}

	th := store.RiskThresholds{Waiting: 5 * time.Minute, WindowClosing: 2 * time.Hour, NoAgentReply: 10 * time.Minute}
	o, err := st.SupervisorOverview(ctx, []string{qa}, th)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Queues) != 1 || o.Queues[0].ID != qa || o.Queues[0].Waiting != 2 || o.Queues[0].Assigned != 1 ||
		o.Queues[0].OldestWaitSeconds < 600 || o.Queues[0].OldestWaitSeconds > 660 {
		t.Fatalf("queues: %+v", o.Queues)
	}
	if len(o.Agents) != 1 || o.Agents[0].ID != ada.ID || o.Agents[0].Load != 1 || o.Agents[0].Capacity != 3 ||
		o.Agents[0].OpenConversations != 1 || o.Agents[0].Presence != domain.PresenceAvailable {
		t.Fatalf("agents: %+v", o.Agents)
	}
	reasons := map[string]string{}
	for _, r := range o.AtRisk {
		reasons[r.ConversationID+"/"+r.Reason] = r.Detail
	}
	for _, want := range []string{longWait + "/" + store.RiskWaiting, mine + "/" + store.RiskWindowClosing, mine + "/" + store.RiskNoAgentReply} {
		if _, ok := reasons[want]; !ok {
			t.Errorf("at risk lacks %s: %+v", want, o.AtRisk)
		}
	}
	if d := o.Distributions; len(d.WaitingSeconds) != 2 || d.WaitingSeconds[0] < 600 || len(d.HandleSeconds) != 0 {
		t.Errorf("distributions: %+v", d)
	}
	if len(o.AtRisk) != 3 {
		t.Errorf("at risk: %+v", o.AtRisk)
	}

	all, err := st.SupervisorOverview(ctx, nil, th)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Queues) != 2 || len(all.Agents) != 2 {
		t.Fatalf("admin overview: %d queues, %d agents", len(all.Queues), len(all.Agents))
	}

	mineEvents, err := st.SupervisorEventsAfter(ctx, []string{qa}, start, 100)
	if err != nil {
		t.Fatal(err)
	}
	allEvents, err := st.SupervisorEventsAfter(ctx, nil, start, 100)
	if err != nil {
		t.Fatal(err)
	}
	// Of queue A: three conversation changes (the updates that put them
	// there), the inbound message and the note. Bob's presence and queue
	// B's conversation are not A's.
	types := map[string]int{}
	for i, e := range mineEvents {
		types[e.Type]++
		if i > 0 && e.ID <= mineEvents[i-1].ID {
			t.Fatalf("events out of order: %+v", mineEvents)
		}
	}
	if types["conversation"] != 3 || types["message"] != 2 || types["agent"] != 0 {
		t.Fatalf("queue A's events: %v", types)
	}
	if len(allEvents) <= len(mineEvents) {
		t.Fatalf("the admin sees %d events, queue A %d", len(allEvents), len(mineEvents))
	}
	none, err := st.SupervisorEventsAfter(ctx, []string{}, start, 100)
	if err != nil || len(none) != 0 {
		t.Fatalf("a supervisor of no queue: %v, %v", none, err)
	}
}
