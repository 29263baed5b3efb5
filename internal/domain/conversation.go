package domain

import "time"

// Conversation states.
const (
	StateBot      = "bot"
	StateQueued   = "queued"
	StateAssigned = "assigned"
	StateWrapUp   = "wrap_up"
	StateSurvey   = "survey"
	StateClosed   = "closed"
)

// Conversation modes: inside the 24-hour window (session) or outside it.
const (
	ModeSession      = "session"
	ModeTemplateOnly = "template_only"
)

// Why a session turned template_only: the conversation's mode reason, and
// the reason label of WindowExpiriesMetric.
const (
	ModeReasonWindowExpired = "window_expired" // the 24 hours passed
	ModeReasonTwilio63016   = "twilio_63016"   // Twilio refused a free-form message: outside the window
)

// WindowExpiriesMetric is the counter of sessions turned template_only,
// labelled by reason. The conversation workflow increments it through
// workflow.GetMetricsHandler (replays do not count); internal/metrics
// exports it.
const WindowExpiriesMetric = "switchboard_window_expiries_total"

// DefaultSessionWindow is WhatsApp's customer-service window.
const DefaultSessionWindow = 24 * time.Hour

// Conversation as stored and returned by the API.
type Conversation struct {
	ID              string           `json:"id" db:"id"`
	WorkflowID      string           `json:"workflow_id" db:"workflow_id"`
	AccountID       string           `json:"account_id" db:"account_id"`
	NumberID        string           `json:"number_id" db:"number_id"`
	CustomerE164    string           `json:"customer_e164" db:"customer_e164"`
	ProfileName     string           `json:"profile_name" db:"profile_name"`
	WorkstreamID    *string          `json:"workstream_id" db:"workstream_id"`
	QueueID         *string          `json:"queue_id" db:"queue_id"`
	AgentID         *string          `json:"agent_id" db:"agent_id"`
	State           string           `json:"state" db:"state"`
	Mode            string           `json:"mode" db:"mode"`
	WindowExpiresAt *time.Time       `json:"window_expires_at" db:"window_expires_at"`
	Routing         *Routing         `json:"routing" db:"routing"`
	SurveyScore     *int             `json:"survey_score" db:"survey_score"`
	BotNote         *string          `json:"bot_note,omitempty" db:"bot_note"`
	SLA             *ConversationSLA `json:"sla,omitempty" db:"sla"`
	CloseReason     *string          `json:"close_reason" db:"close_reason"`
	ClosedBy        *string          `json:"closed_by,omitempty" db:"closed_by"`
	CloseNotes      *string          `json:"close_notes,omitempty" db:"close_notes"`
	Labels          LabelRefs        `json:"labels" db:"labels"`
	// CampaignID and CampaignName name the campaign whose message the
	// customer answered when the conversation opened (nil: none).
	CampaignID   *string    `json:"campaign_id" db:"campaign_id"`
	CampaignName *string    `json:"campaign_name" db:"campaign_name"`
	CreatedAt    time.Time  `json:"created_at" db:"created_at"`
	ClosedAt     *time.Time `json:"closed_at" db:"closed_at"`
}

// ConversationWorkflowID is the one workflow per (number, customer).
func ConversationWorkflowID(numberID, customerE164 string) string {
	return "conv:" + numberID + ":" + customerE164
}
