package distribution

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/store"
)

// PendingAssignments returns up to limit assignments their workflows have
// not applied yet, oldest first (outbox id order, which is the order the
// dispatcher made them in): rows never signalled and at least olderThan
// old (younger ones are left to the caller that made them, as the inbox
// relay leaves young messages to their webhook), and rows signalled at
// least redeliverAfter ago that the workflow still has not applied
// (redelivered reports those).
func (s *Dispatcher) PendingAssignments(ctx context.Context, olderThan, redeliverAfter time.Duration, limit int) ([]Assignment, error) {
	out := []Assignment{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, conversation_id, workflow_id, agent_id, signalled_at IS NOT NULL AS redelivery
		FROM assignment_outbox
		WHERE delivered_at IS NULL AND (
			(signalled_at IS NULL AND created_at <= now() - $1 * interval '1 microsecond') OR
			signalled_at <= now() - $2 * interval '1 microsecond')
		ORDER BY id LIMIT $3`, olderThan.Microseconds(), redeliverAfter.Microseconds(), store.ClampLimit(limit))
	return out, err
}

// MarkAssignmentSignalled records that these assignments were signalled to
// their workflows; they stay pending until the workflow applies them.
func (s *Dispatcher) MarkAssignmentSignalled(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE assignment_outbox SET signalled_at = now()
		WHERE id = ANY($1) AND delivered_at IS NULL`, pq.Array(ids))
	return err
}

// AckAssignment records that the conversation's workflow handled its
// assignment to agentID (applied it, or found it stale).
func (s *Dispatcher) AckAssignment(ctx context.Context, conversationID, agentID string) error {
	if !store.ValidUUID(conversationID) || !store.ValidUUID(agentID) {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE assignment_outbox SET delivered_at = now()
		WHERE conversation_id = $1 AND agent_id = $2 AND delivered_at IS NULL`, conversationID, agentID)
	return err
}

// MarkAssignmentDelivered records that these assignments no longer need
// delivering (their workflow has ended).
func (s *Dispatcher) MarkAssignmentDelivered(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE assignment_outbox SET delivered_at = now()
		WHERE id = ANY($1) AND delivered_at IS NULL`, pq.Array(ids))
	return err
}
