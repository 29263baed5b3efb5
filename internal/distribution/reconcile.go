package distribution

import (
	"context"
	"time"
)

// Reconcile is the distribution's safety net, to run every minute or so.
// It frees the capacity still held by conversations closed for longer than
// closedFor (their workflow ended without releasing: a bug, or a run an
// operator terminated), then dispatches every queue, which also places what
// a missed trigger left waiting (a presence change saved without
// DispatchForAgent, a crash between the two). closedFor must be longer than
// the longest wrap-up: a closed conversation may hold its agent's capacity
// until its wrap-up ends. It returns the conversations freed and the
// assignments made; in a healthy system both are empty.
func (s *Dispatcher) Reconcile(ctx context.Context, closedFor time.Duration) ([]string, Dispatch, error) {
	var freed []string
	var out Dispatch
	err := s.inDispatchTx(ctx, func(d *dispatchTx) error {
		freed, out = nil, Dispatch{}
		// The scan of conversations_load_idx (holding rows only) is bounded
		// by the agents' total capacity, however many conversations exist.
		if err := d.tx.SelectContext(ctx, &freed, `WITH freed AS (
				UPDATE conversations SET holds_capacity = false, updated_at = now()
				WHERE holds_capacity AND state = 'closed' AND updated_at < $1
				RETURNING id
			), superseded AS (
				UPDATE assignment_outbox SET delivered_at = $2
				WHERE delivered_at IS NULL AND conversation_id IN (SELECT id FROM freed)
			)
			SELECT id FROM freed ORDER BY id`, d.stamp.Add(-closedFor), d.stamp); err != nil {
			return err
		}
		var err error
		out.Assigned, err = d.dispatch(ctx, nil)
		return err
	})
	return freed, out, err
}
