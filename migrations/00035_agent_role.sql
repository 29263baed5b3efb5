-- +goose Up
-- Supervisors are agents with role = 'supervisor': they sign in with their
-- agent token, take conversations like any agent, and watch and steer the
-- queues they belong to (docs/supervisor.md).
ALTER TABLE agents ADD COLUMN role text NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor'));

-- +goose Down
ALTER TABLE agents DROP COLUMN role;
