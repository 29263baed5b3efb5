-- +goose Up
-- Service-level policies: response and resolution targets a conversation
-- snapshots from its workstream (or from the routing rule that queued it),
-- with an escalation ladder per policy.
CREATE TABLE sla_policies (
    id                uuid        PRIMARY KEY,
    name              text        NOT NULL UNIQUE,
    first_response_ms bigint      NOT NULL DEFAULT 0 CHECK (first_response_ms >= 0),
    next_response_ms  bigint      NOT NULL DEFAULT 0 CHECK (next_response_ms >= 0),
    resolution_ms     bigint      NOT NULL DEFAULT 0 CHECK (resolution_ms >= 0),
    warning_percent   integer     NOT NULL DEFAULT 80 CHECK (warning_percent BETWEEN 1 AND 99),
    business_hours    boolean     NOT NULL DEFAULT false,
    escalations       jsonb       NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE workstreams ADD COLUMN sla_policy_id uuid REFERENCES sla_policies(id);
ALTER TABLE routing_rules ADD COLUMN sla_policy_id uuid REFERENCES sla_policies(id);

-- +goose Down
ALTER TABLE routing_rules DROP COLUMN sla_policy_id;
ALTER TABLE workstreams DROP COLUMN sla_policy_id;
DROP TABLE sla_policies;
