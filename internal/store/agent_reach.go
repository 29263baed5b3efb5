package store

import (
	"context"
	"fmt"
)

// workstreamQueues selects the queues workstream $W routes to: its default
// queue and the queues of its routing rules.
const workstreamQueues = `(SELECT w.default_queue_id FROM workstreams w WHERE w.id = %s AND w.default_queue_id IS NOT NULL
	UNION SELECT r.queue_id FROM routing_rules r WHERE r.workstream_id = %s)`

// AgentReachesNumber reports whether the number (live) belongs to a
// workstream that routes to one of the agent's queues: the numbers an agent
// may start conversations on.
func (s *Store) AgentReachesNumber(ctx context.Context, agentID, numberID string) (bool, error) {
	if !validUUID(agentID) || !validUUID(numberID) {
		return false, nil
	}
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (
			SELECT 1 FROM numbers n
			JOIN agent_queues aq ON aq.agent_id = $1
			WHERE n.id = $2 AND n.deleted_at IS NULL AND n.workstream_id IS NOT NULL
			AND aq.queue_id IN `+fmt.Sprintf(workstreamQueues, "n.workstream_id", "n.workstream_id")+`)`, agentID, numberID)
	return ok, err
}

// WorkstreamRoutesTo reports whether the workstream routes to the queue:
// the queues an agent may transfer that workstream's conversations to.
func (s *Store) WorkstreamRoutesTo(ctx context.Context, workstreamID, queueID string) (bool, error) {
	if !validUUID(workstreamID) || !validUUID(queueID) {
		return false, nil
	}
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT $2::uuid IN `+fmt.Sprintf(workstreamQueues, "$1", "$1"), workstreamID, queueID)
	return ok, err
}
