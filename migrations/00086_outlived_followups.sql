-- +goose Up
-- Scheduled follow-ups that outlive their conversation's close
-- (outlive_close, docs/service-levels.md). While the conversation is open
-- its workflow keeps its follow-ups; at the close each one marked
-- outlive_close is written here and handed to a Followup workflow of its
-- own (workflow_id followup:<id>), which sends it at send_at and records
-- the outcome here. The API lists and cancels them from this table after
-- the close; 'sending' is a row its workflow claimed at send_at (an agent
-- can no longer cancel it). Customer data: erased with the customer's conversations.
CREATE TABLE scheduled_followups (
    id                       text PRIMARY KEY, -- the schedule id
    conversation_id          uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    account_id               uuid        NOT NULL,
    number_id                uuid        NOT NULL,
    customer_e164            text        NOT NULL,
    workflow_id              text        NOT NULL,
    outlive_close            boolean     NOT NULL DEFAULT true,
    author                   text        NOT NULL,
    send_at                  timestamptz NOT NULL,
    text                     text        NOT NULL DEFAULT '',
    template                 jsonb,
    template_body            text        NOT NULL DEFAULT '',
    fallback_template        jsonb,
    fallback_template_body   text        NOT NULL DEFAULT '',
    cancel_on_customer_reply boolean     NOT NULL DEFAULT false,
    closed_at                timestamptz NOT NULL,
    status                   text        NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'sending', 'sent', 'skipped_window_closed', 'cancelled', 'failed')),
    created_at               timestamptz NOT NULL DEFAULT now(),
    done_at                  timestamptz,
    message_id               uuid,
    note                     text        NOT NULL DEFAULT ''
);
CREATE INDEX scheduled_followups_conversation_idx ON scheduled_followups(conversation_id);
CREATE INDEX scheduled_followups_customer_idx ON scheduled_followups(customer_e164);

-- +goose Down
DROP TABLE scheduled_followups;
