package domain

import "time"

// Distribution modes of a workstream.
const (
	DistributionPush = "push" // Switchboard assigns conversations to agents
	DistributionPick = "pick" // agents take conversations from their queues
)

// Automated message kinds.
const (
	MsgGreeting           = "greeting"
	MsgQueued             = "queued"
	MsgAgentAssigned      = "agent_assigned"
	MsgAfterHours         = "after_hours"
	MsgAttachmentRefused  = "attachment_refused"
	MsgConversationClosed = "conversation_closed"
	MsgSurveyThanks       = "survey_thanks"
)

// AutomatedMessageKinds lists every kind, in the order admins see them.
var AutomatedMessageKinds = []string{
	MsgGreeting, MsgQueued, MsgAgentAssigned, MsgAfterHours,
	MsgAttachmentRefused, MsgConversationClosed, MsgSurveyThanks,
}

// Duration is a time.Duration written as a Go duration string ("30m") in JSON.
type Duration time.Duration

// Workstream decides everything that happens to the conversations of its numbers.
type Workstream struct {
	ID                      string                       `json:"id"`
	Name                    string                       `json:"name"`
	Language                string                       `json:"language"` // BCP 47, e.g. fr-FR
	Distribution            string                       `json:"distribution"`
	CapacityPerConversation int                          `json:"capacity_per_conversation"`
	DefaultQueueID          *string                      `json:"default_queue_id"`
	AutomatedMessages       map[string]map[string]string `json:"automated_messages"` // language -> kind -> text
	Survey                  *Survey                      `json:"survey"`
	Attachments             Attachments                  `json:"attachments"`
	InactivityTimeout       Duration                     `json:"inactivity_timeout"` // 0 = never
	WrapUp                  Duration                     `json:"wrap_up"`
	OperatingHours          *OperatingHours              `json:"operating_hours"` // nil = always open
	Bot                     *Bot                         `json:"bot"`
	SLAPolicyID             *string                      `json:"sla_policy_id"` // nil = no service levels
	Supervision             *Supervision                 `json:"supervision"`   // nil = the global at-risk thresholds
	WindowNudge             *WindowNudge                 `json:"window_nudge"`  // nil = no nudge
	Version                 int                          `json:"version"`       // bumped on every change
	CreatedAt               time.Time                    `json:"created_at"`
	UpdatedAt               time.Time                    `json:"updated_at"`
}

// WindowNudge is the message sent to a customer whose last message is
// still unanswered when the 24-hour window closes within Before: free
// text, sent while it is still allowed, once per customer message
// (docs/service-levels.md).
type WindowNudge struct {
	Before Duration `json:"before"`
	Text   string   `json:"text"`
}

// Survey is the post-conversation survey.
type Survey struct {
	Enabled  bool              `json:"enabled"`
	Question map[string]string `json:"question"` // language -> text asking for a 1–5 score
	Timeout  Duration          `json:"timeout"`
	// TemplateID is an approved template (without variables) that asks the
	// question when the conversation closes after the 24-hour window did:
	// without it the survey is skipped then. nil: none.
	TemplateID *string `json:"template_id,omitempty"`
}

// Attachments says who may send media.
type Attachments struct {
	Customer bool `json:"customer"`
	Agent    bool `json:"agent"`
}

// OperatingHours are the workstream's opening hours in its time zone.
type OperatingHours struct {
	Timezone string `json:"timezone"` // IANA, e.g. Europe/Paris
	// Weekly maps "mon".."sun" to opening intervals "09:00"-"18:00".
	Weekly map[string][]TimeRange `json:"weekly"`
}

// TimeRange is an opening interval within a day, "HH:MM" local time.
type TimeRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Bot is an optional first responder speaking the Rasa REST protocol.
type Bot struct {
	URL            string   `json:"url"`
	HandoffKeyword string   `json:"handoff_keyword"`
	Timeout        Duration `json:"timeout"`
}

// Queue holds conversations waiting for an agent.
type Queue struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Priority  int       `json:"priority"` // higher is served first
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Routing rule condition fields and operators.
const (
	FieldCustomerE164        = "customer.e164"
	FieldCustomerCountryCode = "customer.country_code"
	FieldCustomerProfileName = "customer.profile_name"
	FieldMessageBody         = "message.body"
	FieldChannelE164         = "channel.e164"
	// FieldMessageButtonPayload is the payload of the button or list item
	// the customer tapped (Twilio's ButtonPayload): compared exactly, it is
	// an id, not text typed by a person.
	FieldMessageButtonPayload = "message.button_payload"
	// FieldCampaignID is the campaign whose message the customer answered
	// when the conversation opened (CampaignLink): compared exactly, "" when
	// the conversation did not start as a campaign reply.
	FieldCampaignID = "campaign.id"

	OpEq       = "eq"
	OpNeq      = "neq"
	OpPrefix   = "prefix"
	OpContains = "contains"
	OpMatches  = "matches" // RE2
)

// RoutingRule classifies work: the first matching rule of a workstream
// (by Order) sends the conversation to its queue with its skills.
type RoutingRule struct {
	ID           string          `json:"id"`
	WorkstreamID string          `json:"workstream_id"`
	Order        int             `json:"order"`
	Name         string          `json:"name"`
	Conditions   []Condition     `json:"conditions"` // all must hold; none = always
	QueueID      string          `json:"queue_id"`
	Skills       []SkillRequired `json:"skills"`
	Priority     int             `json:"priority"`
	SLAPolicyID  *string         `json:"sla_policy_id"` // nil = the workstream's policy
	// LabelIDs are labels put on the conversations the rule routes.
	LabelIDs  []string  `json:"label_ids"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Condition is one test of a routing rule.
type Condition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// SkillRequired is a skill an agent needs, at a minimum proficiency (1–10).
type SkillRequired struct {
	Name           string `json:"name"`
	MinProficiency int    `json:"min_proficiency"`
}
