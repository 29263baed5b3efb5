-- +goose Up
-- An event the workflow tells an agent (an assignment, a window warning)
-- carries a key the workflow derives deterministically: the activity that
-- records it may run twice (a worker killed after the commit, before its
-- result reached Temporal), the agent is told once.
ALTER TABLE agent_events ADD COLUMN dedupe_key text;
CREATE UNIQUE INDEX agent_events_dedupe_idx ON agent_events(dedupe_key) WHERE dedupe_key IS NOT NULL;

-- +goose Down
DROP INDEX agent_events_dedupe_idx;
ALTER TABLE agent_events DROP COLUMN dedupe_key;
