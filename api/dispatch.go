package api

import "context"

// dispatchForAgent gives the agent the waiting conversations it can take
// now and tells their workflows; failures leave them waiting (or in the
// outbox), which the relay's sweeps resolve.
func (s *Server) dispatchForAgent(ctx context.Context, agentID string) {
	disp, err := s.store.DispatchForAgent(ctx, agentID)
	if err != nil {
		s.logger.Warn("dispatching after an agent change failed", "agent_id", agentID, "err", err)
		return
	}
	if len(disp.Assigned) > 0 && s.relay != nil {
		if err := s.relay.DeliverAssignments(ctx, disp.Assigned, ""); err != nil {
			s.logger.Warn("some assignments wait in the outbox", "agent_id", agentID, "err", err)
		}
	}
}
