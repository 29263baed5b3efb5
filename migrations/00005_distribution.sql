-- +goose Up
-- Work distribution. The conversation workflow owns `state`; the dispatcher
-- (internal/store/distribution.go, under one advisory lock) owns agent_id and
-- holds_capacity, and tells workflows about assignments through the outbox.
ALTER TABLE conversations ADD COLUMN priority int NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN required_skills jsonb NOT NULL DEFAULT '[]';
ALTER TABLE conversations ADD COLUMN capacity_cost int NOT NULL DEFAULT 1;
ALTER TABLE conversations ADD COLUMN distribution text NOT NULL DEFAULT 'push';
ALTER TABLE conversations ADD COLUMN holds_capacity boolean NOT NULL DEFAULT false;
CREATE INDEX conversations_waiting_idx ON conversations(queue_id, priority DESC, queued_at)
    WHERE state = 'queued' AND agent_id IS NULL;
CREATE INDEX conversations_load_idx ON conversations(agent_id) WHERE holds_capacity;

ALTER TABLE agents ADD COLUMN last_assigned_at timestamptz;

CREATE TABLE assignment_outbox (
    id              bigserial PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    workflow_id     text        NOT NULL,
    agent_id        uuid        NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX assignment_outbox_pending_idx ON assignment_outbox(id) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE assignment_outbox;
ALTER TABLE agents DROP COLUMN last_assigned_at;
DROP INDEX conversations_load_idx;
DROP INDEX conversations_waiting_idx;
ALTER TABLE conversations DROP COLUMN holds_capacity, DROP COLUMN distribution, DROP COLUMN capacity_cost,
    DROP COLUMN required_skills, DROP COLUMN priority;
