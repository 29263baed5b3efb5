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

// agentEventsLock is the advisory-lock class of agent_events inserts (the
// second key is the hash of the agent id).
const agentEventsLock = 0x53424145 // "SBAE"

// emitForConversation records an event for the agent the conversation is
// with (none: nothing to record), inside the caller's transaction.
//
// Streams resume from the last id they sent, so an agent's events must
// become visible in id order: a bigserial alone does not promise that (a
// transaction that took id 10 may commit after one that took 11, and a
// reader at 11 would never see 10). The transaction-scoped advisory lock
// per agent, taken before the id is drawn and held until commit, makes
// ids and commits of one agent's events follow the same order. Every
// insert into agent_events must go through here.
//
// key, when not empty, records the event once however often it is emitted
// (an activity retried after its commit).
func emitForConversation(ctx context.Context, tx *sqlx.Tx, conversationID, typ, key string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO agent_events (agent_id, conversation_id, type, payload, dedupe_key)
		SELECT c.agent_id, c.id, $2, $3, NULLIF($5, '') FROM conversations c
		CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock($4, hashtext(c.agent_id::text))) serialize
		WHERE c.id = $1 AND c.agent_id IS NOT NULL
		ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
		conversationID, typ, b, agentEventsLock, key)
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
