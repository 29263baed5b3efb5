-- +goose Up
-- An assignment is done when its conversation's workflow has applied it
-- (delivered_at, set by the workflow), not when the relay's signal was
-- accepted (signalled_at): a workflow that loses the signal gets it again.
ALTER TABLE assignment_outbox ADD COLUMN signalled_at timestamptz;
COMMENT ON COLUMN assignment_outbox.delivered_at IS 'when the workflow applied (or dismissed) the assignment';
COMMENT ON COLUMN assignment_outbox.signalled_at IS 'when the relay last signalled it';

-- +goose Down
ALTER TABLE assignment_outbox DROP COLUMN signalled_at;
