package store

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// AgentConversation is a conversation as its agent sees it: with the
// queue's name and how many customer messages came since the agent last
// wrote.
type AgentConversation struct {
	domain.Conversation
	QueueName *string    `json:"queue_name" db:"queue_name"`
	QueuedAt  *time.Time `json:"queued_at" db:"queued_at"`
	Unread    int        `json:"unread" db:"unread"`
}

// How an agent relates to a conversation (AgentConversationAccess).
const (
	// RelationMine: the conversation is (or was) assigned to the agent.
	RelationMine = "mine"
	// RelationPick: it waits in one of the agent's pick queues (read, accept).
	RelationPick = "pick"
	// RelationPickTaken: it was in one of the agent's pick queues and is
	// no longer waiting there (another agent took it): accept answers 409.
	RelationPickTaken = "pick_taken"
)

// agentConversationColumns are conversationColumns of `c` plus the agent's
// view; $1 is the agent's author ("agent:<id>").
const agentConversationColumns = conversationColumns + `,
	(SELECT q.name FROM queues q WHERE q.id = c.queue_id) AS queue_name, c.queued_at,
	(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'inbound'
		AND m.created_at > COALESCE((SELECT max(o.created_at) FROM messages o
			WHERE o.conversation_id = c.id AND o.direction = 'outbound' AND o.author = $1), '-infinity')) AS unread`

// inAgentPickQueue is true when c waits for pick in a queue of agent $2.
const inAgentPickQueue = `c.distribution = 'pick' AND EXISTS (SELECT 1 FROM agent_queues aq
	WHERE aq.agent_id = $2 AND aq.queue_id = c.queue_id)`

// AgentConversations lists the conversations assigned to the agent, newest
// first: those not closed, or those in state when it is given.
func (s *Store) AgentConversations(ctx context.Context, agentID, state string, limit int) ([]AgentConversation, error) {
	return s.AgentConversationsLabelled(ctx, agentID, state, "", limit)
}

// AgentConversationsLabelled is AgentConversations; labelID, when set,
// keeps those that carry that label.
func (s *Store) AgentConversationsLabelled(ctx context.Context, agentID, state, labelID string, limit int) ([]AgentConversation, error) {
	out := []AgentConversation{}
	if !validUUID(agentID) || (labelID != "" && !validUUID(labelID)) {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT `+agentConversationColumns+` FROM conversations c
		WHERE c.agent_id = $2 AND (($3 = '' AND c.state <> 'closed') OR c.state = $3)
			AND ($5 = '' OR c.id IN (SELECT cl.conversation_id FROM conversation_labels cl WHERE cl.label_id::text = $5))
		ORDER BY c.created_at DESC, c.id DESC LIMIT $4`,
		domain.AgentAuthor(agentID), agentID, state, clampLimit(limit), labelID)
	return out, err
}

// AgentPickQueue lists the conversations waiting, unassigned, in the
// agent's pick queues, oldest first.
func (s *Store) AgentPickQueue(ctx context.Context, agentID string, limit int) ([]AgentConversation, error) {
	out := []AgentConversation{}
	if !validUUID(agentID) {
		return out, nil
	}
	err := s.db.SelectContext(ctx, &out, `SELECT `+agentConversationColumns+` FROM conversations c
		WHERE c.state = 'queued' AND c.agent_id IS NULL AND `+inAgentPickQueue+`
		ORDER BY c.queued_at, c.id LIMIT $3`,
		domain.AgentAuthor(agentID), agentID, clampLimit(limit))
	return out, err
}

// AgentConversationAccess returns the conversation with how the agent
// relates to it (RelationMine, RelationPick, RelationPickTaken). Any other
// conversation, like an unknown one, is CodeNotFound with the same message.
func (s *Store) AgentConversationAccess(ctx context.Context, agentID, conversationID string) (AgentConversation, string, error) {
	var row struct {
		AgentConversation
		Relation string `db:"relation"`
	}
	notFound := domain.Errorf(domain.CodeNotFound, "conversation %s not found", conversationID)
	if !validUUID(agentID) || !validUUID(conversationID) {
		return row.AgentConversation, "", notFound
	}
	err := s.db.GetContext(ctx, &row, `SELECT * FROM (SELECT `+agentConversationColumns+`,
			CASE WHEN c.agent_id = $2 THEN 'mine'
				WHEN `+inAgentPickQueue+` THEN
					CASE WHEN c.state = 'queued' AND c.agent_id IS NULL THEN 'pick' ELSE 'pick_taken' END
			END AS relation
		FROM conversations c WHERE c.id = $3) v WHERE relation IS NOT NULL`,
		domain.AgentAuthor(agentID), agentID, conversationID)
	if isNoRows(err) {
		return row.AgentConversation, "", notFound
	}
	return row.AgentConversation, row.Relation, err
}
