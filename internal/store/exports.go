package store

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// What internal/distribution, which runs its own SQL on the store's pool
// (DB), shares with the store: the same checks, errors and columns.

// ConversationColumns are the columns a domain.Conversation is read from.
const ConversationColumns = conversationColumns

// ValidUUID reports whether s is a UUID (ids that are not cannot exist).
func ValidUUID(s string) bool { return validUUID(s) }

// NotFound turns sql.ErrNoRows into CodeNotFound naming what was missing.
func NotFound(err error, what string) error { return notFound(err, what) }

// ClampLimit bounds a list's page size (DefaultPageSize, MaxPageSize).
func ClampLimit(n int) int { return clampLimit(n) }

// EmitForConversation records an event for the agent the conversation is
// with, inside tx, once per non-empty key (agent_events.go: every insert
// goes through it).
func EmitForConversation(ctx context.Context, tx *sqlx.Tx, conversationID, typ, key string, payload any) error {
	return emitForConversation(ctx, tx, conversationID, typ, key, payload)
}
