-- +goose Up
-- The conversation's service levels as the workflow keeps them (targets,
-- statuses, due and met times), and the system events its transcript
-- shows beside the messages (escalation steps). An event carries a key the
-- workflow derives, so the activity that records it may run twice.
ALTER TABLE conversations ADD COLUMN sla jsonb;

CREATE TABLE conversation_events (
    id              bigserial   PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind            text        NOT NULL,
    body            text        NOT NULL,
    dedupe_key      text        NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_events_conversation_idx ON conversation_events(conversation_id, id);

-- +goose Down
DROP TABLE conversation_events;
ALTER TABLE conversations DROP COLUMN sla;
