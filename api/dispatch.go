package api

import "context"

// Distribution is what the API asks of work distribution
// (internal/distribution).
type Distribution interface {
	// DispatchForAgent gives the agent the waiting conversations it can
	// take now and tells their workflows (what cannot be told waits in
	// the outbox).
	DispatchForAgent(ctx context.Context, agentID string) error
	// AgentLoad is what the agent's conversations cost now, and its capacity.
	AgentLoad(ctx context.Context, agentID string) (load, capacity int, err error)
}

// dispatchForAgent gives the agent the waiting conversations it can take
// now and tells their workflows; failures leave them waiting (or in the
// outbox), which the distribution's sweeps resolve.
func (s *Server) dispatchForAgent(ctx context.Context, agentID string) {
	if err := s.distribution.DispatchForAgent(ctx, agentID); err != nil {
		s.logger.Warn("dispatching after an agent change failed", "agent_id", agentID, "err", err)
	}
}
