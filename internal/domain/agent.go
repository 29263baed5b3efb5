package domain

import "time"

// Agent presence.
const (
	PresenceAvailable = "available"
	PresenceBusy      = "busy"
	PresenceAway      = "away"
	PresenceOffline   = "offline"
)

// Agent works conversations through the agent API.
type Agent struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Email    string         `json:"email"`
	Capacity int            `json:"capacity"`
	Skills   map[string]int `json:"skills"` // name -> proficiency 1–10
	QueueIDs []string       `json:"queue_ids"`
	Presence string         `json:"presence"`
	// Role is RoleAgent or RoleSupervisor.
	Role              string    `json:"role"`
	PresenceChangedAt time.Time `json:"presence_changed_at"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	// Token is set only in the answer that creates or rotates it.
	Token string `json:"token,omitempty"`
}

// Template categories.
const (
	CategoryUtility        = "utility"
	CategoryMarketing      = "marketing"
	CategoryAuthentication = "authentication"
)

// Template is an approved WhatsApp message template, in several languages.
type Template struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"` // ^[a-z0-9_]+$
	Category        string            `json:"category"`
	DefaultLanguage string            `json:"default_language"`
	Variants        []TemplateVariant `json:"variants"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// TemplateVariant is a template's text in one language; placeholders are
// {{1}}…{{n}}. With a ContentSID the send uses Twilio's Content API.
type TemplateVariant struct {
	Language       string `json:"language"`
	Body           string `json:"body"`
	ContentSID     string `json:"content_sid,omitempty"`
	ApprovalStatus string `json:"approval_status,omitempty"` // from Twilio sync: approved, pending, rejected
}
