-- +goose Up
CREATE TABLE accounts (
    id                  uuid PRIMARY KEY,
    name                text        NOT NULL,
    twilio_account_sid  text        NOT NULL,
    auth_token_enc      text        NOT NULL,
    sandbox             boolean     NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE numbers (
    id            uuid PRIMARY KEY,
    account_id    uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          text        NOT NULL,
    e164          text        NOT NULL UNIQUE CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    workstream_id uuid,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX numbers_account_idx ON numbers(account_id);

-- A customer as WhatsApp knows them: one row per phone number.
CREATE TABLE contacts (
    id            uuid PRIMARY KEY,
    e164          text        NOT NULL UNIQUE,
    profile_name  text        NOT NULL DEFAULT '',
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conversations (
    id                uuid PRIMARY KEY,
    workflow_id       text        NOT NULL,
    account_id        uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number_id         uuid        NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
    contact_id        uuid        NOT NULL REFERENCES contacts(id),
    customer_e164     text        NOT NULL,
    profile_name      text        NOT NULL DEFAULT '',
    workstream_id     uuid,
    queue_id          uuid,
    agent_id          uuid,
    state             text        NOT NULL,
    mode              text        NOT NULL CHECK (mode IN ('session', 'template_only')),
    window_expires_at timestamptz,
    routing           jsonb,
    survey_score      int,
    close_reason      text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz
);
CREATE INDEX conversations_workflow_idx ON conversations(workflow_id);
CREATE INDEX conversations_state_idx ON conversations(state, created_at);
CREATE INDEX conversations_number_customer_idx ON conversations(number_id, customer_e164);

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction       text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    author          text        NOT NULL,
    body            text        NOT NULL DEFAULT '',
    media           jsonb       NOT NULL DEFAULT '[]',
    template        jsonb,
    twilio_sid      text UNIQUE,
    status          text        NOT NULL,
    error_code      int,
    error_message   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_idx ON messages(conversation_id, created_at);

-- Every inbound webhook lands here before Twilio gets its 200. The relay hands
-- rows whose signalled_at is null to Temporal, in id order per workflow.
CREATE TABLE inbound_inbox (
    id           bigserial PRIMARY KEY,
    message_sid  text        NOT NULL UNIQUE,
    account_id   uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number_id    uuid        NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
    workflow_id  text        NOT NULL,
    payload      jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    signalled_at timestamptz,
    attempts     int         NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX inbound_inbox_pending_idx ON inbound_inbox(workflow_id, id) WHERE signalled_at IS NULL;

-- Status callbacks as they came, so that a callback arriving before we know
-- the message's Twilio SID is applied when the SID is recorded.
CREATE TABLE message_status_events (
    twilio_sid    text        NOT NULL,
    status        text        NOT NULL,
    error_code    int,
    error_message text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (twilio_sid, status)
);

-- Rank of a delivery status; a message only ever moves to a higher rank.
-- +goose StatementBegin
CREATE FUNCTION message_status_rank(s text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE s
        WHEN 'received' THEN 0
        WHEN 'accepted' THEN 1 WHEN 'scheduled' THEN 1 WHEN 'queued' THEN 1
        WHEN 'sending' THEN 2
        WHEN 'sent' THEN 3
        WHEN 'delivered' THEN 4
        WHEN 'read' THEN 5
        WHEN 'undelivered' THEN 6
        WHEN 'failed' THEN 7 WHEN 'canceled' THEN 7
        ELSE -1
    END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION message_status_rank(text);
DROP TABLE message_status_events;
DROP TABLE inbound_inbox;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE contacts;
DROP TABLE numbers;
DROP TABLE accounts;
