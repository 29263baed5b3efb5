package distribution

import (
	"context"
	"database/sql"
	"errors"
)

// CurrentAgent returns the agent the dispatcher gave the conversation to
// and that still holds capacity for it, or "".
func (s *Dispatcher) CurrentAgent(ctx context.Context, conversationID string) (string, error) {
	var agent *string
	err := s.db.GetContext(ctx, &agent, `
		SELECT agent_id::text FROM conversations WHERE id = $1 AND holds_capacity`, conversationID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if agent == nil {
		return "", nil
	}
	return *agent, nil
}
