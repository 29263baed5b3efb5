-- +goose Up
-- A workstream's window nudge (issue 18, part 5): {"before": "2h", "text":
-- "..."}, sent to a customer whose last message is still unanswered when
-- the 24-hour window closes within `before`. NULL: no nudge.
ALTER TABLE workstreams ADD COLUMN window_nudge jsonb;

-- +goose Down
ALTER TABLE workstreams DROP COLUMN window_nudge;
