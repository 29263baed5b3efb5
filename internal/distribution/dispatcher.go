package distribution

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// Dispatcher makes the distribution decisions in PostgreSQL, each in one
// transaction under the dispatch lock, and keeps the assignment outbox
// (README.md). It is safe for concurrent use.
type Dispatcher struct {
	db *sqlx.DB
	// clock is the store's test clock (store.SetClock), or nil: stamps
	// are PostgreSQL's clock_timestamp().
	clock func() time.Time
}

// NewDispatcher returns the dispatcher of the store's database.
func NewDispatcher(st *store.Store) *Dispatcher { return &Dispatcher{db: st.DB(), clock: st.Clock()} }

// dispatchLockKey is the PostgreSQL advisory lock ("Swbdisp1") that every
// distribution decision holds for its whole transaction. One lock for all
// queues is deliberate: an agent can sit in several queues, so per-queue
// locks could not stop two queues from filling the same agent's last slot.
// See README.md.
const dispatchLockKey int64 = 0x5377_6264_6973_7031

// EnqueueRequest puts a conversation in a queue (after routing, or on a
// transfer to a queue).
type EnqueueRequest struct {
	ConversationID string
	QueueID        string
	Priority       int // higher is served first within the queue
	Skills         []domain.SkillRequired
	CapacityCost   int    // 0 means 1
	Distribution   string // "" means push
	// Requeue asks for a fresh place in line even in the same queue (a
	// transfer). Without it, a conversation the dispatcher already assigned
	// in that queue keeps its agent: the same enqueue run again (a retried
	// activity whose first answer was lost, a workflow reset to before it)
	// answers with the assignment it made.
	Requeue bool
}

// Assignment is one conversation given to one agent by the dispatcher.
// OutboxID is the assignment_outbox row that will tell the conversation's
// workflow (0 when nothing is left to deliver).
type Assignment struct {
	ConversationID string `json:"conversation_id" db:"conversation_id"`
	WorkflowID     string `json:"workflow_id" db:"workflow_id"`
	AgentID        string `json:"agent_id" db:"agent_id"`
	OutboxID       int64  `json:"outbox_id" db:"id"`
	// Redelivery: signalled before, and still not applied by its workflow.
	Redelivery bool `json:"-" db:"redelivery"`
}

// Dispatch lists the assignments one call made, in the order made.
type Dispatch struct {
	Assigned []Assignment
}

// For returns the assignment of one conversation, if this dispatch made one.
func (d Dispatch) For(conversationID string) (Assignment, bool) {
	for _, a := range d.Assigned {
		if a.ConversationID == conversationID {
			return a, true
		}
	}
	return Assignment{}, false
}

// dispatchTx is a transaction holding the dispatch lock. Stamp is
// clock_timestamp() read just after the lock was granted: since decisions
// are serialized, stamps (queued_at, assigned_at, last_assigned_at) follow
// the order in which decisions were really made, which now() — the
// transaction's start, taken before the wait for the lock — would not.
type dispatchTx struct {
	tx    *sqlx.Tx
	stamp time.Time
}

// inDispatchTx runs fn in a transaction holding the dispatch lock.
//
// The isolation level is READ COMMITTED whatever the server's default: each
// statement then reads a snapshot taken after the lock was granted, so it
// sees every earlier decision. Under REPEATABLE READ the snapshot would be
// the one taken when the lock statement started waiting, and a decision
// could miss the one it waited for.
func (s *Dispatcher) inDispatchTx(ctx context.Context, fn func(d *dispatchTx) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	d := &dispatchTx{tx: tx}
	// The volatile sub-select is not flattened, so the lock is granted
	// before clock_timestamp() is read: one round trip for both.
	err = tx.GetContext(ctx, &d.stamp,
		`SELECT clock_timestamp() FROM (SELECT pg_advisory_xact_lock($1)) AS locked`, dispatchLockKey)
	if err != nil {
		err = fmt.Errorf("dispatch lock: %w", err)
	} else {
		if s.clock != nil {
			d.stamp = s.clock().UTC()
		}
		err = fn(d)
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Enqueue puts the conversation in its queue as waiting (state queued, no
// agent), releasing the capacity a previous agent held for it (a transfer),
// then dispatches. The result holds this conversation's assignment when it
// got one at once, and any other assignment made on the way.
//
// A conversation already waiting in that same queue keeps its place in line
// (its priority, skills, cost and mode are refreshed): so a retried
// activity, or a transfer of a waiting conversation to its own queue, does
// not send it to the back. A conversation already assigned in that same
// queue keeps its agent unless req.Requeue (a retry or a reset run gets the
// assignment the first attempt made). Any other call is a fresh enqueue:
// the previous agent's capacity is released, its outbox row closed.
func (s *Dispatcher) Enqueue(ctx context.Context, req EnqueueRequest) (Dispatch, error) {
	skills, err := normalizeEnqueue(&req)
	if err != nil {
		return Dispatch{}, err
	}
	var out Dispatch
	err = s.inDispatchTx(ctx, func(d *dispatchTx) error {
		out = Dispatch{}
		var cur struct {
			State         string  `db:"state"`
			QueueID       *string `db:"queue_id"`
			AgentID       *string `db:"agent_id"`
			WorkflowID    string  `db:"workflow_id"`
			HoldsCapacity bool    `db:"holds_capacity"`
			QueueExists   bool    `db:"queue_exists"`
		}
		err := d.tx.GetContext(ctx, &cur, `SELECT state, queue_id, agent_id, workflow_id, holds_capacity,
				EXISTS (SELECT 1 FROM queues WHERE id = $2) AS queue_exists
			FROM conversations WHERE id = $1 FOR UPDATE`, req.ConversationID, req.QueueID)
		if err != nil {
			return store.NotFound(err, "conversation "+req.ConversationID)
		}
		if cur.State == domain.StateClosed {
			return domain.Errorf(domain.CodeConflict, "conversation %s is closed", req.ConversationID)
		}
		if !cur.QueueExists {
			return domain.Errorf(domain.CodeInvalid, "queue_id: queue %s does not exist", req.QueueID)
		}
		scope := []string{req.QueueID}
		if !req.Requeue && cur.AgentID != nil && cur.HoldsCapacity && cur.QueueID != nil && *cur.QueueID == req.QueueID {
			out.Assigned = []Assignment{{ConversationID: req.ConversationID, WorkflowID: cur.WorkflowID, AgentID: *cur.AgentID}}
			return nil
		}
		if cur.State == domain.StateQueued && cur.AgentID == nil && cur.QueueID != nil && *cur.QueueID == req.QueueID {
			// Still waiting: refresh what routing decided, keep the place in line.
			if _, err := d.tx.ExecContext(ctx, `UPDATE conversations SET priority = $2, required_skills = $3,
				capacity_cost = $4, distribution = $5, updated_at = now() WHERE id = $1`,
				req.ConversationID, req.Priority, skills, req.CapacityCost, req.Distribution); err != nil {
				return err
			}
		} else {
			// One statement (round trips are what the lock's waiters wait
			// for): requeue, release the previous agent, close undelivered
			// outbox rows, and name the released agent's queues. Every CTE
			// sees the row as it was before the update.
			var released pq.StringArray
			err := d.tx.GetContext(ctx, &released, `WITH old AS (
					SELECT agent_id, holds_capacity FROM conversations WHERE id = $1
				), superseded AS (
					UPDATE assignment_outbox SET delivered_at = $7 WHERE delivered_at IS NULL AND conversation_id = $1
				), requeued AS (
					UPDATE conversations SET state = 'queued', queue_id = $2, priority = $3, required_skills = $4,
						capacity_cost = $5, distribution = $6, queued_at = $7, agent_id = NULL, holds_capacity = false,
						assigned_at = NULL, updated_at = now()
					WHERE id = $1
				)
				SELECT ARRAY(SELECT aq.queue_id::text FROM old JOIN agent_queues aq ON aq.agent_id = old.agent_id
					WHERE old.holds_capacity)`,
				req.ConversationID, req.QueueID, req.Priority, skills, req.CapacityCost, req.Distribution, d.stamp)
			if err != nil {
				return err
			}
			for _, q := range released {
				if !slices.Contains(scope, q) {
					scope = append(scope, q)
				}
			}
			if err := d.enqueueFacts(ctx, req.ConversationID, req.QueueID, cur.QueueID != nil); err != nil {
				return err
			}
		}
		out.Assigned, err = d.dispatch(ctx, scope)
		return err
	})
	return out, err
}

// Dispatch assigns waiting push conversations of the given queues (none, or
// "", for every queue) to eligible agents until no waiting conversation has
// an eligible agent. Each assignment gets its assignment_outbox row in the
// same transaction. Run without queues it is also the safety net that
// repairs anything a missed trigger left behind.
func (s *Dispatcher) Dispatch(ctx context.Context, queueIDs ...string) (Dispatch, error) {
	var scope []string
	if !slices.Contains(queueIDs, "") {
		for _, id := range queueIDs {
			if !store.ValidUUID(id) {
				return Dispatch{}, domain.Errorf(domain.CodeInvalid, "queue %q is not a queue id", id)
			}
			scope = append(scope, id)
		}
		if len(scope) == 0 {
			scope = nil
		}
	}
	var out Dispatch
	err := s.inDispatchTx(ctx, func(d *dispatchTx) error {
		var err error
		out.Assigned, err = d.dispatch(ctx, scope)
		return err
	})
	return out, err
}

// Release frees the capacity the conversation holds (wrap-up over, closed,
// transferred) and dispatches the queues of the agent who held it. The
// conversation keeps its agent_id: who worked it stays on record. Releasing
// a conversation that holds nothing does nothing, so retries are harmless.
func (s *Dispatcher) Release(ctx context.Context, conversationID string) (Dispatch, error) {
	if !store.ValidUUID(conversationID) {
		return Dispatch{}, domain.Errorf(domain.CodeNotFound, "conversation %s not found", conversationID)
	}
	var out Dispatch
	err := s.inDispatchTx(ctx, func(d *dispatchTx) error {
		out = Dispatch{}
		agentID, queues, err := d.release(ctx, conversationID)
		if err != nil {
			return err
		}
		if agentID == "" {
			// Nothing held: a retry, or a conversation never assigned.
			var exists bool
			if err := d.tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)`, conversationID); err != nil {
				return err
			}
			if !exists {
				return domain.Errorf(domain.CodeNotFound, "conversation %s not found", conversationID)
			}
			return nil
		}
		if len(queues) == 0 {
			return nil
		}
		out.Assigned, err = d.dispatch(ctx, queues)
		return err
	})
	return out, err
}

// DispatchForAgent dispatches the queues of one agent: call it after the
// agent's presence, capacity, skills or queues changed.
func (s *Dispatcher) DispatchForAgent(ctx context.Context, agentID string) (Dispatch, error) {
	if !store.ValidUUID(agentID) {
		return Dispatch{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", agentID)
	}
	var out Dispatch
	err := s.inDispatchTx(ctx, func(d *dispatchTx) error {
		out = Dispatch{}
		queues, err := d.agentQueues(ctx, agentID)
		if err != nil || len(queues) == 0 {
			return err
		}
		out.Assigned, err = d.dispatch(ctx, queues)
		return err
	})
	return out, err
}

// release frees the capacity the conversation holds and returns the agent
// that held it ("" when it held none) with that agent's queues, in one
// statement. Undelivered outbox rows of the conversation are closed: the
// workflow asked for this change itself, so an older assignment must not
// reach it afterwards.
func (d *dispatchTx) release(ctx context.Context, conversationID string) (string, []string, error) {
	var rows []struct {
		AgentID string         `db:"agent_id"`
		Queues  pq.StringArray `db:"queues"`
	}
	err := d.tx.SelectContext(ctx, &rows, `WITH released AS (
			UPDATE conversations SET holds_capacity = false, updated_at = now()
			WHERE id = $1 AND holds_capacity RETURNING agent_id
		), superseded AS (
			UPDATE assignment_outbox SET delivered_at = $2 WHERE delivered_at IS NULL AND conversation_id = $1
		)
		SELECT r.agent_id, ARRAY(SELECT aq.queue_id::text FROM agent_queues aq WHERE aq.agent_id = r.agent_id
			ORDER BY aq.queue_id) AS queues
		FROM released r`, conversationID, d.stamp)
	if err != nil || len(rows) == 0 {
		return "", nil, err
	}
	return rows[0].AgentID, rows[0].Queues, nil
}

func (d *dispatchTx) agentQueues(ctx context.Context, agentID string) ([]string, error) {
	var ids []string
	err := d.tx.SelectContext(ctx, &ids, `SELECT queue_id FROM agent_queues WHERE agent_id = $1 ORDER BY queue_id`, agentID)
	return ids, err
}

// normalizeEnqueue checks the request and returns the required skills as
// stored. Skill names are trimmed and lower-cased as agents' skills are
// (domain.NormalizeAgent), so "Billing" on a rule finds "billing" agents.
func normalizeEnqueue(req *EnqueueRequest) ([]byte, error) {
	if !store.ValidUUID(req.ConversationID) {
		return nil, domain.Errorf(domain.CodeNotFound, "conversation %s not found", req.ConversationID)
	}
	if !store.ValidUUID(req.QueueID) {
		return nil, domain.Errorf(domain.CodeInvalid, "queue_id: queue %q does not exist", req.QueueID)
	}
	switch req.Distribution {
	case "":
		req.Distribution = domain.DistributionPush
	case domain.DistributionPush, domain.DistributionPick:
	default:
		return nil, domain.Errorf(domain.CodeInvalid, "distribution must be push or pick, got %q", req.Distribution)
	}
	if req.CapacityCost == 0 {
		req.CapacityCost = 1
	}
	if req.CapacityCost < 1 || req.CapacityCost > domain.MaxAgentCapacity {
		return nil, domain.Errorf(domain.CodeInvalid, "capacity_cost must be from 1 to %d, got %d", domain.MaxAgentCapacity, req.CapacityCost)
	}
	skills := make([]domain.SkillRequired, 0, len(req.Skills))
	for i, sk := range req.Skills {
		name := strings.ToLower(strings.TrimSpace(sk.Name))
		if name == "" {
			return nil, domain.Errorf(domain.CodeInvalid, "skills[%d].name is required", i)
		}
		if sk.MinProficiency < 1 || sk.MinProficiency > domain.MaxProficiency {
			return nil, domain.Errorf(domain.CodeInvalid, "skills[%d].min_proficiency must be from 1 to %d", i, domain.MaxProficiency)
		}
		if j := slices.IndexFunc(skills, func(s domain.SkillRequired) bool { return s.Name == name }); j >= 0 {
			skills[j].MinProficiency = max(skills[j].MinProficiency, sk.MinProficiency)
			continue
		}
		skills = append(skills, domain.SkillRequired{Name: name, MinProficiency: sk.MinProficiency})
	}
	req.Skills = skills
	return json.Marshal(skills)
}

// enqueueFacts records, with a fresh enqueue, the reports' queued fact and,
// when the conversation was in a queue before, its transfer; both keyed by
// the decision's stamp.
func (d *dispatchTx) enqueueFacts(ctx context.Context, conversationID, queueID string, transfer bool) error {
	key := d.stamp.UTC().Format(time.RFC3339Nano)
	facts := []store.Fact{{Kind: store.FactQueued, Key: key, At: &d.stamp, QueueID: queueID}}
	if transfer {
		facts = append(facts, store.Fact{Kind: store.FactTransferred, Key: key, At: &d.stamp, QueueID: queueID, Detail: "queue"})
	}
	for _, f := range facts {
		if err := store.AddFact(ctx, d.tx, conversationID, f); err != nil {
			return err
		}
	}
	return nil
}
