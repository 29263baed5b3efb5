package distribution

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// claimConv is what Claim and AssignTo read about a conversation.
type claimConv struct {
	State         string  `db:"state"`
	WorkflowID    string  `db:"workflow_id"`
	QueueID       *string `db:"queue_id"`
	AgentID       *string `db:"agent_id"`
	HoldsCapacity bool    `db:"holds_capacity"`
	CapacityCost  int     `db:"capacity_cost"`
	SkillsJSON    []byte  `db:"required_skills"`
}

// claimAgent is what Claim and AssignTo read about an agent.
type claimAgent struct {
	Presence   string `db:"presence"`
	Capacity   int    `db:"capacity"`
	Load       int    `db:"load"`
	SkillsJSON []byte `db:"skills"`
	InQueue    bool   `db:"in_queue"`
}

func (d *dispatchTx) claimConv(ctx context.Context, id string) (claimConv, error) {
	var c claimConv
	err := d.tx.GetContext(ctx, &c, `SELECT state, workflow_id, queue_id, agent_id, holds_capacity, capacity_cost, required_skills
		FROM conversations WHERE id = $1 FOR UPDATE`, id)
	return c, store.NotFound(err, "conversation "+id)
}

func (d *dispatchTx) claimAgent(ctx context.Context, id string, queueID *string) (claimAgent, error) {
	var a claimAgent
	err := d.tx.GetContext(ctx, &a, `SELECT a.presence, a.capacity, a.skills,
			COALESCE((SELECT sum(c.capacity_cost) FROM conversations c WHERE c.agent_id = a.id AND c.holds_capacity), 0) AS load,
			EXISTS (SELECT 1 FROM agent_queues aq WHERE aq.agent_id = a.id AND aq.queue_id = $2) AS in_queue
		FROM agents a WHERE a.id = $1`, id, queueID)
	return a, store.NotFound(err, "agent "+id)
}

// Claim gives a waiting conversation to the agent who asks for it (pick
// mode, and accept): the first caller wins. Every refusal is CodeConflict
// and says why: already taken, not waiting, agent not available, not in
// the queue, missing a skill, or no room. Claiming again a conversation the
// agent already holds succeeds, so a retried activity does not fail.
func (s *Dispatcher) Claim(ctx context.Context, conversationID, agentID string) error {
	if !store.ValidUUID(conversationID) {
		return domain.Errorf(domain.CodeNotFound, "conversation %s not found", conversationID)
	}
	if !store.ValidUUID(agentID) {
		return domain.Errorf(domain.CodeNotFound, "agent %s not found", agentID)
	}
	return s.inDispatchTx(ctx, func(d *dispatchTx) error {
		c, err := d.claimConv(ctx, conversationID)
		if err != nil {
			return err
		}
		if c.AgentID != nil {
			if *c.AgentID == agentID && c.HoldsCapacity {
				return nil
			}
			return domain.Errorf(domain.CodeConflict, "conversation %s was already taken by another agent", conversationID)
		}
		if c.State != domain.StateQueued || c.QueueID == nil {
			return domain.Errorf(domain.CodeConflict, "conversation %s is not waiting in a queue (state %s)", conversationID, c.State)
		}
		a, err := d.claimAgent(ctx, agentID, c.QueueID)
		if err != nil {
			return err
		}
		if reason, err := ineligible(a, c, true); err != nil || reason != "" {
			if err != nil {
				return err
			}
			return domain.Errorf(domain.CodeConflict, "agent %s cannot take conversation %s: %s", agentID, conversationID, reason)
		}
		return d.assignOne(ctx, conversationID, c.WorkflowID, agentID)
	})
}

// AssignTo transfers the conversation to a named agent. In one locked
// transaction the current agent's capacity is released and the named agent
// takes the conversation if available with room; queue membership and
// skills are not checked (a person chose this agent). A refusal is
// CodeConflict with the reason and changes nothing. The released agent's
// queues are dispatched; their assignments are returned.
func (s *Dispatcher) AssignTo(ctx context.Context, conversationID, agentID string) (Dispatch, error) {
	if !store.ValidUUID(conversationID) {
		return Dispatch{}, domain.Errorf(domain.CodeNotFound, "conversation %s not found", conversationID)
	}
	if !store.ValidUUID(agentID) {
		return Dispatch{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", agentID)
	}
	var out Dispatch
	err := s.inDispatchTx(ctx, func(d *dispatchTx) error {
		out = Dispatch{}
		c, err := d.claimConv(ctx, conversationID)
		if err != nil {
			return err
		}
		if c.State == domain.StateClosed {
			return domain.Errorf(domain.CodeConflict, "conversation %s is closed", conversationID)
		}
		if c.AgentID != nil && *c.AgentID == agentID && c.HoldsCapacity {
			return nil // already there: a retry, or a transfer to oneself
		}
		a, err := d.claimAgent(ctx, agentID, c.QueueID)
		if err != nil {
			return err
		}
		if reason, err := ineligible(a, c, false); err != nil || reason != "" {
			if err != nil {
				return err
			}
			return domain.Errorf(domain.CodeConflict, "cannot transfer conversation %s to agent %s: %s", conversationID, agentID, reason)
		}
		released, queues, err := d.release(ctx, conversationID)
		if err != nil {
			return err
		}
		if err := d.assignOne(ctx, conversationID, c.WorkflowID, agentID); err != nil {
			return err
		}
		if c.AgentID != nil {
			// From one agent to another: the reports' transfer.
			if err := store.AddFact(ctx, d.tx, conversationID, store.Fact{Kind: store.FactTransferred,
				Key: d.stamp.UTC().Format(time.RFC3339Nano), At: &d.stamp, AgentID: agentID, Detail: "agent"}); err != nil {
				return err
			}
		}
		if released == "" || len(queues) == 0 {
			return nil
		}
		out.Assigned, err = d.dispatch(ctx, queues)
		return err
	})
	return out, err
}

// ineligible says why the agent cannot take the conversation, or "". With
// queued, queue membership and skills count too (Claim); a named transfer
// checks only presence and room.
func ineligible(a claimAgent, c claimConv, queued bool) (string, error) {
	if a.Presence != domain.PresenceAvailable {
		return fmt.Sprintf("the agent is not available (presence %s)", a.Presence), nil
	}
	if queued {
		if !a.InQueue {
			return fmt.Sprintf("the agent is not a member of queue %s", *c.QueueID), nil
		}
		var have map[string]int
		var required []domain.SkillRequired
		if err := json.Unmarshal(a.SkillsJSON, &have); err != nil {
			return "", err
		}
		if err := json.Unmarshal(c.SkillsJSON, &required); err != nil {
			return "", err
		}
		if name := missingSkill(have, required); name != "" {
			for _, r := range required {
				if r.Name == name {
					return fmt.Sprintf("the agent lacks skill %q at proficiency %d or more (has %d)", name, r.MinProficiency, have[name]), nil
				}
			}
		}
	}
	if a.Load+c.CapacityCost > a.Capacity {
		return fmt.Sprintf("the agent is over capacity (load %d + cost %d > capacity %d)", a.Load, c.CapacityCost, a.Capacity), nil
	}
	return "", nil
}

// assignOne gives one conversation to one agent at the caller's request.
// Its outbox row is born delivered: the caller (the workflow's activity)
// has the answer already, and the row keeps the assignment on record.
func (d *dispatchTx) assignOne(ctx context.Context, conversationID, workflowID, agentID string) error {
	stamp := d.stamp
	_, err := d.write(ctx, []Assignment{{ConversationID: conversationID, WorkflowID: workflowID, AgentID: agentID}}, false, &stamp)
	return err
}
