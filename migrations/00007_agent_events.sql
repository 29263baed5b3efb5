-- +goose Up
-- What an agent's console must learn, in order, resumable by id
-- (Server-Sent Events' Last-Event-ID). Rows are written in the same
-- transaction as the change they describe; a trigger wakes listeners.
CREATE TABLE agent_events (
    id              bigserial PRIMARY KEY,
    agent_id        uuid        NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    conversation_id uuid,
    type            text        NOT NULL,
    payload         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_events_agent_idx ON agent_events(agent_id, id);

-- +goose StatementBegin
CREATE FUNCTION agent_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('switchboard_agent_events', NEW.agent_id::text);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER agent_events_notify AFTER INSERT ON agent_events
    FOR EACH ROW EXECUTE FUNCTION agent_events_notify();

-- +goose Down
DROP TRIGGER agent_events_notify ON agent_events;
DROP FUNCTION agent_events_notify();
DROP TABLE agent_events;
