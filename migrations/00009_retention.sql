-- +goose Up
-- The retention purge (workflows/retention) deletes by age, in batches:
-- these indexes keep each batch from scanning whole tables.
CREATE INDEX IF NOT EXISTS messages_created_idx ON messages(created_at);
CREATE INDEX IF NOT EXISTS inbound_inbox_received_idx ON inbound_inbox(received_at) WHERE signalled_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS message_status_events_received_idx ON message_status_events(received_at);
CREATE INDEX IF NOT EXISTS conversations_closed_idx ON conversations(closed_at) WHERE state = 'closed';
CREATE INDEX IF NOT EXISTS agent_events_created_idx ON agent_events(created_at);

-- +goose Down
DROP INDEX IF EXISTS agent_events_created_idx;
DROP INDEX IF EXISTS conversations_closed_idx;
DROP INDEX IF EXISTS message_status_events_received_idx;
DROP INDEX IF EXISTS inbound_inbox_received_idx;
DROP INDEX IF EXISTS messages_created_idx;
