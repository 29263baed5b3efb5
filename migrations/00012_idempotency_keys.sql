-- +goose Up
-- Idempotency-Key answers (api/idempotency.go): one row per credential
-- (scope: a SHA-256 of the admin key or of the agent's id, never a secret),
-- route (method, pattern and path parameters) and key, kept 24 hours.
-- A row is 'running' while its first request runs (owner holds it; after
-- the lease another request may take it over), then 'done' with the answer
-- that every retry gets.
CREATE TABLE idempotency_keys (
    scope          text        NOT NULL,
    route          text        NOT NULL,
    key            text        NOT NULL,
    request_hash   text        NOT NULL,
    state          text        NOT NULL CHECK (state IN ('running', 'done')),
    owner          uuid        NOT NULL,
    status         int,
    headers        jsonb,
    body           bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    locked_at      timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    PRIMARY KEY (scope, route, key)
);
-- Expired rows are deleted a few at a time by each new claim.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
