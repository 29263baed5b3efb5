package distribution

import (
	"context"
	"slices"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// CloseAbandoned closes the conversations of a workflow that ended without
// closing them (an operator terminated it, it timed out or failed): every
// conversation of workflowID still open and created before endedAt is
// closed with reason, its agent told (an agent event), and its agent
// capacity released, all in one transaction under the dispatch lock; the
// freed capacity may assign waiting conversations (returned, for the relay
// to deliver). A conversation opened after endedAt belongs to a newer run
// and is left alone. Safe to call twice: the second call finds nothing.
func (s *Dispatcher) CloseAbandoned(ctx context.Context, workflowID string, endedAt time.Time, reason string) ([]string, Dispatch, error) {
	var closed []string
	var out Dispatch
	err := s.inDispatchTx(ctx, func(d *dispatchTx) error {
		closed, out = nil, Dispatch{}
		if err := d.tx.SelectContext(ctx, &closed, `SELECT id FROM conversations
			WHERE workflow_id = $1 AND state <> 'closed' AND created_at <= $2 ORDER BY created_at FOR UPDATE`,
			workflowID, endedAt); err != nil {
			return err
		}
		var scope []string
		for _, id := range closed {
			// Told before the release: the event goes to the agent the
			// conversation was with.
			if _, err := d.tx.ExecContext(ctx, `UPDATE conversations SET state = 'closed', close_reason = $2,
				closed_by = 'temporal', closed_at = now(), updated_at = now() WHERE id = $1`, id, reason); err != nil {
				return err
			}
			if err := store.EmitForConversation(ctx, d.tx, id, domain.EventConversationClosed, "", map[string]any{
				"conversation_id": id, "state": domain.StateClosed, "close_reason": reason,
			}); err != nil {
				return err
			}
			_, queues, err := d.release(ctx, id)
			if err != nil {
				return err
			}
			for _, q := range queues {
				if !slices.Contains(scope, q) {
					scope = append(scope, q)
				}
			}
		}
		if len(scope) == 0 {
			return nil
		}
		var err error
		out.Assigned, err = d.dispatch(ctx, scope)
		return err
	})
	return closed, out, err
}
