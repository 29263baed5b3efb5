package distribution_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// distFix is a fresh database with one account and number, to which tests
// add queues, agents and conversations.
type distFix struct {
	t        testing.TB
	st       *store.Store
	d        *distribution.Dispatcher
	ctx      context.Context
	account  string
	number   string
	customer atomic.Int64
}

func newDistFix(t testing.TB) *distFix {
	t.Helper()
	return newDistFixOn(t, storetest.New(t))
}

// newDistFixOn builds the fixture on a store the test opened itself.
func newDistFixOn(t testing.TB, st *store.Store) *distFix {
	t.Helper()
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	return &distFix{t: t, st: st, d: distribution.NewDispatcher(st), ctx: ctx, account: acc.ID, number: acc.Numbers[0].ID}
}

func (f *distFix) queue(name string, priority int) string {
	f.t.Helper()
	q, err := f.st.CreateQueue(f.ctx, name, priority, store.Audit{})
	if err != nil {
		f.t.Fatal(err)
	}
	return q.ID
}

// agentSpec describes an agent row; agents CRUD is not under test here, so
// rows are written directly.
type agentSpec struct {
	capacity int
	presence string         // "" = available
	skills   map[string]int // lower-case names, as NormalizeAgent stores them
	queues   []string       // queue ids
	idleFor  time.Duration  // presence changed this long ago (0: now)
	lastAt   *time.Time     // last_assigned_at
}

func (f *distFix) agent(s agentSpec) string {
	f.t.Helper()
	id := uuid.NewString()
	if s.presence == "" {
		s.presence = domain.PresenceAvailable
	}
	if s.skills == nil {
		s.skills = map[string]int{}
	}
	skills, _ := json.Marshal(s.skills)
	_, err := f.st.DB().Exec(`INSERT INTO agents (id, name, email, capacity, skills, presence, presence_changed_at, token_hash, last_assigned_at)
		VALUES ($1, $2, $3, $4, $5, $6, now() - $7 * interval '1 millisecond', $8, $9)`,
		id, "Agent "+id[:8], id+"@example.com", s.capacity, skills, s.presence, s.idleFor.Milliseconds(), "hash-"+id, s.lastAt)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(s.queues) > 0 {
		if _, err := f.st.DB().Exec(`INSERT INTO agent_queues (agent_id, queue_id) SELECT $1, unnest($2::uuid[])`,
			id, pq.Array(s.queues)); err != nil {
			f.t.Fatal(err)
		}
	}
	return id
}

// conversation stores a conversation as the workflow does before routing.
func (f *distFix) conversation() string {
	f.t.Helper()
	n := f.customer.Add(1)
	c := domain.ConversationRecord{ID: uuid.NewString(), AccountID: f.account, NumberID: f.number,
		CustomerE164: fmt.Sprintf("+336%08d", n), State: domain.StateBot, Mode: domain.ModeSession}
	c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, c.CustomerE164)
	if err := f.st.SaveConversation(f.ctx, c); err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// enqueue creates a conversation and enqueues it (push, cost 1 unless req says).
func (f *distFix) enqueue(req distribution.EnqueueRequest) (string, distribution.Dispatch) {
	f.t.Helper()
	if req.ConversationID == "" {
		req.ConversationID = f.conversation()
	}
	d, err := f.d.Enqueue(f.ctx, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return req.ConversationID, d
}

// agentOf is who the conversation is with (agent_id, whether or not it
// still holds capacity), or "".
func (f *distFix) agentOf(conversationID string) string {
	f.t.Helper()
	c, err := f.st.GetConversation(f.ctx, conversationID)
	if err != nil {
		f.t.Fatal(err)
	}
	if c.AgentID == nil {
		return ""
	}
	return *c.AgentID
}

func (f *distFix) load(agentID string) int {
	f.t.Helper()
	l, _, err := f.d.AgentLoad(f.ctx, agentID)
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

func (f *distFix) release(conversationID string) distribution.Dispatch {
	f.t.Helper()
	d, err := f.d.Release(f.ctx, conversationID)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *distFix) setPresence(agentID, presence string) {
	f.t.Helper()
	if _, err := f.st.SetPresence(f.ctx, agentID, presence); err != nil {
		f.t.Fatal(err)
	}
}

func (f *distFix) dispatchForAgent(agentID string) distribution.Dispatch {
	f.t.Helper()
	d, err := f.d.DispatchForAgent(f.ctx, agentID)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// assignedTo lists the agents of a dispatch's assignments, in order.
func assignedTo(d distribution.Dispatch) []string {
	var out []string
	for _, a := range d.Assigned {
		out = append(out, a.AgentID)
	}
	return out
}

// backlog inserts n waiting push conversations in one statement (for
// benchmarks: Enqueue one by one would dominate the setup).
func (f *distFix) backlog(queueID string, n int) {
	f.t.Helper()
	f.backlogSkills(queueID, n, `[]`)
}

func (f *distFix) backlogSkills(queueID string, n int, skills string) {
	f.t.Helper()
	start := f.customer.Add(int64(n)) - int64(n)
	_, err := f.st.DB().Exec(`WITH c AS (
			INSERT INTO contacts (id, e164) SELECT gen_random_uuid(), '+337' || lpad((g + $5)::text, 8, '0')
			FROM generate_series(1, $4::int) g RETURNING id, e164)
		INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, state, mode,
			queue_id, queued_at, required_skills)
		SELECT gen_random_uuid(), 'conv:' || $2::text || ':' || c.e164, $1::uuid, $2::uuid, c.id, c.e164, 'queued', 'session',
			$3, clock_timestamp(), $6
		FROM c`, f.account, f.number, queueID, n, start, skills)
	if err != nil {
		f.t.Fatal(err)
	}
}
