-- +goose Up
-- A workstream's own at-risk thresholds for the supervisor's live view, in
-- milliseconds like the workstream's other durations: both NULL means the
-- global defaults (SWITCHBOARD_SUPERVISOR_WAIT_THRESHOLD and
-- SWITCHBOARD_SUPERVISOR_NO_REPLY_AFTER). The queue-activity report
-- measures each queue's service level against the wait threshold.
ALTER TABLE workstreams
    ADD COLUMN supervision_wait_threshold_ms bigint CHECK (supervision_wait_threshold_ms > 0),
    ADD COLUMN supervision_no_reply_after_ms bigint CHECK (supervision_no_reply_after_ms > 0),
    ADD CONSTRAINT workstreams_supervision_both CHECK (
        (supervision_wait_threshold_ms IS NULL) = (supervision_no_reply_after_ms IS NULL));

-- +goose Down
ALTER TABLE workstreams
    DROP CONSTRAINT workstreams_supervision_both,
    DROP COLUMN supervision_no_reply_after_ms,
    DROP COLUMN supervision_wait_threshold_ms;
