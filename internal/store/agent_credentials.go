package store

import (
	"context"
)

// AgentCredentialsChannel is the PostgreSQL NOTIFY channel on which an
// agent's token rotation or deletion is announced (payload: the agent id;
// migration 00021), so that every API process ends the streams it opened.
const AgentCredentialsChannel = "switchboard_agent_credentials"

// AgentTokenCurrent reports whether tokenHash is still the agent's token
// (false once it was rotated or the agent deleted).
func (s *Store) AgentTokenCurrent(ctx context.Context, agentID, tokenHash string) (bool, error) {
	if !validUUID(agentID) {
		return false, nil
	}
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM agents WHERE id = $1 AND token_hash = $2)`, agentID, tokenHash)
	return ok, err
}
