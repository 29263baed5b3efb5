package workflows

import (
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// ConversationInput starts (or continues) a conversation workflow.
type ConversationInput struct {
	AccountID     string
	NumberID      string
	NumberE164    string
	CustomerE164  string
	WorkstreamID  string
	SessionWindow time.Duration // 0 = 24h
	// State is carried across continue-as-new; nil on a fresh conversation.
	State *ConversationState `json:",omitempty"`
	// Pending are inbound messages that arrived while the previous
	// conversation was closing: they open this one.
	Pending []domain.InboundMessage `json:",omitempty"`
}

// ConversationState is what the `state` query returns and what survives
// continue-as-new. It never holds the transcript (PostgreSQL does).
type ConversationState struct {
	ConversationID        string    `json:"conversation_id"`
	WorkflowID            string    `json:"workflow_id"`
	AccountID             string    `json:"account_id"`
	NumberID              string    `json:"number_id"`
	CustomerE164          string    `json:"customer_e164"`
	ProfileName           string    `json:"profile_name"`
	State                 string    `json:"state"`
	Mode                  string    `json:"mode"`
	ModeReason            string    `json:"mode_reason,omitempty"`
	WindowExpiresAt       time.Time `json:"window_expires_at"`
	LastCustomerMessageAt time.Time `json:"last_customer_message_at"`
	InboundCount          int       `json:"inbound_count"`
	OutboundCount         int       `json:"outbound_count"`
	CloseReason           string    `json:"close_reason,omitempty"`
	StartedAt             time.Time `json:"started_at"`
	Runs                  int       `json:"runs"` // continue-as-new generations
	// RecentSIDs guards against a message signalled twice (webhook and relay).
	RecentSIDs []string `json:"-"`
}

// SendRequest is the payload of the `send` update.
type SendRequest struct {
	MessageID string `json:"message_id"` // chosen by the caller: the update is idempotent
	// ConversationID, when set, must be this run's conversation: a send meant
	// for a conversation that closed never reaches the customer's next one.
	ConversationID string              `json:"conversation_id,omitempty"`
	Author         string              `json:"author"` // "agent:<id>", "admin", "system", "bot"
	Text           string              `json:"text,omitempty"`
	MediaURLs      []string            `json:"media_urls,omitempty"`
	Template       *domain.TemplateUse `json:"template,omitempty"`
	// TemplateBody is the template rendered with its variables: the text sent
	// when there is no Content SID, and the transcript's text either way.
	TemplateBody string `json:"template_body,omitempty"`
}

// DeliveryUpdate is the `delivery` signal: a final failure reported by a
// Twilio status callback.
type DeliveryUpdate struct {
	MessageID string               `json:"message_id"`
	Status    domain.MessageStatus `json:"status"`
	ErrorCode int                  `json:"error_code"`
}

// CloseRequest is the `close` signal, as an operator types it in the UI:
// {"reason": "resolved", "by": "operator:alice", "notes": "..."}.
type CloseRequest struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
	Notes  string `json:"notes"`
}

// Twilio error code meaning "outside the 24-hour window: send a template".
const twilioWindowClosed = 63016
