package api

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// AgentAPIStore is what the agent API (agent_*.go) needs of the store;
// its sends and starts share ConversationStore's path.
type AgentAPIStore interface {
	AgentByToken(ctx context.Context, token string) (domain.Agent, error)
	AgentConversationAccess(ctx context.Context, agentID, conversationID string) (store.AgentConversation, string, error)
	AgentConversations(ctx context.Context, agentID, state string, limit int) ([]store.AgentConversation, error)
	AgentPickQueue(ctx context.Context, agentID string, limit int) ([]store.AgentConversation, error)
	AgentReachesNumber(ctx context.Context, agentID, numberID string) (bool, error)
	SetPresence(ctx context.Context, id, presence string) (domain.Agent, error)
	ListMessages(ctx context.Context, conversationID string) ([]domain.Message, error)
	ListTemplates(ctx context.Context) ([]domain.Template, error)
	// GetAgent, GetConversation, GetQueue and WorkstreamRoutesTo check a
	// transfer (agent_actions.go).
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	GetQueue(ctx context.Context, id string) (domain.Queue, error)
	WorkstreamRoutesTo(ctx context.Context, workstreamID, queueID string) (bool, error)
}

// conversationNotFound is the one answer for a conversation an agent may
// not see, whether it exists or not: agents cannot probe others' work.
func conversationNotFound(id string) error {
	return domain.Errorf(domain.CodeNotFound, "conversation %s not found", id)
}

// agentConversation loads the conversation of the request's :id as the
// agent may see it: assigned to it (now or before), or — when pick is
// true, for reading and accepting — waiting in one of its pick queues.
// Anything else is conversationNotFound.
func (s *Server) agentConversation(c *fiber.Ctx, pick bool) (store.AgentConversation, error) {
	id := c.Params("id")
	me, err := authenticatedAgent(c)
	if err != nil {
		return store.AgentConversation{}, err
	}
	conv, rel, err := s.agentAPI.AgentConversationAccess(c.UserContext(), me.ID, id)
	if err != nil {
		return conv, err
	}
	if rel == store.RelationMine || (pick && rel == store.RelationPick) {
		return conv, nil
	}
	return store.AgentConversation{}, conversationNotFound(id)
}

// agentWorkflowError is workflowError for the agent API: the workflow's
// NOT_FOUND (the conversation is not this agent's in the workflow's eyes)
// answers exactly like an unknown conversation.
func agentWorkflowError(conversationID string, err error) error {
	err = workflowError(err)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		return conversationNotFound(conversationID)
	}
	return err
}
