-- +goose Up
-- Report facts: one row per conversation transition, written in the same
-- transaction as the transition itself (the conversation row, the message,
-- the dispatcher's decision), so that reports never drift from the
-- transcript. The primary key is the transition's natural key: an activity
-- that runs again (a worker killed after the commit) writes nothing new.
-- docs/supervisor-reports.md says what each kind counts.
CREATE TABLE report_facts (
    conversation_id uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind            text        NOT NULL,
    key             text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL,
    queue_id        uuid,
    agent_id        uuid,
    value           int,
    detail          text,
    PRIMARY KEY (conversation_id, kind, key)
);
-- Reports find their conversations by when they were first queued.
CREATE INDEX report_facts_kind_at_idx ON report_facts(kind, at);
CREATE INDEX conversations_created_idx ON conversations(created_at);

-- Every presence an agent took and when, written with the change: the
-- agents report sums the time spent in each.
CREATE TABLE agent_presence_log (
    agent_id uuid        NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    at       timestamptz NOT NULL,
    presence text        NOT NULL,
    PRIMARY KEY (agent_id, at)
);
INSERT INTO agent_presence_log (agent_id, at, presence)
SELECT id, presence_changed_at, presence FROM agents;

-- +goose Down
DROP TABLE agent_presence_log;
DROP INDEX conversations_created_idx;
DROP TABLE report_facts;
