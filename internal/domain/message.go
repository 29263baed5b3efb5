package domain

import "time"

// Direction of a message.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
	// Internal is a note: visible to agents and supervisors in the
	// transcript, never sent to the customer.
	Internal = "internal"
)

// Authors of a message besides agents ("agent:<id>").
const (
	AuthorCustomer = "customer"
	AuthorBot      = "bot"
	AuthorSystem   = "system"
	AuthorAdmin    = "admin"
	// AuthorCampaign is a campaign's message copied into the conversation
	// its recipient's reply opened.
	AuthorCampaign = "campaign"
)

// MessageStatus is the delivery state of a message.
type MessageStatus string

const (
	StatusReceived    MessageStatus = "received"
	StatusQueued      MessageStatus = "queued"
	StatusSending     MessageStatus = "sending"
	StatusSent        MessageStatus = "sent"
	StatusDelivered   MessageStatus = "delivered"
	StatusRead        MessageStatus = "read"
	StatusUndelivered MessageStatus = "undelivered"
	StatusFailed      MessageStatus = "failed"
	// StatusNote is the status of an internal note (never sent).
	StatusNote MessageStatus = "note"
)

// statusRank orders statuses: a status callback may only move a message to a
// higher rank, so callbacks arriving late, twice or shuffled change nothing.
// failed and undelivered are final and outrank everything.
var statusRank = map[MessageStatus]int{
	StatusReceived:    0,
	"accepted":        1,
	"scheduled":       1,
	StatusQueued:      1,
	StatusSending:     2,
	StatusSent:        3,
	StatusDelivered:   4,
	StatusRead:        5,
	StatusUndelivered: 6,
	StatusFailed:      7,
	"canceled":        7,
}

// StatusRank returns the rank of s, and false for statuses Twilio does not send.
func StatusRank(s MessageStatus) (int, bool) {
	r, ok := statusRank[s]
	return r, ok
}

// IsFailure reports whether s is a final failure.
func (s MessageStatus) IsFailure() bool {
	return s == StatusFailed || s == StatusUndelivered || s == "canceled"
}

// Media is an attachment.
type Media struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type,omitempty"`
	// Kind is how WhatsApp shows it (image, audio, video, document,
	// contact; file for anything else), on inbound media.
	Kind string `json:"kind,omitempty"`
}

// TemplateUse is the template part of an outbound message.
type TemplateUse struct {
	Name       string   `json:"name"`
	Language   string   `json:"language"`
	Variables  []string `json:"variables,omitempty"`
	ContentSID string   `json:"content_sid,omitempty"`
}

// Message as stored and returned by the API.
type Message struct {
	ID             string        `json:"id" db:"id"`
	ConversationID string        `json:"conversation_id" db:"conversation_id"`
	Direction      string        `json:"direction" db:"direction"`
	Author         string        `json:"author" db:"author"`
	Body           string        `json:"body" db:"body"`
	Media          []Media       `json:"media" db:"-"`
	Template       *TemplateUse  `json:"template,omitempty" db:"-"`
	TwilioSID      *string       `json:"twilio_sid" db:"twilio_sid"`
	Status         MessageStatus `json:"status" db:"status"`
	ErrorCode      *int          `json:"error_code" db:"error_code"`
	ErrorMessage   *string       `json:"error_message,omitempty" db:"error_message"`
	CreatedAt      time.Time     `json:"created_at" db:"created_at"`
	// Note marks an internal note (direction internal): never sent.
	Note bool `json:"note,omitempty" db:"-"`

	// What an inbound message carries beyond text and media
	// (rich_message.go); absent when it carries none of it.
	MessageType string       `json:"message_type,omitempty" db:"-"`
	Location    *Location    `json:"location,omitempty" db:"-"`
	Button      *ButtonReply `json:"button,omitempty" db:"-"`
	ReplyTo     *ReplyTo     `json:"reply_to,omitempty" db:"-"`
	Referral    *Referral    `json:"referral,omitempty" db:"-"`
	// Interactive is what an outbound message offered: quick-reply
	// buttons or a list (interactive.go).
	Interactive *Interactive `json:"interactive,omitempty" db:"-"`
}

// InboundMessage is what Twilio's inbound webhook told us, as stored in the
// inbox and signalled to the conversation workflow.
type InboundMessage struct {
	// ID is the transcript row the workflow asks for, derived from its
	// own counter: a retried write that finds its own row knows it was
	// inserted (the commit landed, its answer was lost), while a real
	// duplicate finds another id. Empty: the store picks one.
	ID          string            `json:"id,omitempty"`
	InboxID     int64             `json:"inbox_id"`
	MessageSID  string            `json:"message_sid"`
	AccountID   string            `json:"account_id"`
	NumberID    string            `json:"number_id"`
	From        string            `json:"from"` // customer, E.164
	To          string            `json:"to"`   // our number, E.164
	Body        string            `json:"body,omitempty"`
	ProfileName string            `json:"profile_name,omitempty"`
	MessageType string            `json:"message_type,omitempty"`
	Media       []Media           `json:"media,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"` // ButtonText, Latitude, Referral*, ...
	ReceivedAt  time.Time         `json:"received_at"`
	// Campaign is the campaign message this one may answer (found by the
	// webhook: CampaignLink); a conversation this message opens starts
	// with it.
	Campaign *CampaignLink `json:"campaign,omitempty"`
}
