-- +goose Up
-- Sends per WhatsApp sender are paced across every worker process: each
-- send takes the next free slot of its (account, sender) here, so two
-- workers together never exceed the sender's rate (a token bucket in one
-- process cannot see the other's sends).
CREATE TABLE sender_slots (
    account_sid text NOT NULL,
    sender      text NOT NULL,
    free_at     timestamptz NOT NULL,
    PRIMARY KEY (account_sid, sender)
);

-- +goose Down
DROP TABLE sender_slots;
