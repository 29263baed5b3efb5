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
	// Set by the workflow as the conversation goes on; zero values leave the
	// stored ones unchanged.
	WorkstreamVersion int
	Routing           *Routing
	SurveyScore       int
	CloseNotes        string
	ClosedBy          string
	BotNote           string
	SLA               *ConversationSLA // nil leaves the stored one unchanged
	// Note, when set, is a system event for the transcript (an escalation
	// step), recorded once under NoteKey.
	Note    string
	NoteKey string
	// RoutingInput, when set, is what the rules read and chose when they
	// routed this conversation (recorded once; the what-if simulator
	// replays it).
	RoutingInput *RoutingInput
	// Campaign, set on the record that opens a conversation answering a
	// campaign message, names the campaign on the conversation and copies
	// the campaign's message into its transcript, first (once).
	Campaign *CampaignLink
	// NotifySupervisors: the Note is an escalation's notify step, told
	// to the supervisors of the conversation's queue (once, with the Note).
	NotifySupervisors bool
	// Event, when set, is told to the conversation's agent (EventAssignment,
	// EventWindowWarning, EventWindowClosed, EventConversationClosed).
	Event string
	// EventKey names this event across retries of the activity that
	// records it: the agent is told once ("" for no deduplication).
	EventKey string
}

// InboundResult tells the workflow whether an inbound message was new.
type InboundResult struct {
	MessageSID string
	MessageID  string
	Inserted   bool
}
