package distribution

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
)

// maxWaitingBatch bounds how many waiting conversations one query reads.
// A batch is also never larger than the room left (the sum of the agents'
// free capacity): no more conversations than that can be placed, and the
// query only returns conversations some agent with room can take, so the
// first row of every batch is placed and a dispatch rarely needs a second.
const maxWaitingBatch = 200

// candidate is an available agent with room for at least one more unit of
// work, as the dispatch loop sees it (its load grows as it assigns).
type candidate struct {
	ID                string         `db:"id"`
	Capacity          int            `db:"capacity"`
	Load              int            `db:"load"`
	SkillsJSON        []byte         `db:"skills"`
	LastAssignedAt    *time.Time     `db:"last_assigned_at"`
	PresenceChangedAt time.Time      `db:"presence_changed_at"`
	QueueIDs          pq.StringArray `db:"queue_ids"`
	skills            map[string]int
}

func (a *candidate) free() int { return a.Capacity - a.Load }

// before orders agents for a conversation: least load, then longest idle
// (never assigned first, then oldest last assignment, then the longest in
// its presence), then id so that the choice is deterministic.
func (a *candidate) before(b *candidate) bool {
	if a.Load != b.Load {
		return a.Load < b.Load
	}
	switch {
	case a.LastAssignedAt == nil && b.LastAssignedAt != nil:
		return true
	case a.LastAssignedAt != nil && b.LastAssignedAt == nil:
		return false
	case a.LastAssignedAt != nil && !a.LastAssignedAt.Equal(*b.LastAssignedAt):
		return a.LastAssignedAt.Before(*b.LastAssignedAt)
	}
	if !a.PresenceChangedAt.Equal(b.PresenceChangedAt) {
		return a.PresenceChangedAt.Before(b.PresenceChangedAt)
	}
	return a.ID < b.ID // canonical UUID text sorts as PostgreSQL sorts uuid
}

// waiting is a waiting push conversation as the dispatch loop reads it.
type waiting struct {
	ID            string    `db:"id"`
	WorkflowID    string    `db:"workflow_id"`
	QueueID       string    `db:"queue_id"`
	SkillsJSON    []byte    `db:"required_skills"`
	CapacityCost  int       `db:"capacity_cost"`
	QueuePriority int       `db:"queue_priority"`
	Priority      int       `db:"priority"`
	QueuedAt      time.Time `db:"queued_at"`
}

// dispatch assigns waiting push conversations of the scoped queues (nil:
// all) until no (waiting conversation, eligible agent) pair is left, and
// returns the assignments in the order made.
//
// One greedy pass in dispatch order is enough: assigning only ever takes
// room away from agents, so a conversation that found no eligible agent
// when its turn came cannot find one later in the same pass. Scoping is
// sound because the pair-free invariant held before the triggering change
// and only pairs involving the changed queue or agent can have appeared.
func (d *dispatchTx) dispatch(ctx context.Context, scope []string) ([]Assignment, error) {
	var out []Assignment
	// A pass is repeated only when a conversation left the queue (its
	// workflow closed it) between our read and our write: the room it had
	// been given must go to someone else.
	for range 10 {
		planned, err := d.plan(ctx, scope)
		if err != nil || len(planned) == 0 {
			return out, err
		}
		made, err := d.apply(ctx, planned)
		if err != nil {
			return out, err
		}
		out = append(out, made...)
		if len(made) == len(planned) {
			return out, nil
		}
	}
	return out, nil
}

type planned struct {
	conv  *waiting
	agent *candidate
}

// plan decides the assignments in memory, reading agents once and waiting
// conversations a batch at a time.
func (d *dispatchTx) plan(ctx context.Context, scope []string) ([]planned, error) {
	agents, err := d.candidates(ctx, scope)
	if err != nil || len(agents) == 0 {
		return nil, err
	}
	var out []planned
	var after *waiting
	for {
		queues, room := roomByQueue(agents)
		if len(queues) == 0 {
			return out, nil
		}
		limit := min(room, maxWaitingBatch)
		batch, err := d.waitingBatch(ctx, agents, queues, after, limit)
		if err != nil {
			return nil, err
		}
		for i := range batch {
			c := &batch[i]
			var required []domain.SkillRequired
			if err := json.Unmarshal(c.SkillsJSON, &required); err != nil {
				return nil, fmt.Errorf("conversation %s required_skills: %w", c.ID, err)
			}
			var best *candidate
			for _, a := range agents {
				if a.free() >= c.CapacityCost && slices.Contains(a.QueueIDs, c.QueueID) &&
					missingSkill(a.skills, required) == "" && (best == nil || a.before(best)) {
					best = a
				}
			}
			if best == nil {
				continue
			}
			best.Load += c.CapacityCost
			stamp := d.stamp
			best.LastAssignedAt = &stamp
			out = append(out, planned{conv: c, agent: best})
		}
		if len(batch) < limit {
			return out, nil
		}
		after = &batch[len(batch)-1]
	}
}

// candidates reads the available agents of the scoped queues that have
// room, with their load. queue_ids is limited to the scope, so that a
// scoped dispatch never assigns outside it.
func (d *dispatchTx) candidates(ctx context.Context, scope []string) ([]*candidate, error) {
	membership := `aq.agent_id = a.id`
	args := []any{}
	if scope != nil {
		membership += ` AND aq.queue_id = ANY($1::uuid[])`
		args = append(args, pq.Array(scope))
	}
	q := `SELECT * FROM (
		SELECT a.id, a.capacity, a.skills, a.last_assigned_at, a.presence_changed_at,
			COALESCE((SELECT sum(c.capacity_cost) FROM conversations c
				WHERE c.agent_id = a.id AND c.holds_capacity), 0) AS load,
			ARRAY(SELECT aq.queue_id::text FROM agent_queues aq WHERE ` + membership + ` ORDER BY aq.queue_id) AS queue_ids
		FROM agents a
		WHERE a.presence = 'available' AND a.capacity > 0
			AND EXISTS (SELECT 1 FROM agent_queues aq WHERE ` + membership + `)
	) x WHERE load < capacity`
	var rows []*candidate
	if err := d.tx.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("dispatch candidates: %w", err)
	}
	for _, a := range rows {
		if err := json.Unmarshal(a.SkillsJSON, &a.skills); err != nil {
			return nil, fmt.Errorf("agent %s skills: %w", a.ID, err)
		}
	}
	return rows, nil
}

// roomByQueue returns the queues in which some agent still has room, and
// the room left in all.
func roomByQueue(agents []*candidate) ([]string, int) {
	var queues []string
	room := 0
	for _, a := range agents {
		if a.free() <= 0 {
			continue
		}
		room += a.free()
		for _, q := range a.QueueIDs {
			if !slices.Contains(queues, q) {
				queues = append(queues, q)
			}
		}
	}
	return queues, room
}

// waitingBatch reads the next waiting push conversations that at least one
// agent with room could take, in dispatch order: queue priority,
// conversation priority (both highest first), then first come first
// served.
//
// Two things keep it from reading the whole line. Per queue, a LATERAL
// subquery walks conversations_waiting_idx (queue_id, priority DESC,
// queued_at) in order and stops at limit rows; the outer sort merges
// at most limit rows per queue. The inner order is exactly the index's, so
// no sort is planned there whatever the statistics say (a burst of new
// conversations the planner has not counted yet would otherwise get a full
// sort); WITH TIES brings the whole tie group at the cut, so that the
// outer sort breaks ties by id exactly and paging skips nothing. And eligibility (queue, room, skills at
// the minimum proficiency) is checked in the scan against the agents that
// have room, so a free agent lacking the skills a long line needs costs
// one scan in the server, not pages of rows shipped to us and thrown away.
func (d *dispatchTx) waitingBatch(ctx context.Context, agents []*candidate, queues []string, after *waiting, limit int) ([]waiting, error) {
	type room struct {
		Free   int             `json:"free"`
		Skills json.RawMessage `json:"skills"`
		Queues []string        `json:"queues"`
	}
	var rooms []room
	for _, a := range agents {
		if a.free() > 0 {
			rooms = append(rooms, room{Free: a.free(), Skills: a.SkillsJSON, Queues: a.QueueIDs})
		}
	}
	roomJSON, err := json.Marshal(rooms)
	if err != nil {
		return nil, err
	}
	args := []any{roomJSON, pq.Array(queues), limit}
	keyset := ""
	if after != nil {
		// Resume after the last row of the previous batch, in dispatch
		// order written as an ascending row value.
		keyset = `AND (-q.priority, -c.priority, c.queued_at, c.id) > ($4, $5, $6, $7)`
		args = append(args, -after.QueuePriority, -after.Priority, after.QueuedAt, after.ID)
	}
	query := `WITH room AS (
			SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(free int, skills jsonb, queues uuid[])
		)
		SELECT c.id, c.workflow_id, c.queue_id, c.required_skills, c.capacity_cost,
			q.priority AS queue_priority, c.priority, c.queued_at
		FROM unnest($2::uuid[]) AS s(queue_id)
		JOIN queues q ON q.id = s.queue_id
		CROSS JOIN LATERAL (
			SELECT c.* FROM conversations c
			WHERE c.queue_id = s.queue_id AND c.state = 'queued' AND c.agent_id IS NULL
				AND c.distribution = 'push' AND c.queued_at IS NOT NULL ` + keyset + `
				AND EXISTS (SELECT 1 FROM room a
					WHERE s.queue_id = ANY(a.queues) AND a.free >= c.capacity_cost
						AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(c.required_skills) AS k(name text, min_proficiency int)
							WHERE COALESCE((a.skills ->> k.name)::int, 0) < k.min_proficiency))
			ORDER BY c.priority DESC, c.queued_at
			FETCH FIRST $3 ROWS WITH TIES
		) c
		ORDER BY q.priority DESC, c.priority DESC, c.queued_at, c.id
		LIMIT $3`
	var rows []waiting
	if err := d.tx.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("waiting conversations: %w", err)
	}
	return rows, nil
}

// apply writes the planned assignments in one statement (the dispatch
// lock is held meanwhile, so round trips are what every other decision
// waits for): conversations, guarded by "still waiting" because workflows
// change state without our lock; the agents' idle clocks and the outbox
// rows follow for the conversations that took.
func (d *dispatchTx) apply(ctx context.Context, plan []planned) ([]Assignment, error) {
	made := make([]Assignment, len(plan))
	for i, p := range plan {
		made[i] = Assignment{ConversationID: p.conv.ID, WorkflowID: p.conv.WorkflowID, AgentID: p.agent.ID}
	}
	return d.write(ctx, made, true, nil)
}

// write assigns conversations to agents, stamps the agents' last
// assignment and writes one outbox row per assignment, in order, and
// returns the assignments made with their OutboxID. With guarded, only
// conversations still waiting are taken. With deliveredAt set the outbox
// rows are born delivered: the caller learns of the assignment from the
// call itself, and the row keeps it on record.
func (d *dispatchTx) write(ctx context.Context, made []Assignment, guarded bool, deliveredAt *time.Time) ([]Assignment, error) {
	convs := make([]string, len(made))
	wfs := make([]string, len(made))
	agents := make([]string, len(made))
	for i, a := range made {
		convs[i], wfs[i], agents[i] = a.ConversationID, a.WorkflowID, a.AgentID
	}
	var rows []struct {
		ID             int64  `db:"id"`
		ConversationID string `db:"conversation_id"`
	}
	// ORDER BY p.ord makes the outbox ids follow the assignment order.
	err := d.tx.SelectContext(ctx, &rows, `WITH p AS (
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]) WITH ORDINALITY AS p(conversation_id, agent_id, workflow_id, ord)
		), took AS (
			UPDATE conversations c SET agent_id = p.agent_id, holds_capacity = true, assigned_at = $4, updated_at = now()
			FROM p WHERE c.id = p.conversation_id AND (NOT $6 OR (c.state = 'queued' AND c.agent_id IS NULL))
			RETURNING c.id
		), stamped AS (
			UPDATE agents a SET last_assigned_at = $4
			FROM p JOIN took ON took.id = p.conversation_id WHERE a.id = p.agent_id
		), ins AS (
			INSERT INTO assignment_outbox (conversation_id, workflow_id, agent_id, created_at, delivered_at)
			SELECT p.conversation_id, p.workflow_id, p.agent_id, $4, $5
			FROM p JOIN took ON took.id = p.conversation_id ORDER BY p.ord
			RETURNING id, conversation_id, agent_id
		), facts AS (
			-- The reports' assigned fact, keyed by its outbox row.
			INSERT INTO report_facts (conversation_id, kind, key, at, queue_id, agent_id)
			SELECT ins.conversation_id, 'assigned', ins.id::text, $4, c.queue_id, ins.agent_id
			FROM ins JOIN conversations c ON c.id = ins.conversation_id
			ON CONFLICT DO NOTHING
		)
		SELECT id, conversation_id FROM ins`,
		pq.Array(convs), pq.Array(agents), pq.Array(wfs), d.stamp, deliveredAt, guarded)
	if err != nil {
		return nil, fmt.Errorf("assign: %w", err)
	}
	ids := make(map[string]int64, len(rows))
	for _, r := range rows {
		ids[r.ConversationID] = r.ID
	}
	out := made[:0]
	for _, a := range made {
		if id, ok := ids[a.ConversationID]; ok {
			a.OutboxID = id
			out = append(out, a)
		}
	}
	return out, nil
}

// missingSkill names the first required skill the agent lacks or holds
// below the minimum, or returns "".
func missingSkill(have map[string]int, required []domain.SkillRequired) string {
	for _, r := range required {
		if have[r.Name] < r.MinProficiency {
			return r.Name
		}
	}
	return ""
}
