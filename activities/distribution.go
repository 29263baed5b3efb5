package activities

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// Distribution assigns conversations to agents (internal/distribution).
// Assignments made for other conversations are delivered to their
// workflows by the implementation.
type Distribution interface {
	// Enqueue puts a conversation in a queue and returns the agent it was
	// assigned to at once, or "".
	Enqueue(ctx context.Context, req EnqueueInput) (agentID string, err error)
	// Release frees the capacity a conversation holds.
	Release(ctx context.Context, conversationID string) error
	// Claim lets an agent take a waiting conversation (pick mode, accept).
	Claim(ctx context.Context, conversationID, agentID string) error
	// AssignTo gives a conversation to a named agent (transfer).
	AssignTo(ctx context.Context, conversationID, agentID string) error
	// CurrentAgent is the agent the dispatcher assigned, or "".
	CurrentAgent(ctx context.Context, conversationID string) (string, error)
	// AckAssignment records that the conversation's workflow handled the
	// assignment of agentID (applied it, or found it stale): the outbox
	// stops delivering it.
	AckAssignment(ctx context.Context, conversationID, agentID string) error
}

// EnqueueInput routes a conversation to a queue.
type EnqueueInput struct {
	ConversationID string
	QueueID        string
	Priority       int
	Skills         []domain.SkillRequired
	CapacityCost   int
	Distribution   string
	OperatingHours *domain.OperatingHours
	// Requeue: a transfer asks for a new place in line even in the queue the
	// conversation is in. Without it, a conversation already assigned in
	// that queue keeps its agent (the same enqueue run again, after a
	// reset or a lost activity result).
	Requeue bool `json:",omitempty"`
}

// EnqueueOutput is where the conversation landed.
type EnqueueOutput struct {
	AgentID    string
	AfterHours bool // the workstream is closed now: the customer is told so
}

// ErrTypeConflict marks a refusal the caller must see (taken, no capacity...).
const ErrTypeConflict = string(domain.CodeConflict)

// Enqueue queues the conversation and dispatches at once.
func (a *Activities) Enqueue(ctx context.Context, in EnqueueInput) (EnqueueOutput, error) {
	var out EnqueueOutput
	if in.OperatingHours != nil {
		open, err := in.OperatingHours.IsOpen(time.Now())
		if err != nil {
			a.logger().Warn("operating hours cannot be evaluated; treating as open", "err", err)
		} else {
			out.AfterHours = !open
		}
	}
	agent, err := a.Distribution.Enqueue(ctx, in)
	if err != nil {
		// An unknown queue or a closed conversation will not change on a retry.
		return out, finalError(err)
	}
	out.AgentID = agent
	return out, nil
}

// Release frees the conversation's agent capacity and dispatches.
func (a *Activities) Release(ctx context.Context, conversationID string) error {
	return finalError(a.Distribution.Release(ctx, conversationID))
}

// ClaimInput names a conversation and an agent.
type ClaimInput struct {
	ConversationID string
	AgentID        string
}

// Claim takes a waiting conversation for an agent; conflicts are final.
func (a *Activities) Claim(ctx context.Context, in ClaimInput) error {
	return finalError(a.Distribution.Claim(ctx, in.ConversationID, in.AgentID))
}

// AssignTo transfers a conversation to a named agent; conflicts are final.
func (a *Activities) AssignTo(ctx context.Context, in ClaimInput) error {
	return finalError(a.Distribution.AssignTo(ctx, in.ConversationID, in.AgentID))
}

// CurrentAgent reads the dispatcher's assignment (local activity): a
// workflow checks a delivered assignment against it before acting on it.
func (a *Activities) CurrentAgent(ctx context.Context, conversationID string) (string, error) {
	agent, err := a.Distribution.CurrentAgent(ctx, conversationID)
	return agent, finalError(err)
}

// AckAssignmentInput names an assignment a workflow handled.
type AckAssignmentInput struct {
	ConversationID string
	AgentID        string
}

// AckAssignment marks the conversation's outbox rows for that agent as
// handled by its workflow (local activity).
func (a *Activities) AckAssignment(ctx context.Context, in AckAssignmentInput) error {
	return finalError(a.Distribution.AckAssignment(ctx, in.ConversationID, in.AgentID))
}
