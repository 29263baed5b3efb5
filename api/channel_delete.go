package api

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/api/serviceerror"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// CloseReasonChannelDeleted is the close reason of conversations whose
// account or number an admin removed.
const CloseReasonChannelDeleted = "channel_deleted"

// deletion is what the audit log records about a DELETE of a channel.
type deletion struct {
	Force               bool `json:"force"`
	ClosedConversations int  `json:"closed_conversations"`
}

// closeForDeletion guards the removal of an account (numberID "") or of one
// number: with open conversations it is a conflict unless ?force=true, which
// closes each of them first through its workflow, so the workflow ends the
// conversation the way it always does (state, search attributes, row). A
// workflow Temporal no longer knows has ended: its row is closed here.
func (s *Server) closeForDeletion(c *fiber.Ctx, accountID, numberID string) (map[string]bool, error) {
	ctx := c.UserContext()
	closed := map[string]bool{}
	open, err := s.accounts.OpenConversations(ctx, accountID, numberID)
	if err != nil || len(open) == 0 {
		return closed, err
	}
	what := "account"
	if numberID != "" {
		what = "number"
	}
	if !c.QueryBool("force") {
		return nil, domain.Errorf(domain.CodeConflict,
			"the %s has %d open conversation(s): close them, or DELETE with ?force=true to close them with reason %s", what, len(open), CloseReasonChannelDeleted)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, conv := range open {
		if err := s.closeConversation(ctx, conv); err != nil {
			return nil, err
		}
		closed[conv.ID] = true
	}
	return closed, nil
}

func (s *Server) closeConversation(ctx context.Context, conv domain.Conversation) error {
	req := workflows.CloseRequest{Reason: CloseReasonChannelDeleted, By: "admin"}
	err := s.temporal.SignalWorkflow(ctx, conv.WorkflowID, "", workflows.SignalClose, req)
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		return nil
	case errors.As(err, &nf):
		return s.accounts.CloseConversationRow(ctx, conv.ID, CloseReasonChannelDeleted)
	default:
		// Nothing is deleted yet; closing is idempotent, so a retry is safe.
		s.logger.Warn("closing a conversation for a channel deletion failed", "conversation_id", conv.ID, "err", err)
		return domain.Errorf(domain.CodeUnavailable, "could not close conversation %s through Temporal; nothing was deleted, retry", conv.ID)
	}
}

// sweepAfterDeletion closes conversations that a customer opened between
// the first close and the deletion (those not in closed): webhooks answer
// 404 from now on, so no more can start.
func (s *Server) sweepAfterDeletion(c *fiber.Ctx, accountID, numberID string, closed map[string]bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 30*time.Second)
	defer cancel()
	open, err := s.accounts.OpenConversations(ctx, accountID, numberID)
	if err != nil {
		s.logger.Warn("listing conversations left open by a channel deletion failed", "account_id", accountID, "err", err)
		return
	}
	for _, conv := range open {
		if closed[conv.ID] {
			continue
		}
		if err := s.closeConversation(ctx, conv); err != nil {
			s.logger.Warn("a conversation of a deleted channel stays open", "conversation_id", conv.ID, "err", err)
		}
	}
}
