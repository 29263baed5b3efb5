package store

import (
	"context"
	"time"

	"github.com/lib/pq"
)

// PendingAssignments returns up to limit undelivered assignments at least
// olderThan old, oldest first (outbox id order, which is the order the
// dispatcher made them in). Younger rows are left to the caller that made
// them, as the inbox relay leaves young messages to their webhook.
func (s *Store) PendingAssignments(ctx context.Context, olderThan time.Duration, limit int) ([]Assignment, error) {
	out := []Assignment{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, conversation_id, workflow_id, agent_id FROM assignment_outbox
		WHERE delivered_at IS NULL AND created_at <= now() - $1 * interval '1 microsecond'
		ORDER BY id LIMIT $2`, olderThan.Microseconds(), clampLimit(limit))
	return out, err
}

// MarkAssignmentDelivered records that these assignments reached their
// workflows (or no longer need to).
func (s *Store) MarkAssignmentDelivered(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE assignment_outbox SET delivered_at = now()
		WHERE id = ANY($1) AND delivered_at IS NULL`, pq.Array(ids))
	return err
}
