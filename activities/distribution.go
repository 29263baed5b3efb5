package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/domain"
)

// Distribution assigns conversations to agents (see docs/distribution.md).
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
		return out, conflictFinal(err)
	}
	out.AgentID = agent
	return out, nil
}

// Release frees the conversation's agent capacity and dispatches.
func (a *Activities) Release(ctx context.Context, conversationID string) error {
	return a.Distribution.Release(ctx, conversationID)
}

// ClaimInput names a conversation and an agent.
type ClaimInput struct {
	ConversationID string
	AgentID        string
}

// Claim takes a waiting conversation for an agent; conflicts are final.
func (a *Activities) Claim(ctx context.Context, in ClaimInput) error {
	return conflictFinal(a.Distribution.Claim(ctx, in.ConversationID, in.AgentID))
}

// AssignTo transfers a conversation to a named agent; conflicts are final.
func (a *Activities) AssignTo(ctx context.Context, in ClaimInput) error {
	return conflictFinal(a.Distribution.AssignTo(ctx, in.ConversationID, in.AgentID))
}

// CurrentAgent reads the dispatcher's assignment (local activity): a
// workflow checks a delivered assignment against it before acting on it.
func (a *Activities) CurrentAgent(ctx context.Context, conversationID string) (string, error) {
	return a.Distribution.CurrentAgent(ctx, conversationID)
}

func conflictFinal(err error) error {
	if err == nil {
		return nil
	}
	switch code := domain.ErrorCode(err); code {
	case domain.CodeConflict, domain.CodeNotFound, domain.CodeInvalid:
		return temporal.NewNonRetryableApplicationError(err.Error(), string(code), nil)
	}
	return err
}
