-- +goose Up
-- Deleting a conversation cascades to its outbox rows.
CREATE INDEX assignment_outbox_conversation_idx ON assignment_outbox(conversation_id);

-- +goose Down
DROP INDEX assignment_outbox_conversation_idx;
