-- +goose Up
-- Quick replies: canned answers agents insert from the console. A reply
-- with a workstream is offered only to agents of that workstream's queues.
CREATE TABLE quick_replies (
    id            uuid PRIMARY KEY,
    title         text        NOT NULL,
    shortcut      text        NOT NULL,
    text          text        NOT NULL,
    workstream_id uuid        REFERENCES workstreams(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX quick_replies_shortcut_idx ON quick_replies(lower(shortcut));

-- Labels agents and routing rules put on conversations.
CREATE TABLE labels (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    color      text        NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX labels_name_idx ON labels(lower(name));

CREATE TABLE conversation_labels (
    conversation_id uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label_id        uuid        NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    added_by        text        NOT NULL,
    added_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, label_id)
);
CREATE INDEX conversation_labels_label_idx ON conversation_labels(label_id, conversation_id);

-- A conversation's labels as JSON, for the columns every conversation read
-- selects (store.conversationColumns), whatever the query calls its table.
-- +goose StatementBegin
CREATE FUNCTION conversation_labels_json(conv uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'color', l.color)
        ORDER BY lower(l.name), l.id), '[]'::jsonb)
    FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
    WHERE cl.conversation_id = conv
$$;
-- +goose StatementEnd

-- The labels a routing rule adds to the conversations it routes.
CREATE TABLE routing_rule_labels (
    rule_id  uuid NOT NULL REFERENCES routing_rules(id) ON DELETE CASCADE,
    label_id uuid NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, label_id)
);

-- What the business knows about a customer, per account (contacts is
-- WhatsApp's view, one row per number across accounts).
CREATE TABLE customer_profiles (
    account_id   uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    e164         text        NOT NULL,
    display_name text        NOT NULL DEFAULT '',
    external_id  text        NOT NULL DEFAULT '',
    attributes   jsonb       NOT NULL DEFAULT '{}',
    notes        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, e164)
);
CREATE INDEX customer_profiles_e164_idx ON customer_profiles(e164);
CREATE INDEX conversations_account_customer_idx ON conversations(account_id, customer_e164, created_at);

-- +goose Down
DROP INDEX conversations_account_customer_idx;
DROP TABLE customer_profiles;
DROP TABLE routing_rule_labels;
DROP FUNCTION conversation_labels_json(uuid);
DROP TABLE conversation_labels;
DROP TABLE labels;
DROP TABLE quick_replies;
