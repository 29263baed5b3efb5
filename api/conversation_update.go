package api

import (
	"context"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// updateConversation runs one of the conversation workflow's updates
// (accept, transfer, close) and waits for its result, at most SendWait.
// A refusal by the workflow comes back as the domain error it carries.
func (s *Server) updateConversation(ctx context.Context, conv domain.Conversation, name string, arg any) (workflows.ConversationState, error) {
	var st workflows.ConversationState
	err := s.updateConversationInto(ctx, conv, name, arg, &st)
	return st, err
}

// updateConversationInto is updateConversation for an update whose answer
// is not the state (note: the stored note).
func (s *Server) updateConversationInto(ctx context.Context, conv domain.Conversation, name string, arg, out any) error {
	if conv.State == domain.StateClosed {
		return domain.Errorf(domain.CodeConversationClosed, "the conversation is closed")
	}
	ctx, cancel := context.WithTimeout(ctx, s.SendWait)
	defer cancel()
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   conv.WorkflowID,
		UpdateID:     uuid.NewString(),
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return workflowError(err)
	}
	if err := handle.Get(ctx, out); err != nil {
		return workflowError(err)
	}
	return nil
}
