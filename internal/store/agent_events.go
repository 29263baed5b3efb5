package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
)

// AgentEvent is one entry of an agent's event stream.
type AgentEvent struct {
	ID             int64           `json:"id" db:"id"`
	AgentID        string          `json:"agent_id" db:"agent_id"`
	ConversationID *string         `json:"conversation_id" db:"conversation_id"`
	Type           string          `json:"type" db:"type"`
	Payload        json.RawMessage `json:"payload" db:"payload"`
	CreatedAt      time.Time       `json:"created_at" db:"created_at"`
}

// AgentEventsChannel is the PostgreSQL NOTIFY channel woken by new events;
// its payload is the agent id.
const AgentEventsChannel = "switchboard_agent_events"

// emitForConversation records an event for the agent the conversation is
// with (none: nothing to record), inside the caller's transaction.
func emitForConversation(ctx context.Context, tx *sqlx.Tx, conversationID, typ string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO agent_events (agent_id, conversation_id, type, payload)
		SELECT agent_id, id, $2, $3 FROM conversations WHERE id = $1 AND agent_id IS NOT NULL`,
		conversationID, typ, b)
	return err
}

// AgentEventsAfter returns an agent's events with id > after, oldest first.
func (s *Store) AgentEventsAfter(ctx context.Context, agentID string, after int64, limit int) ([]AgentEvent, error) {
	out := []AgentEvent{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, agent_id, conversation_id, type, payload, created_at FROM agent_events
		WHERE agent_id = $1 AND id > $2 ORDER BY id LIMIT $3`, agentID, after, limit)
	return out, err
}

// LatestAgentEventID is where a new stream starts (nothing replayed).
func (s *Store) LatestAgentEventID(ctx context.Context, agentID string) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT COALESCE(max(id), 0) FROM agent_events WHERE agent_id = $1`, agentID)
	return id, err
}
