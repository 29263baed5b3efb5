-- +goose Up
-- What supervisors' live view must learn, in order, resumable by id
-- (GET /api/v1/supervisor/events, the agent stream's rules). Triggers write
-- the rows in the same transaction as the change they describe: a
-- conversation's state, queue, agent or mode; a message (or note) added to
-- a transcript; an agent's presence or capacity. queue_ids are the queues
-- the event concerns (a supervisor sees events of its queues; the admin key
-- every event).
CREATE TABLE supervisor_events (
    id              bigserial PRIMARY KEY,
    queue_ids       uuid[]      NOT NULL DEFAULT '{}',
    conversation_id uuid,
    agent_id        uuid,
    type            text        NOT NULL,
    payload         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The event's place in the stream: given by the readers once its
    -- transaction committed (store.placeSupervisorEvents).
    pos             bigint UNIQUE
);
CREATE INDEX supervisor_events_queues_idx ON supervisor_events USING gin (queue_ids);
CREATE INDEX supervisor_events_created_idx ON supervisor_events(created_at);
CREATE INDEX supervisor_events_unplaced_idx ON supervisor_events(id) WHERE pos IS NULL;
CREATE SEQUENCE supervisor_events_pos;

-- Streams resume from the last position they sent, so positions must
-- become visible in order. Writers take no lock (a global one, held to the
-- commit of every message insert, would serialize them and deadlock with
-- row locks); readers place the committed events they see
-- (store.placeSupervisorEvents), one placement at a time.
-- +goose StatementBegin
CREATE FUNCTION supervisor_event(queues uuid[], conv uuid, agent uuid, kind text, body jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO supervisor_events (queue_ids, conversation_id, agent_id, type, payload)
    VALUES (COALESCE(queues, '{}'), conv, agent, kind, body);
    PERFORM pg_notify('switchboard_agent_events', 'supervisor');
END
$$;

CREATE FUNCTION supervisor_events_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    queues uuid[] := ARRAY(SELECT DISTINCT q FROM unnest(ARRAY[NEW.queue_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.queue_id END]) q WHERE q IS NOT NULL);
BEGIN
    PERFORM supervisor_event(queues, NEW.id, NEW.agent_id, 'conversation', jsonb_build_object(
        'state', NEW.state, 'mode', NEW.mode, 'queue_id', NEW.queue_id, 'agent_id', NEW.agent_id,
        'window_expires_at', NEW.window_expires_at, 'close_reason', NEW.close_reason));
    RETURN NULL;
END
$$;

CREATE FUNCTION supervisor_events_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM supervisor_event(
        ARRAY(SELECT c.queue_id FROM conversations c WHERE c.id = NEW.conversation_id AND c.queue_id IS NOT NULL),
        NEW.conversation_id, NULL, 'message', jsonb_build_object(
            'message_id', NEW.id, 'direction', NEW.direction, 'author', NEW.author,
            'note', NEW.direction = 'internal'));
    RETURN NULL;
END
$$;

CREATE FUNCTION supervisor_events_agent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM supervisor_event(
        ARRAY(SELECT aq.queue_id FROM agent_queues aq WHERE aq.agent_id = NEW.id),
        NULL, NEW.id, 'agent', jsonb_build_object(
            'presence', NEW.presence, 'presence_changed_at', NEW.presence_changed_at, 'capacity', NEW.capacity));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER supervisor_events_conversation_insert AFTER INSERT ON conversations
    FOR EACH ROW EXECUTE FUNCTION supervisor_events_conversation();
CREATE TRIGGER supervisor_events_conversation_update AFTER UPDATE ON conversations
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.queue_id IS DISTINCT FROM NEW.queue_id
        OR OLD.agent_id IS DISTINCT FROM NEW.agent_id OR OLD.mode IS DISTINCT FROM NEW.mode)
    EXECUTE FUNCTION supervisor_events_conversation();
CREATE TRIGGER supervisor_events_message AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION supervisor_events_message();
CREATE TRIGGER supervisor_events_agent AFTER UPDATE ON agents
    FOR EACH ROW WHEN (OLD.presence IS DISTINCT FROM NEW.presence OR OLD.capacity IS DISTINCT FROM NEW.capacity)
    EXECUTE FUNCTION supervisor_events_agent();

-- Notes: internal messages of a transcript, never sent to Twilio.
ALTER TABLE messages DROP CONSTRAINT messages_direction_check;
ALTER TABLE messages ADD CONSTRAINT messages_direction_check CHECK (direction IN ('inbound', 'outbound', 'internal'));

-- +goose Down
DELETE FROM messages WHERE direction = 'internal';
ALTER TABLE messages DROP CONSTRAINT messages_direction_check;
ALTER TABLE messages ADD CONSTRAINT messages_direction_check CHECK (direction IN ('inbound', 'outbound'));
DROP TRIGGER supervisor_events_agent ON agents;
DROP TRIGGER supervisor_events_message ON messages;
DROP TRIGGER supervisor_events_conversation_update ON conversations;
DROP TRIGGER supervisor_events_conversation_insert ON conversations;
DROP FUNCTION supervisor_events_agent();
DROP FUNCTION supervisor_events_message();
DROP FUNCTION supervisor_events_conversation();
DROP FUNCTION supervisor_event(uuid[], uuid, uuid, text, jsonb);
DROP TABLE supervisor_events;
DROP SEQUENCE supervisor_events_pos;
