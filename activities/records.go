package activities

import (
	"context"

	"github.com/switchboard/switchboard/internal/domain"
)

// RecordInboundInput is a batch of inbound messages of one conversation.
type RecordInboundInput struct {
	Conversation domain.ConversationRecord
	Messages     []domain.InboundMessage
}

// RecordInbound stores inbound messages in the transcript (local activity).
func (a *Activities) RecordInbound(ctx context.Context, in RecordInboundInput) ([]domain.InboundResult, error) {
	res, err := a.Store.RecordInbound(ctx, in.Conversation, in.Messages)
	return res, finalError(err)
}

// SaveConversation stores the conversation's state, mode and window (local activity).
func (a *Activities) SaveConversation(ctx context.Context, conv domain.ConversationRecord) error {
	return finalError(a.Store.SaveConversation(ctx, conv))
}

// CreateOutbound stores an outbound message before it is sent (local
// activity); the id comes from the caller, so a retry finds the same row.
func (a *Activities) CreateOutbound(ctx context.Context, m domain.Message) (domain.Message, error) {
	msg, err := a.Store.CreateOutbound(ctx, m)
	return msg, finalError(err)
}

// CreateNote stores an internal note in the transcript (local activity);
// the id comes from the caller, so a retry finds the same row. Notes are
// never sent.
func (a *Activities) CreateNote(ctx context.Context, m domain.Message) (domain.Message, error) {
	msg, err := a.Store.CreateNote(ctx, m)
	return msg, finalError(err)
}

// MarkSendFailed records that a send gave up (local activity).
func (a *Activities) MarkSendFailed(ctx context.Context, in MarkFailedInput) (domain.Message, error) {
	msg, err := a.Store.MarkSendFailed(ctx, in.MessageID, in.ErrorCode, in.Reason)
	return msg, finalError(err)
}

// MarkFailedInput names a message and why it failed.
type MarkFailedInput struct {
	MessageID string
	ErrorCode int
	Reason    string
}
