-- +goose Up
-- Files agents send. The bytes live in PostgreSQL so that every api replica
-- behind a load balancer can serve Twilio's anonymous GET of the signed
-- MediaUrl (api/media_public.go), whichever replica took the upload; a
-- conversation's files go with it (erasure, retention). expires_at is the
-- link's end: after it the row is only kept until the next upload purges it.
CREATE TABLE outbound_media (
    id              uuid PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    filename        text        NOT NULL DEFAULT '',
    content_type    text        NOT NULL,
    size            int         NOT NULL,
    sha256          text        NOT NULL,
    data            bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX outbound_media_conversation_idx ON outbound_media(conversation_id);
CREATE INDEX outbound_media_expires_idx ON outbound_media(expires_at);

-- +goose Down
DROP TABLE outbound_media;
