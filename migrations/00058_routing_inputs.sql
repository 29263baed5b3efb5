-- +goose Up
-- What the routing rules read when they routed a conversation at handoff
-- (the facts, the default queue, the version of the workstream's rules)
-- and what they chose. Written with the conversation's save that follows
-- the decision, once per conversation; the what-if simulator replays a
-- period of them through draft rules. Holds customer data (number, profile
-- name, the message that was routed): it goes with the conversation.
CREATE TABLE routing_inputs (
    conversation_id       uuid        PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    -- No foreign keys to workstreams, rules or queues: this is history (a
    -- deleted workstream's stays as long as its conversations do).
    workstream_id         uuid        NOT NULL,
    rules_version         int         NOT NULL,
    routed_at             timestamptz NOT NULL,
    customer_e164         text        NOT NULL,
    customer_country_code text        NOT NULL DEFAULT '',
    profile_name          text        NOT NULL DEFAULT '',
    message_body          text        NOT NULL DEFAULT '',
    channel_e164          text        NOT NULL DEFAULT '',
    default_queue_id      uuid,
    rule_id               uuid,
    rule_name             text        NOT NULL DEFAULT '',
    queue_id              uuid
);
CREATE INDEX routing_inputs_period_idx ON routing_inputs(workstream_id, routed_at, conversation_id);

-- +goose Down
DROP TABLE routing_inputs;
