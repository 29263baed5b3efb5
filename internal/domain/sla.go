package domain

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// SLAPolicy is a set of service-level targets a conversation keeps: the
// workstream names one, and a routing rule may name another (a VIP queue).
// A zero target is not kept.
type SLAPolicy struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	FirstResponse  Duration        `json:"first_response,omitempty"`
	NextResponse   Duration        `json:"next_response,omitempty"`
	Resolution     Duration        `json:"resolution,omitempty"`
	WarningPercent int             `json:"warning_percent"`
	BusinessHours  bool            `json:"business_hours"`
	Escalations    []SLAEscalation `json:"escalations"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// SLAEscalation is one step of a policy's ladder: what to do when a target
// is warned or breached. Steps run in their order, each once per target
// (and per next-response cycle).
type SLAEscalation struct {
	On     string `json:"on"`               // SLAOnWarning or SLAOnBreach
	Target string `json:"target,omitempty"` // a target name; empty = every target
	Action string `json:"action"`
	// Priority is added to the conversation's priority in its queue
	// (raise_priority).
	Priority int `json:"priority,omitempty"`
	// QueueID is where move_queue moves the conversation.
	QueueID string `json:"queue_id,omitempty"`
	// Text is what message_customer sends (inside the window only).
	Text string `json:"text,omitempty"`
}

// Service-level targets, statuses, and escalation triggers and actions.
const (
	SLAFirstResponse = "first_response"
	SLANextResponse  = "next_response"
	SLAResolution    = "resolution"

	SLAPending  = "pending"
	SLAWarned   = "warned"
	SLAMet      = "met"
	SLABreached = "breached"

	SLAOnWarning = "warning"
	SLAOnBreach  = "breach"

	SLARaisePriority   = "raise_priority"
	SLAMoveQueue       = "move_queue"
	SLANotify          = "notify"
	SLAMessageCustomer = "message_customer"
)

// SLATargets are the target names, in the order they are shown.
var SLATargets = []string{SLAFirstResponse, SLANextResponse, SLAResolution}

// Policy limits.
const (
	DefaultSLAWarningPercent = 80
	MaxSLATarget             = 90 * 24 * time.Hour
	MaxSLAEscalations        = 20
)

// Target returns the policy's target called name (0: not kept).
func (p SLAPolicy) Target(name string) time.Duration {
	switch name {
	case SLAFirstResponse:
		return p.FirstResponse.D()
	case SLANextResponse:
		return p.NextResponse.D()
	case SLAResolution:
		return p.Resolution.D()
	}
	return 0
}

// NormalizeSLAPolicy checks a policy and fills its defaults. That a
// move_queue queue exists is the caller's job.
func NormalizeSLAPolicy(p *SLAPolicy) error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > MaxNameLength {
		return Errorf(CodeInvalid, "name is required (at most %d characters)", MaxNameLength)
	}
	for _, t := range SLATargets {
		if d := p.Target(t); d < 0 || d > MaxSLATarget {
			return Errorf(CodeInvalid, "%s: between 0 (no target) and %s", t, MaxSLATarget)
		}
	}
	if p.WarningPercent == 0 {
		p.WarningPercent = DefaultSLAWarningPercent
	}
	if p.WarningPercent < 1 || p.WarningPercent > 99 {
		return Errorf(CodeInvalid, "warning_percent: between 1 and 99 (the share of a target after which it is warned)")
	}
	if p.Escalations == nil {
		p.Escalations = []SLAEscalation{}
	}
	if len(p.Escalations) > MaxSLAEscalations {
		return Errorf(CodeInvalid, "escalations: at most %d steps", MaxSLAEscalations)
	}
	for i := range p.Escalations {
		if err := validateEscalation(&p.Escalations[i]); err != nil {
			return Errorf(CodeInvalid, "escalations[%d].%s", i, err.(*Error).Message)
		}
	}
	return nil
}

func validateEscalation(e *SLAEscalation) error {
	if e.On != SLAOnWarning && e.On != SLAOnBreach {
		return Errorf(CodeInvalid, "on: %q or %q", SLAOnWarning, SLAOnBreach)
	}
	if e.Target != "" && e.Target != SLAFirstResponse && e.Target != SLANextResponse && e.Target != SLAResolution {
		return Errorf(CodeInvalid, "target: one of %s, or empty for every target", strings.Join(SLATargets, ", "))
	}
	switch e.Action {
	case SLARaisePriority:
		if e.Priority <= 0 || e.Priority > 1_000_000 {
			return Errorf(CodeInvalid, "priority: how much to raise the priority by (1 to 1000000)")
		}
	case SLAMoveQueue:
		if e.QueueID == "" {
			return Errorf(CodeInvalid, "queue_id: the queue to move the conversation to")
		}
	case SLANotify:
	case SLAMessageCustomer:
		e.Text = strings.TrimSpace(e.Text)
		if e.Text == "" || utf8.RuneCountInString(e.Text) > MaxAutomatedMessageLen {
			return Errorf(CodeInvalid, "text: the message to send the customer (at most %d characters)", MaxAutomatedMessageLen)
		}
	default:
		return Errorf(CodeInvalid, "action: one of %s, %s, %s, %s", SLARaisePriority, SLAMoveQueue, SLANotify, SLAMessageCustomer)
	}
	return nil
}

// AddOpenTime returns the instant at which d of open time has passed since
// start: the operating hours pause the count while closed. nil hours are
// always open. It reports false when the hours never open.
func (h *OperatingHours) AddOpenTime(start time.Time, d time.Duration) (time.Time, bool) {
	if h == nil {
		return start.Add(d), true
	}
	loc, err := hoursLocation(h.Timezone)
	if err != nil {
		return time.Time{}, false
	}
	t := start
	// Each round crosses one open stretch; a year of weekly stretches is
	// far more than any target.
	for range 1000 {
		var ok bool
		if t, ok = h.NextOpening(t); !ok {
			return time.Time{}, false
		}
		end := h.closingAfter(t.In(loc), loc)
		if span := end.Sub(t); span >= d {
			return t.Add(d).UTC(), true
		} else {
			d -= span
		}
		t = end
	}
	return time.Time{}, false
}

// closingAfter is the first instant after local (open) when the hours
// close, at most eight days on (hours open around the clock close never).
func (h *OperatingHours) closingAfter(local time.Time, loc *time.Location) time.Time {
	t := local
	for range 9 {
		minute := t.Hour()*60 + t.Minute()
		var end time.Time
		for _, r := range h.Weekly[weekdayKey(t.Weekday())] {
			s, ok1 := minuteOfDay(r.Start, false)
			e, ok2 := minuteOfDay(r.End, true)
			if ok1 && ok2 && s <= minute && minute < e {
				y, m, d := t.Date()
				end = time.Date(y, m, d, e/60, e%60, 0, 0, loc) // 24:00 is the next midnight
				break
			}
		}
		if !end.After(t) {
			return t.Add(time.Minute)
		}
		if open, err := h.openAt(end); err != nil || !open {
			return end
		}
		t = end
	}
	return t
}

// ConversationSLA is a conversation's service levels: each target once it
// runs. The conversation workflow keeps it; the store and the APIs show it.
type ConversationSLA struct {
	PolicyID      string     `json:"policy_id"`
	FirstResponse *SLATarget `json:"first_response,omitempty"`
	NextResponse  *SLATarget `json:"next_response,omitempty"`
	Resolution    *SLATarget `json:"resolution,omitempty"`
	// Answered: an agent replied since the customer's last message; the
	// customer's next message starts a next-response cycle.
	Answered bool `json:"answered,omitempty"`
}

// SLATarget is one target's run: pending → warned → met or breached (a
// breached target stays breached; MetAt is still recorded). A zero DueAt
// never falls due (business hours that never open).
type SLATarget struct {
	Status    string     `json:"status"`
	StartedAt time.Time  `json:"started_at"`
	WarnAt    time.Time  `json:"warn_at"`
	DueAt     time.Time  `json:"due_at"`
	MetAt     *time.Time `json:"met_at,omitempty"`
}

// Open reports whether the target still runs (not met).
func (t *SLATarget) Open() bool {
	return t != nil && t.MetAt == nil && (t.Status == SLAPending || t.Status == SLAWarned || t.Status == SLABreached)
}

// Targets returns the targets by name, in SLATargets order (nil when not running).
func (s *ConversationSLA) Targets() []*SLATarget {
	return []*SLATarget{s.FirstResponse, s.NextResponse, s.Resolution}
}

// Value stores the service levels as JSON.
func (s ConversationSLA) Value() (driver.Value, error) { return json.Marshal(s) }

// Scan reads the service levels from JSON.
func (s *ConversationSLA) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(v, s)
	case string:
		return json.Unmarshal([]byte(v), s)
	}
	return fmt.Errorf("sla: cannot scan %T", src)
}

// ConversationEvent is a system event of a conversation's transcript (a
// service-level warning, breach or escalation step), shown beside its
// messages.
type ConversationEvent struct {
	ID             int64     `json:"id" db:"id"`
	ConversationID string    `json:"conversation_id" db:"conversation_id"`
	Kind           string    `json:"kind" db:"kind"`
	Body           string    `json:"body" db:"body"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
}
