-- +goose Up
-- The button payload a customer tapped is a routing fact too (rules may
-- test message.button_payload): recorded so that the what-if replays it.
ALTER TABLE routing_inputs ADD COLUMN button_payload text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE routing_inputs DROP COLUMN button_payload;
