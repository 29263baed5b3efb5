-- +goose Up
-- A rotated or deleted agent token ends the event streams it opened, in
-- every API process: they listen on this channel (payload: the agent id)
-- and check their token again.
-- +goose StatementBegin
CREATE FUNCTION agent_credentials_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('switchboard_agent_credentials', OLD.id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER agent_credentials_notify_update AFTER UPDATE OF token_hash ON agents
    FOR EACH ROW WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash) EXECUTE FUNCTION agent_credentials_notify();
CREATE TRIGGER agent_credentials_notify_delete AFTER DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION agent_credentials_notify();

-- +goose Down
DROP TRIGGER agent_credentials_notify_delete ON agents;
DROP TRIGGER agent_credentials_notify_update ON agents;
DROP FUNCTION agent_credentials_notify();
