package workflows

import (
	"time"

	"github.com/switchboard/switchboard/activities"
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
	// Revision is read only by the frozen pre-lifecycle code (workflows/legacy),
	// which a run follows while the lifecycle patch is dormant; starters keep
	// setting CurrentRevision for it. The current code ignores it.
	Revision int `json:",omitempty"`
	// State is carried across continue-as-new; nil on a fresh conversation.
	State *ConversationState `json:",omitempty"`
	// Pending are inbound messages that arrived while the previous
	// conversation was closing: they open this one.
	Pending []domain.InboundMessage `json:",omitempty"`
	// Settings is the workstream snapshot, carried across continue-as-new
	// so that a conversation keeps the settings it started with.
	Settings *activities.ConversationSettings `json:",omitempty"`
	// Proactive is set when an agent or admin starts the conversation with
	// a template (update-with-start of `send`).
	Proactive *ProactiveStart `json:",omitempty"`
	// ReleaseLater is how the frozen pre-lifecycle code hands over one
	// pending release; the current code carries them in State.PendingReleases
	// or in Releases.
	ReleaseLater *PendingRelease `json:",omitempty"`
	// Releases are agent capacity still to free, at their times, handed from
	// a conversation that ended (or closed) to the next one.
	Releases []PendingRelease `json:",omitempty"`
	// Lifecycle is set by runs of the current code when they continue as
	// new: the next run stays on this code (patches.go).
	Lifecycle int `json:",omitempty"`
	// ConversationID names the conversation a fresh run opens. Empty: named
	// after the run (its original run ID, which a reset keeps).
	ConversationID string `json:",omitempty"`
}

// ProactiveStart says who opened a conversation the customer did not start.
type ProactiveStart struct {
	AgentID string `json:"agent_id,omitempty"` // the conversation is assigned to this agent
	By      string `json:"by"`
}

// PendingRelease is agent capacity to free at a given time.
type PendingRelease struct {
	ConversationID string
	At             time.Time
}

// ConversationState is what the `state` query returns and what survives
// continue-as-new. It never holds the transcript (PostgreSQL does).
type ConversationState struct {
	ConversationID        string          `json:"conversation_id"`
	WorkflowID            string          `json:"workflow_id"`
	AccountID             string          `json:"account_id"`
	NumberID              string          `json:"number_id"`
	CustomerE164          string          `json:"customer_e164"`
	ProfileName           string          `json:"profile_name"`
	State                 State           `json:"state"`
	Mode                  string          `json:"mode"`
	ModeReason            string          `json:"mode_reason,omitempty"`
	WindowExpiresAt       time.Time       `json:"window_expires_at"`
	LastCustomerMessageAt time.Time       `json:"last_customer_message_at"`
	InboundCount          int             `json:"inbound_count"`
	OutboundCount         int             `json:"outbound_count"`
	WorkstreamID          string          `json:"workstream_id,omitempty"`
	WorkstreamVersion     int             `json:"workstream_version,omitempty"`
	Language              string          `json:"language,omitempty"`
	Distribution          string          `json:"distribution,omitempty"`
	QueueID               string          `json:"queue_id,omitempty"`
	AgentID               string          `json:"agent_id,omitempty"`
	HoldsCapacity         bool            `json:"holds_capacity,omitempty"`
	Routing               *domain.Routing `json:"routing,omitempty"`
	BotActive             bool            `json:"bot_active,omitempty"`
	BotNote               string          `json:"bot_note,omitempty"`

	// BotOptions are the buttons of the bot's last message sent as
	// numbered text (domain.BotInteractive): the customer's next message
	// may choose one by its number, and the bot then gets its payload.
	BotOptions []domain.BotButton `json:"bot_options,omitempty"`

	AfterHours     bool      `json:"after_hours,omitempty"`
	LastActivityAt time.Time `json:"last_activity_at"`
	WarnedFor      time.Time `json:"warned_for,omitempty"` // the deadline the agent was warned about
	// LastAgentReplyAt is an agent's last message (the nudge's "answered").
	LastAgentReplyAt time.Time `json:"last_agent_reply_at,omitempty"`
	// NudgedFor is the customer message the window nudge was last sent
	// (or given up) for: once per customer message (PatchWindowNudge).
	NudgedFor   time.Time `json:"nudged_for,omitempty"`
	SurveyScore int       `json:"survey_score,omitempty"`
	CloseReason string    `json:"close_reason,omitempty"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	CloseNotes  string    `json:"close_notes,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	Runs        int       `json:"runs"`                   // continue-as-new generations
	InternalSeq int       `json:"internal_seq,omitempty"` // numbers the messages the workflow writes
	InboundSeq  int       `json:"inbound_seq,omitempty"`  // numbers the customer messages it records
	// RecentSIDs guards against a message signalled twice (webhook and relay).
	RecentSIDs []string `json:"recent_sids,omitempty"`
	// Outbox is the messages stored and waiting for Twilio, in order: the
	// sender hands them over one at a time, and continue-as-new carries them.
	Outbox []SendRequest `json:"outbox,omitempty"`
	// PendingReleases are agent capacity to free at a given time (a closed
	// conversation's wrap-up), carried across continue-as-new and into the
	// next conversation until done.
	PendingReleases []PendingRelease `json:"pending_releases,omitempty"`
	// NoteCount counts the internal notes written in the conversation, the
	// last by LastNoteBy (shown in the details).
	NoteCount  int    `json:"note_count,omitempty"`
	LastNoteBy string `json:"last_note_by,omitempty"`
	// EventSeq counts the events told to agents, so that each has a key
	// that stays the same when the activity recording it runs twice.
	EventSeq int `json:"event_seq,omitempty"`
	// CampaignID and CampaignName name the campaign whose message the
	// customer answered when they opened the conversation (routing rules
	// may test campaign.id).
	CampaignID   string `json:"campaign_id,omitempty"`
	CampaignName string `json:"campaign_name,omitempty"`
	// SLA is the conversation's service levels (PatchServiceLevels).
	SLA *domain.ConversationSLA `json:"sla,omitempty"`
	// SLASteps are the escalation steps taken, so that each runs once
	// across continue-as-new.
	SLASteps []string `json:"sla_steps,omitempty"`
	// Scheduled are the conversation's follow-ups (PatchFollowups), done
	// ones included, carried across continue-as-new.
	Scheduled []ScheduledMessage `json:"scheduled,omitempty"`
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
	// Interactive is quick-reply buttons or a list picker, sent in place of
	// text (PatchInteractive): free-form for the window rule.
	Interactive *domain.Interactive `json:"interactive,omitempty"`
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

// AssignedSignal is the `assigned` signal: the dispatcher gave the
// conversation to an agent (delivered from the assignment outbox).
type AssignedSignal struct {
	ConversationID string `json:"conversation_id"`
	AgentID        string `json:"agent_id"`
}

// TransferRequest is the `transfer` signal and update, as an operator types
// it: {"queue_id": "...", "by": "operator:alice"} or {"agent_id": "..."}.
type TransferRequest struct {
	QueueID string `json:"queue_id,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
	By      string `json:"by,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// AcceptRequest is the `accept` update: an agent takes a queued conversation.
type AcceptRequest struct {
	AgentID string `json:"agent_id"`
}

// Twilio error code meaning "outside the 24-hour window: send a template".
const twilioWindowClosed = 63016
