-- Runs once, when the PostgreSQL volume is first initialised
-- (/docker-entrypoint-initdb.d). Temporal's auto-setup creates its own
-- `temporal` and `temporal_visibility` databases; Switchboard's tables live in
-- their own database, created here and filled by `switchboard migrate`.
CREATE DATABASE switchboard;
