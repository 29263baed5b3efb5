package distribution_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/domain"
)

// Queue priority first, then conversation priority, then first come first
// served; the pick list shows the same order.
func TestDispatchOrderQueuePriorityThenPriorityThenFIFO(t *testing.T) {
	f := newDistFix(t)
	low, high := f.queue("low", 0), f.queue("high", 10)
	ada := f.agent(agentSpec{capacity: 1, presence: domain.PresenceAway, queues: []string{low, high}})

	c1, d1 := f.enqueue(distribution.EnqueueRequest{QueueID: low})
	c2, _ := f.enqueue(distribution.EnqueueRequest{QueueID: low, Priority: 5})
	c3, _ := f.enqueue(distribution.EnqueueRequest{QueueID: low})
	c4, _ := f.enqueue(distribution.EnqueueRequest{QueueID: high})
	if len(d1.Assigned) != 0 {
		t.Fatalf("assigned to an away agent: %+v", d1)
	}
	want := []string{c4, c2, c1, c3}
	waiting, err := f.d.WaitingConversations(f.ctx, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range waiting {
		got = append(got, c.ID)
		if c.State != domain.StateQueued || c.QueueID == nil {
			t.Fatalf("waiting conversation %+v", c)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("waiting order %v, want %v", got, want)
	}
	if only, _ := f.d.WaitingConversations(f.ctx, []string{low}, 10); len(only) != 3 {
		t.Fatalf("low queue lists %d", len(only))
	}

	f.setPresence(ada, domain.PresenceAvailable)
	next := f.dispatchForAgent(ada)
	for i, c := range want {
		if len(next.Assigned) != 1 || next.Assigned[0].ConversationID != c || next.Assigned[0].AgentID != ada {
			t.Fatalf("turn %d: %+v, want %s", i, next, c)
		}
		if l := f.load(ada); l != 1 {
			t.Fatalf("load %d", l)
		}
		next = f.release(c)
	}
	if len(next.Assigned) != 0 {
		t.Fatalf("nothing left to assign, got %+v", next)
	}
}

// Least loaded first; among equals the longest idle: never assigned, then
// the oldest last assignment, then the longest in its presence.
func TestDispatchLeastLoadedThenLongestIdle(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	long, recent := time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)
	a := f.agent(agentSpec{capacity: 3, queues: []string{q}, lastAt: &long})
	b := f.agent(agentSpec{capacity: 3, queues: []string{q}, idleFor: time.Minute})      // never assigned
	b2 := f.agent(agentSpec{capacity: 3, queues: []string{q}, idleFor: 2 * time.Minute}) // never assigned, idle longer
	c := f.agent(agentSpec{capacity: 3, queues: []string{q}, lastAt: &recent})

	var order []string
	for range 8 {
		_, d := f.enqueue(distribution.EnqueueRequest{QueueID: q})
		order = append(order, assignedTo(d)...)
	}
	// Round one by idleness, round two by who was assigned longest ago.
	want := []string{b2, b, a, c, b2, b, a, c}
	if !slices.Equal(order, want) {
		t.Fatalf("assignment order %v, want %v", order, want)
	}
	// One release makes that agent the least loaded.
	conv, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if got := f.agentOf(conv); got != b2 {
		t.Fatalf("9th went to %s, want %s", got, b2)
	}
	var cOwned string
	if err := f.st.DB().Get(&cOwned, `SELECT id FROM conversations WHERE agent_id = $1 LIMIT 1`, c); err != nil {
		t.Fatal(err)
	}
	f.release(cOwned)
	if conv, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q}); f.agentOf(conv) != c {
		t.Fatalf("after a release the least loaded agent %s should get the next one, got %s", c, f.agentOf(conv))
	}
}

// Skills must be held at the minimum proficiency or more; names are
// case-insensitive; a conversation no agent can serve waits without
// blocking the ones behind it, and goes as soon as an agent qualifies.
func TestDispatchSkillsWithMinimumProficiency(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	novice := f.agent(agentSpec{capacity: 5, queues: []string{q}, skills: map[string]int{"billing": 4}, idleFor: time.Hour})
	expert := f.agent(agentSpec{capacity: 5, queues: []string{q}, skills: map[string]int{"billing": 7, "french": 5}})

	conv, d := f.enqueue(distribution.EnqueueRequest{QueueID: q, Skills: []domain.SkillRequired{{Name: " Billing ", MinProficiency: 5}}})
	if got := assignedTo(d); !slices.Equal(got, []string{expert}) {
		t.Fatalf("billing>=5 went to %v, want the expert", got)
	}
	if f.agentOf(conv) != expert {
		t.Fatal("conversation row does not name the expert")
	}
	exact, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Skills: []domain.SkillRequired{{Name: "billing", MinProficiency: 4}}})
	if f.agentOf(exact) != novice {
		t.Fatal("billing>=4: the less loaded novice qualifies")
	}
	german, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Skills: []domain.SkillRequired{{Name: "german", MinProficiency: 1}}})
	plain, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if f.agentOf(german) != "" || f.agentOf(plain) == "" {
		t.Fatal("the german conversation must wait and not block the next one")
	}
	if _, err := f.st.DB().Exec(`UPDATE agents SET skills = '{"billing": 4, "german": 2}' WHERE id = $1`, novice); err != nil {
		t.Fatal(err)
	}
	if d := f.dispatchForAgent(novice); len(d.Assigned) != 1 || d.Assigned[0].ConversationID != german {
		t.Fatalf("after learning german: %+v", d)
	}
	two, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, Skills: []domain.SkillRequired{{Name: "billing", MinProficiency: 6}, {Name: "french", MinProficiency: 6}}})
	if f.agentOf(two) != "" {
		t.Fatal("nobody has french>=6")
	}
}

// Capacity is never exceeded, conversations may cost more than one unit,
// and a conversation too big for the room left waits while smaller ones
// that fit go.
func TestDispatchCapacityAndCost(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 3, queues: []string{q}})

	big1, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, CapacityCost: 2})
	big2, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q, CapacityCost: 2})
	small, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	small2, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if f.agentOf(big1) != ada || f.agentOf(big2) != "" || f.agentOf(small) != ada || f.agentOf(small2) != "" {
		t.Fatalf("big1 %q big2 %q small %q small2 %q", f.agentOf(big1), f.agentOf(big2), f.agentOf(small), f.agentOf(small2))
	}
	if l, c, err := f.d.AgentLoad(f.ctx, ada); l != 3 || c != 3 || err != nil {
		t.Fatalf("load %d/%d %v", l, c, err)
	}
	// Freeing 2 units lets big2 in first: it is ahead in line.
	if d := f.release(big1); len(d.Assigned) != 1 || d.Assigned[0].ConversationID != big2 {
		t.Fatalf("after releasing big1: %+v", d)
	}
	if f.load(ada) != 3 {
		t.Fatalf("load %d", f.load(ada))
	}
	// A zero-capacity agent never gets anything.
	f.agent(agentSpec{capacity: 0, queues: []string{q}})
	if d, err := f.d.Dispatch(f.ctx); err != nil || len(d.Assigned) != 0 {
		t.Fatalf("dispatch all: %+v %v", d, err)
	}
	if _, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: f.conversation(), QueueID: q, CapacityCost: -1}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("negative cost: %v", err)
	}
}

// Pick-mode conversations wait for Claim even with an idle agent; push
// conversations behind them are not held up.
func TestPickModeIsNotAutoAssigned(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 2, queues: []string{q}})
	pick, d := f.enqueue(distribution.EnqueueRequest{QueueID: q, Distribution: domain.DistributionPick})
	if len(d.Assigned) != 0 {
		t.Fatalf("pick conversation assigned: %+v", d)
	}
	push, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if f.agentOf(push) != ada || f.agentOf(pick) != "" {
		t.Fatal("push should go, pick should wait")
	}
	if d, _ := f.d.Dispatch(f.ctx, q); len(d.Assigned) != 0 {
		t.Fatalf("dispatch took a pick conversation: %+v", d)
	}
	waiting, _ := f.d.WaitingConversations(f.ctx, []string{q}, 10)
	if len(waiting) != 1 || waiting[0].ID != pick {
		t.Fatalf("pick list %+v", waiting)
	}
	if err := f.d.Claim(f.ctx, pick, ada); err != nil {
		t.Fatal(err)
	}
	if f.agentOf(pick) != ada || f.load(ada) != 2 {
		t.Fatal("claim did not assign")
	}
	if _, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: f.conversation(), QueueID: q, Distribution: "round-robin"}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("bad distribution: %v", err)
	}
}

// Release frees the capacity, re-dispatches the agent's queues, is harmless
// to repeat, and keeps who worked the conversation on record.
func TestReleaseRedispatches(t *testing.T) {
	f := newDistFix(t)
	q, other := f.queue("q", 0), f.queue("other", 0)
	ada := f.agent(agentSpec{capacity: 1, queues: []string{q, other}})
	first, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	second, _ := f.enqueue(distribution.EnqueueRequest{QueueID: other})
	if f.agentOf(second) != "" {
		t.Fatal("over capacity")
	}
	d := f.release(first)
	if len(d.Assigned) != 1 || d.Assigned[0].ConversationID != second || d.Assigned[0].AgentID != ada || d.Assigned[0].OutboxID == 0 {
		t.Fatalf("release dispatch %+v", d)
	}
	if a, ok := d.For(second); !ok || a.WorkflowID == "" {
		t.Fatalf("For: %+v %v", a, ok)
	}
	if f.agentOf(first) != ada {
		t.Fatal("a released conversation keeps its agent on record")
	}
	if d := f.release(first); len(d.Assigned) != 0 || f.load(ada) != 1 {
		t.Fatalf("second release: %+v load %d", d, f.load(ada))
	}
	if _, err := f.d.Release(f.ctx, "00000000-0000-0000-0000-000000000000"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown conversation: %v", err)
	}
}

// Enqueueing a conversation already waiting in that queue keeps its place,
// and one already assigned in that queue keeps its agent (a retried
// activity, a reset workflow); a transfer (Requeue) of an assigned
// conversation (the workflow saves state queued first) releases the agent,
// closes the undelivered outbox row and goes to the back of the line.
func TestEnqueueRetryAndTransfer(t *testing.T) {
	f := newDistFix(t)
	q, q2 := f.queue("q", 0), f.queue("q2", 0)
	ada := f.agent(agentSpec{capacity: 1, queues: []string{q}})
	bob := f.agent(agentSpec{capacity: 1, queues: []string{q2}})

	conv, first := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if len(first.Assigned) != 1 || first.Assigned[0].AgentID != ada {
		t.Fatalf("first: %+v", first)
	}
	f.record(conv, domain.StateQueued) // a reset run saves "queued" again before enqueueing
	again, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: conv, QueueID: q})
	if err != nil || len(again.Assigned) != 1 || again.Assigned[0].AgentID != ada || again.Assigned[0].OutboxID != 0 {
		t.Fatalf("retry after assignment: %+v %v", again, err)
	}
	pending, _ := f.d.PendingAssignments(f.ctx, 0, time.Hour, 10)
	if len(pending) != 1 || pending[0] != first.Assigned[0] || f.load(ada) != 1 {
		t.Fatalf("the first assignment stands, once: %+v, load %d", pending, f.load(ada))
	}

	// Waiting (ada is full): enqueueing again keeps the place in line.
	waiter, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	later, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	if _, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: waiter, QueueID: q}); err != nil {
		t.Fatal(err)
	}
	if w, _ := f.d.WaitingConversations(f.ctx, []string{q}, 10); len(w) != 2 || w[0].ID != waiter || w[1].ID != later {
		t.Fatalf("waiting %+v", w)
	}
	// A waiting conversation transferred to q2 goes to bob.
	if d, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: waiter, QueueID: q2}); err != nil || len(d.Assigned) != 1 || d.Assigned[0].AgentID != bob {
		t.Fatalf("transfer of a waiting conversation: %+v %v", d, err)
	}

	// The assigned conversation is transferred back into its own queue, as
	// the workflow does it (state saved as queued first): ada is released
	// and takes the one that was waiting; conv waits behind it.
	f.record(conv, domain.StateQueued)
	d, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: conv, QueueID: q, Requeue: true})
	if err != nil || len(d.Assigned) != 1 || d.Assigned[0].ConversationID != later || d.Assigned[0].AgentID != ada {
		t.Fatalf("transfer to the same queue: %+v %v", d, err)
	}
	if _, own := d.For(conv); own || f.agentOf(conv) != "" {
		t.Fatal("the transferred conversation should wait behind the older one")
	}
	// Undelivered: waiter's and later's; conv's was closed when it left ada.
	if pending, _ := f.d.PendingAssignments(f.ctx, 0, time.Hour, 10); len(pending) != 2 || pending[0].ConversationID != waiter || pending[1].ConversationID != later {
		t.Fatalf("pending %+v", pending)
	}

	f.record(conv, domain.StateClosed)
	if _, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: conv, QueueID: q}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("closed: %v", err)
	}
	if _, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: f.conversation(), QueueID: "00000000-0000-0000-0000-000000000000"}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("unknown queue: %v", err)
	}
}

// The outbox holds one row per dispatcher assignment, in order; the relay
// sees them once old enough and not after they are marked.
func TestAssignmentOutbox(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 3, presence: domain.PresenceOffline, queues: []string{q}})
	var convs []string
	for range 3 {
		c, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
		convs = append(convs, c)
	}
	f.setPresence(ada, domain.PresenceAvailable)
	d := f.dispatchForAgent(ada)
	if len(d.Assigned) != 3 {
		t.Fatalf("dispatch %+v", d)
	}
	if young, _ := f.d.PendingAssignments(f.ctx, time.Hour, time.Hour, 10); len(young) != 0 {
		t.Fatalf("rows younger than the grace period: %+v", young)
	}
	pending, err := f.d.PendingAssignments(f.ctx, 0, time.Hour, 10)
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending %+v %v", pending, err)
	}
	for i, p := range pending {
		if p != d.Assigned[i] || p.ConversationID != convs[i] || p.AgentID != ada || p.WorkflowID == "" {
			t.Fatalf("pending[%d] = %+v, dispatch said %+v", i, p, d.Assigned[i])
		}
	}
	if err := f.d.MarkAssignmentDelivered(f.ctx, pending[0].OutboxID, pending[1].OutboxID); err != nil {
		t.Fatal(err)
	}
	if left, _ := f.d.PendingAssignments(f.ctx, 0, time.Hour, 10); len(left) != 1 || left[0].OutboxID != pending[2].OutboxID {
		t.Fatalf("left %+v", left)
	}
	if err := f.d.MarkAssignmentDelivered(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// record writes the conversation's state as its workflow would.
func (f *distFix) record(conversationID, state string) domain.Conversation {
	f.t.Helper()
	c, err := f.st.GetConversation(f.ctx, conversationID)
	if err != nil {
		f.t.Fatal(err)
	}
	rec := domain.ConversationRecord{ID: c.ID, WorkflowID: c.WorkflowID, AccountID: c.AccountID, NumberID: c.NumberID,
		CustomerE164: c.CustomerE164, State: state, Mode: c.Mode}
	if err := f.st.SaveConversation(f.ctx, rec); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// Reconcile frees capacity a closed conversation kept past its wrap-up and
// places what a missed trigger left waiting.
func TestReconcile(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 1, queues: []string{q}})
	bob := f.agent(agentSpec{capacity: 1, presence: domain.PresenceOffline, queues: []string{q}})
	leaked, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	waiting1, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	waiting2, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	f.record(leaked, domain.StateClosed)

	// Closed a moment ago: it may be in its wrap-up, it keeps the capacity.
	freed, d, err := f.d.Reconcile(f.ctx, time.Hour)
	if err != nil || len(freed) != 0 || len(d.Assigned) != 0 {
		t.Fatalf("recent close: %v %+v %v", freed, d, err)
	}
	if _, err := f.st.DB().Exec(`UPDATE conversations SET updated_at = now() - interval '2 hours' WHERE id = $1`, leaked); err != nil {
		t.Fatal(err)
	}
	// bob came online without a dispatch (a missed trigger).
	if _, err := f.st.DB().Exec(`UPDATE agents SET presence = 'available' WHERE id = $1`, bob); err != nil {
		t.Fatal(err)
	}
	freed, d, err = f.d.Reconcile(f.ctx, time.Hour)
	if err != nil || !slices.Equal(freed, []string{leaked}) || len(d.Assigned) != 2 {
		t.Fatalf("reconcile: %v %+v %v", freed, d, err)
	}
	if f.agentOf(waiting1) == "" || f.agentOf(waiting2) == "" || f.load(ada) != 1 || f.load(bob) != 1 {
		t.Fatal("both waiting conversations should be placed")
	}
}

// Conversations queued at the very same instant are served by id, and a
// second batch (the first held rows its agent could no longer take) skips
// none of them.
func TestDispatchTiesAndPaging(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 1, queues: []string{q}, skills: map[string]int{"y": 5}})
	bob := f.agent(agentSpec{capacity: 1, presence: domain.PresenceAway, queues: []string{q}})
	at := time.Now().Add(-time.Minute)
	ids := []string{
		"00000000-0000-4000-8000-000000000004", // no skills
		"00000000-0000-4000-8000-000000000001", // needs y: only ada
		"00000000-0000-4000-8000-000000000002", // needs y: only ada
		"00000000-0000-4000-8000-000000000003", // no skills
	}
	for i, id := range ids {
		skills := `[]`
		if i == 1 || i == 2 {
			skills = `[{"name": "y", "min_proficiency": 1}]`
		}
		if _, err := f.st.DB().Exec(`WITH c AS (INSERT INTO contacts (id, e164) VALUES (gen_random_uuid(), $4) RETURNING id, e164)
			INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, state, mode, queue_id, queued_at, required_skills)
			SELECT $1, 'conv:' || c.e164, $2, $3, c.id, c.e164, 'queued', 'session', $5, $6, $7 FROM c`,
			id, f.account, f.number, fmt.Sprintf("+3370000000%d", i), q, at, skills); err != nil {
			t.Fatal(err)
		}
	}
	// ada and bob have room for two: the first batch is ...01 and ...02
	// (ties by id), both only ada's; ...02 cannot be placed once ...01 is,
	// so a second batch must find ...03 for bob.
	if _, err := f.st.DB().Exec(`UPDATE agents SET presence = 'available' WHERE id = $1`, bob); err != nil {
		t.Fatal(err)
	}
	d, err := f.d.Dispatch(f.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range d.Assigned {
		got[a.ConversationID] = a.AgentID
	}
	if len(got) != 2 || got[ids[1]] != ada || got[ids[3]] != bob {
		t.Fatalf("assigned %v; want ...01 to ada and ...03 to bob", got)
	}
	w, _ := f.d.WaitingConversations(f.ctx, []string{q}, 10)
	if len(w) != 2 || w[0].ID != ids[2] || w[1].ID != ids[0] {
		t.Fatalf("still waiting %v", w)
	}
}

// A signalled assignment stays pending until its workflow acknowledges it:
// the sweep signals it again once redeliverAfter has passed, flagged as a
// redelivery; the acknowledgement (or the workflow saving its assignment)
// ends it.
func TestAssignmentOutboxUntilApplied(t *testing.T) {
	f := newDistFix(t)
	q := f.queue("q", 0)
	ada := f.agent(agentSpec{capacity: 3, presence: domain.PresenceOffline, queues: []string{q}})
	a, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	b, _ := f.enqueue(distribution.EnqueueRequest{QueueID: q})
	f.setPresence(ada, domain.PresenceAvailable)
	if d := f.dispatchForAgent(ada); len(d.Assigned) != 2 {
		t.Fatalf("dispatch %+v", d)
	}
	pending, err := f.d.PendingAssignments(f.ctx, 0, time.Hour, 10)
	if err != nil || len(pending) != 2 || pending[0].Redelivery {
		t.Fatalf("pending %+v %v", pending, err)
	}
	if err := f.d.MarkAssignmentSignalled(f.ctx, pending[0].OutboxID, pending[1].OutboxID); err != nil {
		t.Fatal(err)
	}
	if left, _ := f.d.PendingAssignments(f.ctx, 0, time.Hour, 10); len(left) != 0 {
		t.Fatalf("signalled rows came back before redeliverAfter: %+v", left)
	}
	again, _ := f.d.PendingAssignments(f.ctx, 0, 0, 10)
	if len(again) != 2 || !again[0].Redelivery || !again[1].Redelivery {
		t.Fatalf("unapplied rows after redeliverAfter: %+v", again)
	}
	if err := f.d.AckAssignment(f.ctx, a, ada); err != nil {
		t.Fatal(err)
	}
	// Saving the assignment event is the workflow applying it.
	rec := f.record(b, domain.StateAssigned)
	if err := f.st.SaveConversation(f.ctx, domain.ConversationRecord{ID: rec.ID, WorkflowID: rec.WorkflowID,
		AccountID: rec.AccountID, NumberID: rec.NumberID, CustomerE164: rec.CustomerE164,
		State: domain.StateAssigned, Mode: rec.Mode, Event: domain.EventAssignment}); err != nil {
		t.Fatal(err)
	}
	if left, _ := f.d.PendingAssignments(f.ctx, 0, 0, 10); len(left) != 0 {
		t.Fatalf("applied rows still pending: %+v", left)
	}
}
