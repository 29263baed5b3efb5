package domain

import "time"

// OutlivedFollowup is a scheduled follow-up that outlived its
// conversation's close (outlive_close): its row in scheduled_followups,
// kept up to date by its Followup workflow (workflow id followup:<id>).
type OutlivedFollowup struct {
	ID                    string       `json:"id" db:"id"`
	ConversationID        string       `json:"conversation_id" db:"conversation_id"`
	AccountID             string       `json:"account_id" db:"account_id"`
	NumberID              string       `json:"number_id" db:"number_id"`
	CustomerE164          string       `json:"customer_e164" db:"customer_e164"`
	WorkflowID            string       `json:"workflow_id" db:"workflow_id"`
	Author                string       `json:"author" db:"author"`
	SendAt                time.Time    `json:"send_at" db:"send_at"`
	Text                  string       `json:"text,omitempty" db:"text"`
	Template              *TemplateUse `json:"template,omitempty" db:"-"`
	TemplateBody          string       `json:"template_body,omitempty" db:"template_body"`
	Fallback              *TemplateUse `json:"fallback_template,omitempty" db:"-"`
	FallbackBody          string       `json:"fallback_template_body,omitempty" db:"fallback_template_body"`
	CancelOnCustomerReply bool         `json:"cancel_on_customer_reply" db:"cancel_on_customer_reply"`
	ClosedAt              time.Time    `json:"closed_at" db:"closed_at"`
	Status                string       `json:"status" db:"status"`
	CreatedAt             time.Time    `json:"created_at" db:"created_at"`
	DoneAt                *time.Time   `json:"done_at,omitempty" db:"done_at"`
	MessageID             *string      `json:"message_id,omitempty" db:"message_id"`
	Note                  string       `json:"note,omitempty" db:"note"`
}

// Statuses of an outlived follow-up (besides those of every follow-up:
// scheduled, sent, skipped_window_closed, cancelled).
const (
	// FollowupSending: its workflow claimed it at send_at and is sending
	// it; an agent can no longer cancel it.
	FollowupSending = "sending"
	// FollowupFailed: Twilio refused the template, or the send gave up.
	FollowupFailed = "failed"
)
