package domain

import "time"

// ConversationRecord is what the conversation workflow writes about its
// conversation in the store.
type ConversationRecord struct {
	ID              string
	WorkflowID      string
	AccountID       string
	NumberID        string
	CustomerE164    string
	ProfileName     string
	WorkstreamID    string
	State           string
	Mode            string
	WindowExpiresAt *time.Time
	CloseReason     string
}

// InboundResult tells the workflow whether an inbound message was new.
type InboundResult struct {
	MessageSID string
	MessageID  string
	Inserted   bool
}
