-- +goose Up
-- A conversation opened by a reply to a campaign names the campaign (its
-- transcript starts with the campaign's message, copied there), and the
-- routing rules may test it (campaign.id): recorded with the routing
-- inputs so that the what-if replays it. No foreign key: the conversation
-- keeps the campaign's name after the campaign is gone.
ALTER TABLE conversations ADD COLUMN campaign_id uuid, ADD COLUMN campaign_name text;
ALTER TABLE routing_inputs ADD COLUMN campaign_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE routing_inputs DROP COLUMN campaign_id;
ALTER TABLE conversations DROP COLUMN campaign_id, DROP COLUMN campaign_name;
