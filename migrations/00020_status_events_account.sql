-- +goose Up
-- A status callback is scoped to the account whose URL it came to: its
-- events are kept per account, and only that account's messages take them
-- (a callback signed by one account must never touch another's messages).
-- Events whose message is not known yet cannot be attributed: they are
-- dropped (the next callback of that message brings its status again).
ALTER TABLE message_status_events ADD COLUMN account_id uuid REFERENCES accounts(id) ON DELETE CASCADE;
UPDATE message_status_events e SET account_id = c.account_id
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.twilio_sid = e.twilio_sid;
DELETE FROM message_status_events WHERE account_id IS NULL;
ALTER TABLE message_status_events ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE message_status_events DROP CONSTRAINT message_status_events_pkey;
ALTER TABLE message_status_events ADD PRIMARY KEY (account_id, twilio_sid, status);
CREATE INDEX message_status_events_sid_idx ON message_status_events(twilio_sid);

-- +goose Down
DROP INDEX message_status_events_sid_idx;
ALTER TABLE message_status_events DROP CONSTRAINT message_status_events_pkey;
DELETE FROM message_status_events a USING message_status_events b
    WHERE a.twilio_sid = b.twilio_sid AND a.status = b.status AND a.ctid > b.ctid;
ALTER TABLE message_status_events ADD PRIMARY KEY (twilio_sid, status);
ALTER TABLE message_status_events DROP COLUMN account_id;
