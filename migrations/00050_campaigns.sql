-- +goose Up
-- A campaign sends one approved template to a list of recipients, each
-- exactly once (docs/campaigns.md). Its messages are stored against the
-- recipient, not as conversations: a reply opens the conversation.
CREATE TABLE campaigns (
    id              uuid PRIMARY KEY,
    account_id      uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number_id       uuid        NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
    template_id     uuid        NOT NULL,
    name            text        NOT NULL,
    template_name   text        NOT NULL,
    language        text        NOT NULL,
    body            text        NOT NULL,
    content_sid     text        NOT NULL DEFAULT '',
    rate_per_second float8      NOT NULL CHECK (rate_per_second > 0),
    start_at        timestamptz,
    quiet_hours     jsonb,
    status          text        NOT NULL CHECK (status IN ('scheduled', 'running', 'paused', 'cancelled', 'completed')),
    -- A 429 from Twilio slows this campaign alone: nothing is sent before.
    throttled_until timestamptz,
    total           int         NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC, id);

-- One row per recipient. state says where the send is: pending (not
-- claimed), sending (claimed: the send may have reached Twilio, so it is
-- resolved by looking before it is sent again), sent (Twilio gave a SID),
-- failed (Twilio refused it), skipped / opted_out (never sent).
CREATE TABLE campaign_recipients (
    campaign_id   uuid        NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq           int         NOT NULL,
    to_e164       text        NOT NULL,
    variables     jsonb       NOT NULL DEFAULT '[]',
    time_zone     text        NOT NULL DEFAULT '',
    state         text        NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'opted_out')),
    not_before    timestamptz,
    claimed_at    timestamptz,
    twilio_sid    text,
    delivery      text,
    error_code    int,
    skip_reason   text,
    sent_at       timestamptz,
    replied_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, seq),
    UNIQUE (campaign_id, to_e164)
);
CREATE UNIQUE INDEX campaign_recipients_sid_idx ON campaign_recipients (twilio_sid) WHERE twilio_sid IS NOT NULL;
CREATE INDEX campaign_recipients_open_idx ON campaign_recipients (campaign_id, seq) WHERE state IN ('pending', 'sending');
CREATE INDEX campaign_recipients_to_idx ON campaign_recipients (to_e164, sent_at DESC) WHERE state = 'sent';

-- The account's opt-out list: campaigns skip these numbers and a proactive
-- start to them is refused (OPTED_OUT).
CREATE TABLE opt_outs (
    account_id uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    e164       text        NOT NULL,
    source     text        NOT NULL, -- keyword, admin
    keyword    text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, e164)
);

-- Numbers Twilio answered with a final recipient error (63024 invalid
-- recipient, ...): later campaigns skip them.
CREATE TABLE undeliverable_numbers (
    account_id uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    e164       text        NOT NULL,
    error_code int         NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, e164)
);

-- Opt-out and opt-in keywords per workstream and language, with the
-- confirmation answered once.
CREATE TABLE opt_out_keywords (
    workstream_id uuid NOT NULL REFERENCES workstreams(id) ON DELETE CASCADE,
    language      text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('opt_out', 'opt_in')),
    keyword       text NOT NULL,
    confirmation  text NOT NULL DEFAULT '',
    PRIMARY KEY (workstream_id, kind, keyword)
);

-- +goose Down
DROP TABLE opt_out_keywords;
DROP TABLE undeliverable_numbers;
DROP TABLE opt_outs;
DROP TABLE campaign_recipients;
DROP TABLE campaigns;
