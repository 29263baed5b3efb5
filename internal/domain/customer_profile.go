package domain

import (
	"encoding/json"
	"time"
)

// CustomerProfile is what an account knows about one customer number:
// WhatsApp's profile name as first seen on the account, and what the
// business adds (a display name, its CRM's id, free-form attributes,
// notes).
type CustomerProfile struct {
	AccountID   string          `json:"account_id" db:"account_id"`
	E164        string          `json:"e164" db:"e164"`
	ProfileName string          `json:"profile_name" db:"profile_name"`
	DisplayName string          `json:"display_name" db:"display_name"`
	ExternalID  string          `json:"external_id" db:"external_id"`
	Attributes  json.RawMessage `json:"attributes" db:"attributes"`
	Notes       string          `json:"notes" db:"notes"`
	FirstSeenAt *time.Time      `json:"first_seen_at" db:"first_seen_at"`
	UpdatedAt   *time.Time      `json:"updated_at" db:"updated_at"`
}

// Name is how agents address the customer: the display name, else
// WhatsApp's profile name.
func (p CustomerProfile) Name() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.ProfileName
}

// CustomerConversation is one of a customer's conversations as its
// history shows it.
type CustomerConversation struct {
	ID          string     `json:"id" db:"id"`
	NumberID    string     `json:"number_id" db:"number_id"`
	NumberE164  string     `json:"number_e164" db:"number_e164"`
	State       string     `json:"state" db:"state"`
	CloseReason *string    `json:"close_reason" db:"close_reason"`
	AgentID     *string    `json:"agent_id" db:"agent_id"`
	AgentName   *string    `json:"agent_name" db:"agent_name"`
	SurveyScore *int       `json:"survey_score" db:"survey_score"`
	Labels      LabelRefs  `json:"labels" db:"labels"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	ClosedAt    *time.Time `json:"closed_at" db:"closed_at"`
}

// MaxProfileText bounds notes; MaxProfileField bounds the names and the
// external id; MaxProfileAttributes bounds the attributes' JSON.
const (
	MaxProfileText       = 10000
	MaxProfileField      = 200
	MaxProfileAttributes = 16 << 10
)
