-- +goose Up
-- The inbound webhook's fields beyond body and media (MessageType,
-- ButtonText/ButtonPayload, Latitude/Longitude/Label/Address,
-- OriginalRepliedMessageSid, Referral*...), kept with the transcript so
-- the APIs show them as typed fields (domain.InboundDetails). Rows
-- recorded before this column get them from the inbox, which kept the
-- whole webhook.
ALTER TABLE messages ADD COLUMN details jsonb;
UPDATE messages m SET details = jsonb_strip_nulls(jsonb_build_object(
        'message_type', i.payload->'message_type', 'extra', i.payload->'extra'))
    FROM inbound_inbox i
    WHERE m.direction = 'inbound' AND i.message_sid = m.twilio_sid;

-- +goose Down
ALTER TABLE messages DROP COLUMN details;
