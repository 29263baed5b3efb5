package domain

import (
	"regexp"
	"time"
)

var accountSIDRE = regexp.MustCompile(`^AC[0-9a-f]{32}$`)

// ValidAccountSID reports whether s looks like a Twilio account SID.
func ValidAccountSID(s string) bool { return accountSIDRE.MatchString(s) }

// Account is a Twilio account with WhatsApp senders. The auth token is never
// part of this struct's JSON.
type Account struct {
	ID                string    `json:"id" db:"id"`
	Name              string    `json:"name" db:"name"`
	TwilioAccountSID  string    `json:"twilio_account_sid" db:"twilio_account_sid"`
	Sandbox           bool      `json:"sandbox" db:"sandbox"`
	Numbers           []Number  `json:"numbers" db:"-"`
	InboundURL        string    `json:"inbound_url" db:"-"`
	StatusCallbackURL string    `json:"status_callback_url" db:"-"`
	CreatedAt         time.Time `json:"created_at" db:"created_at"`
	UpdatedAt         time.Time `json:"updated_at" db:"updated_at"`
}

// Number is a WhatsApp sender (a channel in the seed's words).
type Number struct {
	ID           string    `json:"id" db:"id"`
	AccountID    string    `json:"account_id" db:"account_id"`
	Name         string    `json:"name" db:"name"`
	E164         string    `json:"e164" db:"e164"`
	WorkstreamID *string   `json:"workstream_id" db:"workstream_id"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
}

// Credentials are what an activity needs to call Twilio for an account.
type Credentials struct {
	AccountSID string
	AuthToken  string
}
