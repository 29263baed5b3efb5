package distribution

import (
	"context"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// WaitingConversations lists waiting conversations (push and pick) of the
// given queues (none: all), in dispatch order: queue priority, conversation
// priority, then first come first served. It is the pick list agents see
// and what dashboards show.
func (s *Dispatcher) WaitingConversations(ctx context.Context, queueIDs []string, limit int) ([]domain.Conversation, error) {
	out := []domain.Conversation{}
	var scope []string
	for _, id := range queueIDs {
		if store.ValidUUID(id) {
			scope = append(scope, id)
		}
	}
	if len(queueIDs) > 0 && len(scope) == 0 {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT `+store.ConversationColumns+` FROM (
			SELECT c.*, q.priority AS queue_priority FROM conversations c JOIN queues q ON q.id = c.queue_id
			WHERE c.state = 'queued' AND c.agent_id IS NULL AND ($1::uuid[] IS NULL OR c.queue_id = ANY($1::uuid[]))
		) w
		ORDER BY queue_priority DESC, priority DESC, queued_at, id LIMIT $2`, nullArray(scope), store.ClampLimit(limit))
	return out, err
}

// AgentLoad returns what the agent's conversations cost now and its capacity.
func (s *Dispatcher) AgentLoad(ctx context.Context, agentID string) (load, capacity int, err error) {
	if !store.ValidUUID(agentID) {
		return 0, 0, domain.Errorf(domain.CodeNotFound, "agent %s not found", agentID)
	}
	var row struct {
		Load     int `db:"load"`
		Capacity int `db:"capacity"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT a.capacity,
		COALESCE((SELECT sum(c.capacity_cost) FROM conversations c WHERE c.agent_id = a.id AND c.holds_capacity), 0) AS load
		FROM agents a WHERE a.id = $1`, agentID)
	if err != nil {
		return 0, 0, store.NotFound(err, "agent "+agentID)
	}
	return row.Load, row.Capacity, nil
}

// nullArray is a uuid[] parameter, NULL when empty ("no filter").
func nullArray(ids []string) any {
	if len(ids) == 0 {
		return nil
	}
	return pq.Array(ids)
}
