package workflows

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// Scheduled follow-up statuses.
const (
	FollowupScheduled           = "scheduled"
	FollowupSent                = "sent"
	FollowupSkippedWindowClosed = "skipped_window_closed"
	FollowupCancelled           = "cancelled"
)

// Follow-up limits.
const (
	MaxFollowups     = 20                  // still scheduled, per conversation
	MaxFollowupDelay = 30 * 24 * time.Hour // how far ahead send_at may be
)

// ScheduleRequest is the `schedule` update: a message to send later
// (issue 18, scheduled follow-ups). Text goes out only if the 24-hour
// window is open at SendAt, else the fallback template, else nothing (the
// follow-up is skipped and the agent told).
type ScheduleRequest struct {
	ScheduleID string `json:"schedule_id"` // chosen by the caller: the update is idempotent
	// ConversationID, when set, must be this run's conversation.
	ConversationID string              `json:"conversation_id,omitempty"`
	Author         string              `json:"author"` // "agent:<id>"
	SendAt         time.Time           `json:"send_at"`
	Text           string              `json:"text,omitempty"`
	Template       *domain.TemplateUse `json:"template,omitempty"`
	TemplateBody   string              `json:"template_body,omitempty"`
	Fallback       *domain.TemplateUse `json:"fallback_template,omitempty"`
	FallbackBody   string              `json:"fallback_template_body,omitempty"`
	// CancelOnCustomerReply cancels it when the customer writes first.
	CancelOnCustomerReply bool `json:"cancel_on_customer_reply,omitempty"`
	// OutliveClose keeps it past the conversation's close: it is then
	// handed to a Followup workflow of its own (followup_outlive.go) and
	// sent as a template (the template, or the text's fallback).
	OutliveClose bool `json:"outlive_close,omitempty"`
}

// CancelScheduledRequest is the `cancel_scheduled` update.
type CancelScheduledRequest struct {
	ScheduleID     string `json:"schedule_id"`
	ConversationID string `json:"conversation_id,omitempty"`
	By             string `json:"by"`
}

// ScheduledMessage is a follow-up as the conversation keeps it (state
// `scheduled`, carried across continue-as-new).
type ScheduledMessage struct {
	ScheduleRequest
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	MessageID string     `json:"message_id,omitempty"` // the message sent
	Note      string     `json:"note,omitempty"`       // why it was skipped or cancelled
}

// validateSchedule refuses, before anything is written to history, a
// follow-up the conversation cannot take.
func (c *conversation) validateSchedule(ctx workflow.Context, req ScheduleRequest) error {
	now := workflow.Now(ctx)
	switch {
	case !c.takesWork(),
		req.ConversationID != "" && req.ConversationID != c.st.ConversationID:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case req.ScheduleID == "":
		return appError(domain.CodeInvalid, "schedule_id is required")
	case strings.HasPrefix(req.Author, "agent:") && !c.agentMayWrite(strings.TrimPrefix(req.Author, "agent:")):
		return appError(domain.CodeNotFound, "conversation not found")
	case (req.Text == "") == (req.Template == nil):
		return appError(domain.CodeInvalid, "a follow-up needs text or a template, not both")
	case req.Template != nil && req.Fallback != nil:
		return appError(domain.CodeInvalid, "fallback_template: only for a text follow-up")
	case req.OutliveClose && req.Template == nil && req.Fallback == nil:
		return appError(domain.CodeUnprocessable, "outlive_close needs a template (or a fallback_template): after the close the 24-hour window is usually closed")
	case utf8.RuneCountInString(req.Text) > domain.MaxAutomatedMessageLen:
		return appError(domain.CodeInvalid, "text is too long")
	case !req.SendAt.After(now):
		return appError(domain.CodeInvalid, "send_at must be in the future")
	case req.SendAt.After(now.Add(MaxFollowupDelay)):
		return appError(domain.CodeInvalid, "send_at: at most 30 days ahead")
	case c.followup(req.ScheduleID) == nil && c.pendingFollowups() >= MaxFollowups:
		return appError(domain.CodeInvalid, "at most 20 follow-ups may wait in a conversation")
	}
	return nil
}

// validateCancelScheduled refuses an unknown follow-up before history.
func (c *conversation) validateCancelScheduled(ctx workflow.Context, req CancelScheduledRequest) error {
	if req.ConversationID != "" && req.ConversationID != c.st.ConversationID || c.followup(req.ScheduleID) == nil {
		return appError(domain.CodeNotFound, "scheduled message not found")
	}
	return nil
}

// scheduleUpdate hands the follow-up to the main loop. Its timer is a
// command older workers do not know: it waits for the followups patch.
func (c *conversation) scheduleUpdate(ctx workflow.Context, req ScheduleRequest) (ScheduledMessage, error) {
	if err := c.followupsOn(ctx); err != nil {
		return ScheduledMessage{}, err
	}
	if req.OutliveClose && c.followup(req.ScheduleID) == nil &&
		workflow.GetVersion(ctx, PatchFollowupsOutlive, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ScheduledMessage{}, appError(domain.CodeUnavailable, "outlive_close is not switched on yet: some workers of this task queue are older (docs/deploys.md)")
	}
	cl := &call{schedule: &req}
	if _, err := c.ask(ctx, cl); err != nil {
		return ScheduledMessage{}, err
	}
	return cl.scheduled, nil
}

// cancelScheduledUpdate hands a cancellation to the main loop.
func (c *conversation) cancelScheduledUpdate(ctx workflow.Context, req CancelScheduledRequest) (ScheduledMessage, error) {
	if err := c.followupsOn(ctx); err != nil {
		return ScheduledMessage{}, err
	}
	cl := &call{cancelScheduled: &req}
	if _, err := c.ask(ctx, cl); err != nil {
		return ScheduledMessage{}, err
	}
	return cl.scheduled, nil
}

func (c *conversation) followupsOn(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, PatchFollowups, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return appError(domain.CodeUnavailable, "scheduled messages are not switched on yet: some workers of this task queue are older (docs/deploys.md)")
	}
	return nil
}

// schedule keeps a follow-up (the same id twice: the first one).
func (c *conversation) schedule(ctx workflow.Context, req ScheduleRequest) (ScheduledMessage, error) {
	if !c.takesWork() {
		return ScheduledMessage{}, appError(domain.CodeConversationClosed, "the conversation is closed")
	}
	if f := c.followup(req.ScheduleID); f != nil {
		return *f, nil
	}
	c.st.Scheduled = append(c.st.Scheduled, ScheduledMessage{
		ScheduleRequest: req, Status: FollowupScheduled, CreatedAt: workflow.Now(ctx),
	})
	return c.st.Scheduled[len(c.st.Scheduled)-1], nil
}

// cancelScheduled cancels a follow-up still waiting; one already done
// answers as it is.
func (c *conversation) cancelScheduled(ctx workflow.Context, req CancelScheduledRequest) (ScheduledMessage, error) {
	f := c.followup(req.ScheduleID)
	if f == nil {
		return ScheduledMessage{}, appError(domain.CodeNotFound, "scheduled message not found")
	}
	if f.Status == FollowupScheduled {
		c.finishFollowup(ctx, f, FollowupCancelled, "cancelled by "+req.By)
	}
	return *f, nil
}

func (c *conversation) followup(id string) *ScheduledMessage {
	i := slices.IndexFunc(c.st.Scheduled, func(f ScheduledMessage) bool { return f.ScheduleID == id })
	if i < 0 {
		return nil
	}
	return &c.st.Scheduled[i]
}

func (c *conversation) pendingFollowups() int {
	n := 0
	for _, f := range c.st.Scheduled {
		if f.Status == FollowupScheduled {
			n++
		}
	}
	return n
}

func (c *conversation) finishFollowup(ctx workflow.Context, f *ScheduledMessage, status, note string) {
	now := workflow.Now(ctx)
	f.Status, f.DoneAt, f.Note = status, &now, note
}

// nextFollowup is the earliest send_at still waiting (zero: none).
func (c *conversation) nextFollowup() time.Time {
	var next time.Time
	for _, f := range c.st.Scheduled {
		if f.Status == FollowupScheduled && (next.IsZero() || f.SendAt.Before(next)) {
			next = f.SendAt
		}
	}
	return next
}

// keepFollowups is the follow-ups' one lazy timer. It issues no command
// while nothing is scheduled, so histories recorded before the patch
// replay unchanged.
func (c *conversation) keepFollowups(ctx workflow.Context) {
	c.keepLazyTimer(ctx, c.nextFollowup, func(at time.Time) { c.events = append(c.events, event{followupDue: at}) })
}

// sendDueFollowups sends the follow-ups whose time came: free text while
// the window is open, else the fallback template, else none (skipped, the
// agent told).
func (c *conversation) sendDueFollowups(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for i := range c.st.Scheduled {
		f := &c.st.Scheduled[i]
		if f.Status != FollowupScheduled || f.SendAt.After(now) {
			continue
		}
		req := SendRequest{ConversationID: c.st.ConversationID, Author: f.Author}
		switch {
		case f.Template != nil:
			req.Template, req.TemplateBody = f.Template, f.TemplateBody
		case c.sessionOpenAt(now):
			req.Text = f.Text
		case f.Fallback != nil:
			req.Template, req.TemplateBody = f.Fallback, f.FallbackBody
		default:
			c.finishFollowup(ctx, f, FollowupSkippedWindowClosed, "the 24-hour window is closed and there is no fallback template")
			c.saveTranscriptEvent(ctx, domain.EventFollowupSkipped, "followup/"+f.ScheduleID,
				"Scheduled follow-up not sent: the 24-hour window is closed and it has no fallback template", false)
			continue
		}
		req.MessageID = c.newMessageID()
		msg, err := c.queue(ctx, req)
		if err != nil {
			c.finishFollowup(ctx, f, FollowupCancelled, "refused: "+err.Error())
			continue
		}
		c.finishFollowup(ctx, f, FollowupSent, "")
		f.MessageID = msg.ID
	}
}

// followupsCustomerWrote cancels the follow-ups the customer's message
// made pointless.
func (c *conversation) followupsCustomerWrote(ctx workflow.Context) {
	for i := range c.st.Scheduled {
		if f := &c.st.Scheduled[i]; f.Status == FollowupScheduled && f.CancelOnCustomerReply {
			c.finishFollowup(ctx, f, FollowupCancelled, "the customer replied")
		}
	}
}

// followupsClosed cancels what still waits when the conversation closes,
// once those marked outlive_close were handed to their own workflow
// (followup_outlive.go).
func (c *conversation) followupsClosed(ctx workflow.Context, reason string) {
	c.outliveFollowups(ctx, reason)
	for i := range c.st.Scheduled {
		if f := &c.st.Scheduled[i]; f.Status == FollowupScheduled {
			c.finishFollowup(ctx, f, FollowupCancelled, "the conversation closed")
		}
	}
}
