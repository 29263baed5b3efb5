-- +goose Up
ALTER TABLE conversations ADD COLUMN close_notes text;
ALTER TABLE conversations ADD COLUMN closed_by text;
ALTER TABLE conversations ADD COLUMN bot_note text;

-- +goose Down
ALTER TABLE conversations DROP COLUMN bot_note, DROP COLUMN closed_by, DROP COLUMN close_notes;
