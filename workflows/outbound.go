package workflows

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows/retry"
)

// sendTimeout bounds how long a message may wait for Twilio (retries
// included) before it is marked failed.
const sendTimeout = time.Hour

func appError(code domain.Code, msg string) error {
	return temporal.NewApplicationError(msg, string(code))
}

// validateSend refuses, before anything is written to history, what the
// conversation cannot send: the `send` update's validator. Once a close is
// requested nobody writes in the conversation any more (the closing
// sequence's own messages do not come through here).
func (c *conversation) validateSend(ctx workflow.Context, req SendRequest) error {
	switch {
	case !c.takesWork(),
		req.ConversationID != "" && req.ConversationID != c.st.ConversationID:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case req.MessageID == "":
		return appError(domain.CodeInvalid, "message_id is required")
	case strings.HasPrefix(req.Author, "agent:") && !c.agentMayWrite(strings.TrimPrefix(req.Author, "agent:")):
		return appError(domain.CodeNotFound, "conversation not found")
	case req.Template == nil && req.Text == "" && len(req.MediaURLs) == 0 && req.Interactive == nil:
		return appError(domain.CodeInvalid, "a message needs text, media, interactive or a template")
	case req.Template != nil && (req.Text != "" || len(req.MediaURLs) > 0 || req.Interactive != nil):
		return appError(domain.CodeInvalid, "send either a template or text and media, not both")
	case req.Interactive != nil && (req.Text != "" || len(req.MediaURLs) > 0):
		return appError(domain.CodeInvalid, "send interactive alone: its body is the text")
	case len(req.MediaURLs) > 0 && c.workstream() != nil && !c.workstream().Attachments.Agent:
		return appError(domain.CodeAttachmentsOff, "this workstream does not allow agents to send attachments")
	case req.Template == nil && !c.opening && !c.sessionOpenAt(workflow.Now(ctx)):
		return appError(domain.CodeWindowClosed, c.windowClosedMessage())
	}
	if req.Interactive != nil {
		var de *domain.Error
		if errors.As(req.Interactive.Validate(), &de) {
			return appError(de.Code, de.Message)
		}
	}
	return nil
}

// sessionOpenAt reports whether free-form messages may go out at now. The
// deadline itself decides, not only the mode: the window timer's task can
// run a moment after the deadline on a busy worker, and a send in that
// moment would reach Twilio outside WhatsApp's window.
func (c *conversation) sessionOpenAt(now time.Time) bool {
	if c.st.Mode != domain.ModeSession {
		return false
	}
	return c.st.WindowExpiresAt.IsZero() || now.Before(c.st.WindowExpiresAt)
}

func (c *conversation) windowClosedMessage() string {
	const tail = ": only approved templates can be sent until the customer writes again"
	switch {
	case c.st.WindowExpiresAt.IsZero():
		return "the customer has not written yet: only approved templates can be sent"
	case c.st.ModeReason == domain.ModeReasonTwilio63016:
		return "Twilio refused a free-form message with error 63016 (outside WhatsApp's 24-hour window)" + tail
	default:
		return "the 24-hour window closed at " + c.st.WindowExpiresAt.UTC().Format(time.RFC3339) + tail
	}
}

// agentMayWrite: the conversation's agent, or the agent who is starting it
// proactively (its template comes with the start, before the assignment).
func (c *conversation) agentMayWrite(agentID string) bool {
	if agentID == "" {
		return false
	}
	return agentID == c.st.AgentID || (c.starting && c.in.Proactive != nil && c.in.Proactive.AgentID == agentID)
}

// send is the `send` update: agents, admins and operators writing. It
// answers once the message is stored and in the conversation's outbox, not
// when Twilio answered: a Twilio outage never holds an update (the HTTP
// route waits a bounded time for Twilio's answer by reading the message).
// The message of a proactive start waits until the conversation is stored
// and assigned.
func (c *conversation) send(ctx workflow.Context, req SendRequest) (domain.Message, error) {
	if req.Interactive != nil && workflow.GetVersion(ctx, PatchInteractive, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return domain.Message{}, appError(domain.CodeUnavailable, "interactive messages are not switched on yet: some workers of this task queue are older (docs/deploys.md)")
	}
	if c.starting {
		if err := workflow.Await(ctx, func() bool { return !c.starting }); err != nil {
			return domain.Message{}, err
		}
	}
	if c.opening {
		if err := workflow.Await(ctx, func() bool { return !c.opening }); err != nil {
			return domain.Message{}, err
		}
		// What the validator could not know yet: whether the conversation
		// opened at all, and the window.
		switch {
		case !c.takesWork():
			return domain.Message{}, appError(domain.CodeConversationClosed, "the conversation is closed")
		case req.Template == nil && !c.sessionOpenAt(workflow.Now(ctx)):
			return domain.Message{}, appError(domain.CodeWindowClosed, c.windowClosedMessage())
		}
	}
	msg, err := c.queue(ctx, req)
	if err == nil && strings.HasPrefix(req.Author, "agent:") {
		c.st.LastActivityAt = workflow.Now(ctx)
		c.st.LastAgentReplyAt = c.st.LastActivityAt
		if c.st.SLA != nil {
			c.events = append(c.events, event{slaReply: c.st.LastActivityAt})
		}
	}
	return msg, err
}

// queue stores an outbound message and puts it at the end of the outbox.
// Its place is taken before the database write, so messages go out in the
// order the conversation accepted them. A message seen before (the same
// update delivered twice, or again after continue-as-new) is not queued
// twice.
func (c *conversation) queue(ctx workflow.Context, req SendRequest) (domain.Message, error) {
	if slices.ContainsFunc(c.st.Outbox, func(q SendRequest) bool { return q.MessageID == req.MessageID }) {
		_ = workflow.Await(ctx, func() bool { return !c.storing(req.MessageID) })
		return c.storedMessage(ctx, req)
	}
	c.unstored = append(c.unstored, req.MessageID)
	c.st.Outbox = append(c.st.Outbox, req)
	stored, err := c.storedMessage(ctx, req)
	c.unstored = slices.DeleteFunc(c.unstored, func(id string) bool { return id == req.MessageID })
	if err != nil || stored.TwilioSID != nil || stored.Status != domain.StatusQueued {
		// Refused, or handled already (sent or failed in an earlier run).
		c.dequeue(req.MessageID)
	}
	return stored, err
}

// storedMessage writes the message row (idempotent by id) and returns it.
func (c *conversation) storedMessage(ctx workflow.Context, req SendRequest) (domain.Message, error) {
	msg := domain.Message{
		ID:             req.MessageID,
		ConversationID: c.st.ConversationID,
		Direction:      domain.Outbound,
		Author:         req.Author,
		Body:           req.Text,
		Template:       req.Template,
		Status:         domain.StatusQueued,
	}
	if req.Template != nil {
		msg.Body = req.TemplateBody
	}
	if req.Interactive != nil {
		msg.Body, msg.Interactive = req.Interactive.Body, req.Interactive
	}
	for _, u := range req.MediaURLs {
		msg.Media = append(msg.Media, domain.Media{URL: u})
	}
	var stored domain.Message
	err := durably(ctx, a.CreateOutbound, msg, &stored)
	return stored, err
}

func (c *conversation) storing(id string) bool { return slices.Contains(c.unstored, id) }

func (c *conversation) dequeue(id string) {
	c.st.Outbox = slices.DeleteFunc(c.st.Outbox, func(q SendRequest) bool { return q.MessageID == id })
}

// outboxIdle reports whether every accepted message has been handed to
// Twilio (or given up on).
func (c *conversation) outboxIdle() bool { return len(c.st.Outbox) == 0 && !c.sending }

// sendLoop hands the outbox to Twilio in order, one message at a time. It
// is the only code that calls Twilio for this conversation, so messages
// never overtake each other and none is sent twice by two callers.
func (c *conversation) sendLoop(ctx workflow.Context) {
	for {
		_ = workflow.Await(ctx, func() bool {
			return len(c.st.Outbox) > 0 && !c.storing(c.st.Outbox[0].MessageID)
		})
		req := c.st.Outbox[0]
		c.sending = true
		c.handOver(ctx, req)
		c.dequeue(req.MessageID)
		c.sending = false
	}
}

// withTemplate makes in send template t: by its Content SID and
// variables when it has one, else as its rendered body.
func withTemplate(in *activities.SendInput, t *domain.TemplateUse, body string) {
	in.Body = body
	if t.ContentSID != "" {
		in.Body, in.ContentSID, in.ContentVariables = "", t.ContentSID, contentVariables(t.Variables)
	}
}

// sendOptions are SendMessage's options: Twilio is retried patiently for
// up to sendTimeout.
func sendOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: sendTimeout,
		RetryPolicy:            retry.Patient(),
	})
}

// handOver gives one stored message to Twilio. A free-form message whose
// window closed while it waited is not sent (Twilio would refuse it with
// 63016): it is marked failed with that reason.
func (c *conversation) handOver(ctx workflow.Context, req SendRequest) {
	if req.Template == nil {
		c.awaitReportedRefusals(ctx)
	}
	if req.Template == nil && !c.sessionOpenAt(workflow.Now(ctx)) {
		c.markFailed(ctx, req.MessageID, twilioWindowClosed, "not sent: the 24-hour window closed before it could go out")
		return
	}
	in := activities.SendInput{
		MessageID: req.MessageID,
		AccountID: c.st.AccountID,
		From:      c.numberE164(),
		To:        c.st.CustomerE164,
		Body:      req.Text,
		MediaURLs: req.MediaURLs,
	}
	if req.Template != nil {
		withTemplate(&in, req.Template, req.TemplateBody)
	}
	if req.Interactive != nil {
		in.Body, in.Interactive = req.Interactive.Body, req.Interactive
	}
	var out activities.SendOutput
	if err := workflow.ExecuteActivity(sendOptions(ctx), a.SendMessage, in).Get(ctx, &out); err != nil {
		c.logger.Warn("send gave up", "message_id", req.MessageID, "error", err)
		c.markFailed(ctx, req.MessageID, 0, "not sent: "+err.Error())
		return
	}
	c.st.OutboundCount++
	if out.WindowClosed {
		c.events = append(c.events, event{twilioWindowClosed: true})
	}
}

// awaitReportedRefusals waits until the main loop has applied the delivery
// statuses Twilio already reported: one of them may be a 63016 that closes
// the window, and the loop may be busy with an earlier event (recording a
// customer message) when it arrives. Once a close is requested the loop no
// longer collects signals, and the closing sequence's messages do not wait.
func (c *conversation) awaitReportedRefusals(ctx workflow.Context) {
	_ = workflow.Await(ctx, func() bool {
		return c.closeReq != nil || (c.delivery.Len() == 0 && !c.windowRefusalQueued())
	})
}

// windowRefusalQueued reports a 63016 collected but not yet applied.
func (c *conversation) windowRefusalQueued() bool {
	return slices.ContainsFunc(c.events, event.closesWindow)
}

func (c *conversation) markFailed(ctx workflow.Context, id string, code int, reason string) {
	mark := activities.MarkFailedInput{MessageID: id, ErrorCode: code, Reason: reason}
	if err := durably(ctx, a.MarkSendFailed, mark, nil); err != nil {
		c.logger.Error("marking a message failed was refused", "message_id", id, "error", err)
	}
}

// numberE164 is our sender: from the input, else the settings snapshot.
func (c *conversation) numberE164() string {
	if c.in.NumberE164 != "" {
		return c.in.NumberE164
	}
	return c.settings.NumberE164
}

// contentVariables turns ordered template variables into Twilio's
// ContentVariables object {"1": "...", "2": "..."}.
func contentVariables(vars []string) map[string]string {
	if len(vars) == 0 {
		return nil
	}
	m := make(map[string]string, len(vars))
	for i, v := range vars {
		m[strconv.Itoa(i+1)] = v
	}
	return m
}
