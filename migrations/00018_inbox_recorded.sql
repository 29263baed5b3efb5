-- +goose Up
-- The inbox remembers that a message reached the transcript (recorded_at,
-- set by RecordInbound in the transaction that writes it), not only that
-- Temporal took its signal (signalled_at): the relay delivers again a
-- message signalled but not recorded after a bound (internal/relay), the
-- safety net for a message lost inside the workflow. redeliveries counts
-- those deliveries and spaces them out.
ALTER TABLE inbound_inbox ADD COLUMN recorded_at timestamptz;
ALTER TABLE inbound_inbox ADD COLUMN redeliveries int NOT NULL DEFAULT 0;

-- Rows already in the transcript are recorded. Signalled rows whose
-- message is not there are left unrecorded on purpose: the sweep delivers
-- them again (messages lost before this net existed).
UPDATE inbound_inbox i SET recorded_at = COALESCE(i.signalled_at, i.received_at)
WHERE EXISTS (SELECT 1 FROM messages m WHERE m.twilio_sid = i.message_sid);

-- What the redelivery sweep reads: signalled, not recorded (a handful).
CREATE INDEX inbound_inbox_unrecorded_idx ON inbound_inbox (signalled_at)
    WHERE recorded_at IS NULL AND signalled_at IS NOT NULL;

-- +goose Down
DROP INDEX inbound_inbox_unrecorded_idx;
ALTER TABLE inbound_inbox DROP COLUMN redeliveries;
ALTER TABLE inbound_inbox DROP COLUMN recorded_at;
