-- +goose Up
-- Content API items created for agents' interactive messages (quick-reply
-- buttons, list pickers): one per distinct content and Twilio account, so
-- the same buttons sent again reuse their HX… SID instead of creating a new
-- Content resource each time. Keyed by the Twilio account SID as well as
-- ours: content belongs to the Twilio account, and an account whose
-- credentials move to another Twilio account creates its content anew.
CREATE TABLE interactive_contents (
    account_id         uuid        NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    twilio_account_sid text        NOT NULL,
    hash               text        NOT NULL,
    content_type       text        NOT NULL,
    content_sid        text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, twilio_account_sid, hash)
);

-- +goose Down
DROP TABLE interactive_contents;
