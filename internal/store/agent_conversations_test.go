package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestAgentConversationViews: what an agent may see (its own, the waiting
// conversations of its pick queues), the unread count, and that anything
// else is not found exactly like an unknown id.
func TestAgentConversationViews(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	pick, err := st.CreateQueue(ctx, "pick", 0, store.Audit{})
	if err != nil {
		t.Fatal(err)
	}
	agent := func(name string, queues ...string) string {
		a, err := st.CreateAgent(ctx, domain.Agent{Name: name, Email: name + "@example.com", Capacity: 2, Skills: map[string]int{},
			QueueIDs: queues, Presence: domain.PresenceAvailable}, "hash-"+name, store.Audit{})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	ada, bob, cyd := agent("ada", pick.ID), agent("bob"), agent("cyd", pick.ID)

	conv := domain.ConversationRecord{ID: uuid.NewString(), AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: "+33612345678", State: domain.StateBot, Mode: domain.ModeSession}
	conv.WorkflowID = domain.ConversationWorkflowID(conv.NumberID, conv.CustomerE164)
	t0 := time.Now().Add(-time.Minute)
	in := func(at time.Time) domain.InboundMessage {
		return domain.InboundMessage{MessageSID: "SM" + uuid.NewString(), Body: "hi", ReceivedAt: at}
	}
	if _, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{in(t0), in(t0.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	if _, err := distribution.NewDispatcher(st).Enqueue(ctx, distribution.EnqueueRequest{ConversationID: conv.ID, QueueID: pick.ID, Distribution: domain.DistributionPick}); err != nil {
		t.Fatal(err)
	}

	relation := func(agentID string) string {
		t.Helper()
		c, rel, err := st.AgentConversationAccess(ctx, agentID, conv.ID)
		if err != nil {
			if e := err.(*domain.Error); e.Code != domain.CodeNotFound || e.Message != "conversation "+conv.ID+" not found" {
				t.Fatalf("refusal: %v", err)
			}
			return "none"
		}
		if c.ID != conv.ID || c.QueueName == nil || *c.QueueName != "pick" {
			t.Fatalf("view: %+v", c)
		}
		return rel
	}
	if r := relation(ada); r != store.RelationPick {
		t.Fatalf("ada before accepting: %s", r)
	}
	if r := relation(bob); r != "none" {
		t.Fatalf("bob (not in the queue): %s", r)
	}
	if q, err := st.AgentPickQueue(ctx, ada, 0); err != nil || len(q) != 1 || q[0].ID != conv.ID || q[0].Unread != 2 || q[0].QueuedAt == nil {
		t.Fatalf("ada's pick queue: %+v %v", q, err)
	}
	if q, _ := st.AgentPickQueue(ctx, bob, 0); len(q) != 0 {
		t.Fatalf("bob's pick queue: %+v", q)
	}

	if err := distribution.NewDispatcher(st).Claim(ctx, conv.ID, ada); err != nil {
		t.Fatal(err)
	}
	if r := relation(ada); r != store.RelationMine {
		t.Fatalf("ada after accepting: %s", r)
	}
	if r := relation(cyd); r != store.RelationPickTaken {
		t.Fatalf("cyd after ada accepted: %s", r)
	}
	if q, _ := st.AgentPickQueue(ctx, cyd, 0); len(q) != 0 {
		t.Fatalf("cyd's pick queue after ada accepted: %+v", q)
	}

	// Unread: customer messages after the agent's last message.
	mine := func(state string) []store.AgentConversation {
		t.Helper()
		cs, err := st.AgentConversations(ctx, ada, state, 0)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if cs := mine(""); len(cs) != 1 || cs[0].Unread != 2 {
		t.Fatalf("ada's conversations: %+v", cs)
	}
	if _, err := st.CreateOutbound(ctx, domain.Message{ID: uuid.NewString(), ConversationID: conv.ID, Author: domain.AgentAuthor(ada), Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	if cs := mine(""); cs[0].Unread != 0 {
		t.Fatalf("unread after ada wrote: %d", cs[0].Unread)
	}
	if _, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{in(time.Now().Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	if cs := mine(""); cs[0].Unread != 1 {
		t.Fatalf("unread after the customer answered: %d", cs[0].Unread)
	}
	if cs := mine(domain.StateClosed); len(cs) != 0 {
		t.Fatalf("closed filter: %+v", cs)
	}
	if cs, _ := st.AgentConversations(ctx, bob, "", 0); len(cs) != 0 {
		t.Fatalf("bob's conversations: %+v", cs)
	}
	if _, _, err := st.AgentConversationAccess(ctx, ada, "not-a-uuid"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("malformed id: %v", err)
	}
}
