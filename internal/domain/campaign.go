package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Campaign statuses.
const (
	CampaignScheduled = "scheduled" // start_at is in the future
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignCancelled = "cancelled"
	CampaignCompleted = "completed"
)

// Recipient states (campaign_recipients.state).
const (
	RecipientPending      = "pending"
	RecipientSending      = "sending" // claimed: the send may have reached Twilio
	RecipientSent         = "sent"
	RecipientFailed       = "failed"
	RecipientSkipped      = "skipped"
	RecipientOptedOut     = "opted_out"
	MaxCampaignRecipients = 100_000
)

// Campaign is one template sent to a list of recipients, each once.
type Campaign struct {
	ID            string          `json:"id"`
	AccountID     string          `json:"account_id"`
	NumberID      string          `json:"number_id"`
	TemplateID    string          `json:"template_id"`
	Name          string          `json:"name"`
	TemplateName  string          `json:"template_name"`
	Language      string          `json:"language"`
	RatePerSecond float64         `json:"rate_per_second"`
	StartAt       *time.Time      `json:"start_at"`
	QuietHours    *QuietHours     `json:"quiet_hours"`
	Status        string          `json:"status"`
	Total         int             `json:"total"`
	Counts        *CampaignCounts `json:"counts,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	CompletedAt   *time.Time      `json:"completed_at"`
}

// CampaignCounts is a campaign's progress. Sent counts every message
// Twilio accepted; delivered and read are what its status callbacks said
// last (read includes delivered); failed is by Twilio error code.
type CampaignCounts struct {
	Pending   int            `json:"pending"`
	Sent      int            `json:"sent"`
	Delivered int            `json:"delivered"`
	Read      int            `json:"read"`
	Failed    int            `json:"failed"`
	FailedBy  map[string]int `json:"failed_by_error_code"`
	Replied   int            `json:"replied"`
	OptedOut  int            `json:"opted_out"`
	Skipped   int            `json:"skipped"`
}

// CampaignRecipient is one line of a campaign's list.
type CampaignRecipient struct {
	To        string   `json:"to"`
	Variables []string `json:"variables"`
	// TimeZone is the recipient's IANA zone for quiet hours; empty: the
	// zone of the number's calling code (ZoneForNumber), else the quiet
	// hours' own zone.
	TimeZone string `json:"time_zone,omitempty"`
}

// RecipientZone is the zone a recipient's quiet hours are read in: the
// list's time_zone when it gives one, else the zone of the number's
// calling code, else "" (the quiet hours' own zone).
func RecipientZone(listZone, e164 string) string {
	if listZone != "" {
		return listZone
	}
	zone, _ := ZoneForNumber(e164)
	return zone
}

// QuietHours are the hours of the recipient's day when nothing is sent:
// from Start to End ("21:00" to "08:00" spans midnight), in the
// recipient's time zone (RecipientZone), else TimeZone.
type QuietHours struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"time_zone"`
}

// CampaignReplyWindow is how long after a campaign message a customer's
// message to the same number counts as its reply (counted replied, and a
// conversation it opens starts with the campaign's message).
const CampaignReplyWindow = 7 * 24 * time.Hour

// CampaignLink is the campaign message a customer's message answers: the
// last one sent from the number to that customer within
// CampaignReplyWindow and not yet copied into a conversation.
type CampaignLink struct {
	CampaignID   string        `json:"campaign_id"`
	CampaignName string        `json:"campaign_name"`
	Seq          int           `json:"seq"`
	SID          string        `json:"sid"`
	Body         string        `json:"body"` // rendered with the recipient's variables
	Template     *TemplateUse  `json:"template,omitempty"`
	Status       MessageStatus `json:"status"` // its delivery as last reported
	SentAt       time.Time     `json:"sent_at"`
}

// RowError is what is wrong with one recipient (row counts from 1: the
// first recipient, or the CSV line after the header).
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func clock(s string) (int, bool) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(s) != 5 {
		return 0, false
	}
	return h*60 + m, true
}

// Validate checks the quiet hours.
func (q *QuietHours) Validate() error {
	if q == nil {
		return nil
	}
	s, ok1 := clock(q.Start)
	e, ok2 := clock(q.End)
	if !ok1 || !ok2 {
		return Errorf(CodeInvalid, "quiet_hours.start and .end are HH:MM (24 h)")
	}
	if s == e {
		return Errorf(CodeInvalid, "quiet_hours.start and .end are the same time")
	}
	if q.TimeZone == "" {
		q.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(q.TimeZone); err != nil {
		return Errorf(CodeInvalid, "quiet_hours.time_zone %q is not an IANA time zone", q.TimeZone)
	}
	return nil
}

// NextSendable is now when now is outside the quiet hours in zone (the
// recipient's; empty: the quiet hours' own), else the end of the quiet
// period.
func (q *QuietHours) NextSendable(now time.Time, zone string) time.Time {
	if q == nil {
		return now
	}
	if zone == "" {
		zone = q.TimeZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	s, _ := clock(q.Start)
	e, _ := clock(q.End)
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	quiet := (s < e && m >= s && m < e) || (s > e && (m >= s || m < e))
	if !quiet {
		return now
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), e/60, e%60, 0, 0, loc)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// ValidateRecipients normalizes every recipient's number and checks its
// variables against the template's placeholders; it reports every bad row,
// and duplicates of a number (each recipient gets one message).
func ValidateRecipients(rs []CampaignRecipient, templateBody string) []RowError {
	var errs []RowError
	nums, err := ParsePlaceholders(templateBody)
	if err != nil {
		return []RowError{{Row: 0, Field: "template_id", Message: err.Error()}}
	}
	if len(rs) == 0 {
		return []RowError{{Row: 0, Field: "recipients", Message: "a campaign needs at least one recipient"}}
	}
	if len(rs) > MaxCampaignRecipients {
		return []RowError{{Row: 0, Field: "recipients", Message: fmt.Sprintf("at most %d recipients", MaxCampaignRecipients)}}
	}
	seen := make(map[string]int, len(rs))
	for i := range rs {
		row := i + 1
		r := &rs[i]
		to, err := NormalizeE164(r.To)
		if err != nil {
			errs = append(errs, RowError{Row: row, Field: "to", Message: fmt.Sprintf("%q is not a phone number in E.164 (+ and 7 to 15 digits)", Mask(r.To))})
		} else if first, dup := seen[to]; dup {
			errs = append(errs, RowError{Row: row, Field: "to", Message: fmt.Sprintf("the same number as row %d: each recipient gets one message", first)})
		} else {
			seen[to] = row
			r.To = to
		}
		if len(r.Variables) != len(nums) {
			errs = append(errs, RowError{Row: row, Field: "variables", Message: fmt.Sprintf("the template takes %d variable(s), got %d", len(nums), len(r.Variables))})
		}
		for j, v := range r.Variables {
			if strings.TrimSpace(v) == "" {
				errs = append(errs, RowError{Row: row, Field: fmt.Sprintf("variables.%d", j+1), Message: "empty (WhatsApp refuses empty template variables)"})
			}
		}
		if r.TimeZone != "" {
			if _, err := time.LoadLocation(r.TimeZone); err != nil {
				errs = append(errs, RowError{Row: row, Field: "time_zone", Message: fmt.Sprintf("%q is not an IANA time zone", r.TimeZone)})
			}
		}
	}
	return errs
}

// CampaignSend is what the campaign's sender needs, read fresh before each
// recipient: a pause, a cancel or a 429's slow-down shows at once.
type CampaignSend struct {
	ID             string      `db:"id"`
	AccountID      string      `db:"account_id"`
	From           string      `db:"e164"`
	Body           string      `db:"body"`
	ContentSID     string      `db:"content_sid"`
	RatePerSecond  float64     `db:"rate_per_second"`
	Status         string      `db:"status"`
	StartAt        *time.Time  `db:"start_at"`
	QuietJSON      string      `db:"quiet_hours"`
	ThrottledUntil *time.Time  `db:"throttled_until"`
	Quiet          *QuietHours `db:"-"`
}

// DueRecipient is the next recipient of a campaign to send to.
type DueRecipient struct {
	Seq       int        `db:"seq"`
	To        string     `db:"to_e164"`
	VarsJSON  string     `db:"variables"`
	TimeZone  string     `db:"time_zone"`
	State     string     `db:"state"`
	ClaimedAt *time.Time `db:"claimed_at"`
	Variables []string   `db:"-"`
	Skip      string     `db:"skip"` // opted_out, or skipped:<code> (undeliverable)
}

// RecipientOutcome is how one recipient's send ended.
type RecipientOutcome struct {
	State     string // sent, failed, skipped, opted_out, or pending (deferred)
	SID       string
	Delivery  MessageStatus
	ErrorCode int
	Reason    string
	NotBefore *time.Time // pending: not before then
}

// finalRecipientErrors are Twilio's answers that say the number itself
// cannot receive WhatsApp messages: later campaigns skip it.
var finalRecipientErrors = map[int]bool{
	21211: true, // invalid 'To' phone number
	21614: true, // 'To' is not a valid mobile number
	63024: true, // invalid message recipient
	63003: true, // channel could not find the To address
}

// IsFinalRecipientError reports whether Twilio's code condemns the number.
func IsFinalRecipientError(code int) bool { return finalRecipientErrors[code] }

// RecipientRef is how a status callback URL names a campaign recipient.
func RecipientRef(campaignID string, seq int) string {
	return campaignID + ":" + strconv.Itoa(seq)
}

// ParseRecipientRef splits RecipientRef.
func ParseRecipientRef(ref string) (campaignID, seq string, ok bool) {
	return strings.Cut(ref, ":")
}
