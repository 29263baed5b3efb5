-- +goose Up
-- Accounts and numbers are soft-deleted: transcripts stay, webhooks get 404,
-- and a released number can be connected again.
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;
ALTER TABLE numbers ADD COLUMN deleted_at timestamptz;
ALTER TABLE numbers DROP CONSTRAINT numbers_e164_key;
CREATE UNIQUE INDEX numbers_e164_live_idx ON numbers(e164) WHERE deleted_at IS NULL;

CREATE TABLE queues (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    priority   int         NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Settings an admin edits as a whole document; version is bumped on every
-- change so a conversation can tell which settings it started with.
CREATE TABLE workstreams (
    id                        uuid PRIMARY KEY,
    name                      text        NOT NULL UNIQUE,
    language                  text        NOT NULL,
    distribution              text        NOT NULL CHECK (distribution IN ('push', 'pick')),
    capacity_per_conversation int         NOT NULL DEFAULT 1 CHECK (capacity_per_conversation > 0),
    default_queue_id          uuid REFERENCES queues(id),
    automated_messages        jsonb       NOT NULL DEFAULT '{}',
    survey                    jsonb,
    attachments               jsonb       NOT NULL DEFAULT '{"customer": true, "agent": true}',
    inactivity_timeout_ms     bigint      NOT NULL DEFAULT 0,
    wrap_up_ms                bigint      NOT NULL DEFAULT 0,
    operating_hours           jsonb,
    bot                       jsonb,
    version                   int         NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE numbers ADD CONSTRAINT numbers_workstream_fk FOREIGN KEY (workstream_id) REFERENCES workstreams(id);

CREATE TABLE routing_rules (
    id            uuid PRIMARY KEY,
    workstream_id uuid        NOT NULL REFERENCES workstreams(id) ON DELETE CASCADE,
    position      int         NOT NULL,
    name          text        NOT NULL,
    conditions    jsonb       NOT NULL DEFAULT '[]',
    queue_id      uuid        NOT NULL REFERENCES queues(id),
    skills        jsonb       NOT NULL DEFAULT '[]',
    priority      int         NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workstream_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE agents (
    id                  uuid PRIMARY KEY,
    name                text        NOT NULL,
    email               text        NOT NULL UNIQUE,
    capacity            int         NOT NULL DEFAULT 1 CHECK (capacity >= 0),
    skills              jsonb       NOT NULL DEFAULT '{}',
    presence            text        NOT NULL DEFAULT 'offline' CHECK (presence IN ('available', 'busy', 'away', 'offline')),
    presence_changed_at timestamptz NOT NULL DEFAULT now(),
    token_hash          text        NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_queues (
    agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    queue_id uuid NOT NULL REFERENCES queues(id),
    PRIMARY KEY (agent_id, queue_id)
);
CREATE INDEX agent_queues_queue_idx ON agent_queues(queue_id);

CREATE TABLE templates (
    id               uuid PRIMARY KEY,
    name             text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_]+$'),
    category         text        NOT NULL CHECK (category IN ('utility', 'marketing', 'authentication')),
    default_language text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE template_variants (
    template_id     uuid NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    language        text NOT NULL,
    body            text NOT NULL,
    content_sid     text,
    approval_status text,
    PRIMARY KEY (template_id, language)
);

-- Who changed what, when. Never secrets: tokens are recorded as "[redacted]".
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    actor         text        NOT NULL,
    action        text        NOT NULL,
    resource_type text        NOT NULL,
    resource_id   text        NOT NULL,
    changes       jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_resource_idx ON audit_log(resource_type, resource_id, id);

ALTER TABLE conversations ADD COLUMN workstream_version int;
ALTER TABLE conversations ADD COLUMN last_message_at timestamptz;
ALTER TABLE conversations ADD COLUMN queued_at timestamptz;
ALTER TABLE conversations ADD COLUMN assigned_at timestamptz;
CREATE INDEX conversations_queue_idx ON conversations(queue_id, state);
CREATE INDEX conversations_agent_idx ON conversations(agent_id, state);

-- +goose Down
DROP INDEX conversations_agent_idx;
DROP INDEX conversations_queue_idx;
ALTER TABLE conversations DROP COLUMN assigned_at, DROP COLUMN queued_at, DROP COLUMN last_message_at, DROP COLUMN workstream_version;
DROP TABLE audit_log;
DROP TABLE template_variants;
DROP TABLE templates;
DROP TABLE agent_queues;
DROP TABLE agents;
DROP TABLE routing_rules;
ALTER TABLE numbers DROP CONSTRAINT numbers_workstream_fk;
DROP TABLE workstreams;
DROP TABLE queues;
DROP INDEX numbers_e164_live_idx;
ALTER TABLE numbers ADD CONSTRAINT numbers_e164_key UNIQUE (e164);
ALTER TABLE numbers DROP COLUMN deleted_at;
ALTER TABLE accounts DROP COLUMN deleted_at;
