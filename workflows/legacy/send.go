package legacy

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// sendTimeout bounds how long a message may wait for Twilio (retries
// included) before it is marked failed.
const sendTimeout = time.Hour

func appError(code domain.Code, msg string) error {
	return temporal.NewApplicationError(msg, string(code))
}

// validateSend refuses, before anything is written to history, what the
// conversation cannot send: the `send` update's validator.
func (c *conversation) validateSend(ctx workflow.Context, req SendRequest) error {
	switch {
	case c.st.State == domain.StateClosed,
		req.ConversationID != "" && req.ConversationID != c.st.ConversationID:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case req.MessageID == "":
		return appError(domain.CodeInvalid, "message_id is required")
	case strings.HasPrefix(req.Author, "agent:") && !c.agentMayWrite(strings.TrimPrefix(req.Author, "agent:")):
		return appError(domain.CodeNotFound, "conversation not found")
	case req.Template == nil && req.Text == "" && len(req.MediaURLs) == 0:
		return appError(domain.CodeInvalid, "a message needs text, media or a template")
	case req.Template != nil && (req.Text != "" || len(req.MediaURLs) > 0):
		return appError(domain.CodeInvalid, "send either a template or text and media, not both")
	case len(req.MediaURLs) > 0 && c.workstream() != nil && !c.workstream().Attachments.Agent:
		return appError(domain.CodeAttachmentsOff, "this workstream does not allow agents to send attachments")
	case req.Template == nil && !c.sessionOpenAt(workflow.Now(ctx)):
		return appError(domain.CodeWindowClosed, c.windowClosedMessage())
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

// send is the `send` update: agents, admins and operators writing. The
// message of a proactive start waits until the conversation is stored and
// assigned.
func (c *conversation) send(ctx workflow.Context, req SendRequest) (domain.Message, error) {
	if c.starting {
		if err := workflow.Await(ctx, func() bool { return !c.starting }); err != nil {
			return domain.Message{}, err
		}
	}
	msg, err := c.deliver(ctx, req)
	if err == nil && strings.HasPrefix(req.Author, "agent:") {
		c.st.LastActivityAt = workflow.Now(ctx)
	}
	return msg, err
}

// deliver stores the message, hands it to Twilio and returns it as Twilio
// left it: accepted (queued, with its SID) or refused (failed, with the
// error code).
func (c *conversation) deliver(ctx workflow.Context, req SendRequest) (domain.Message, error) {
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
	for _, u := range req.MediaURLs {
		msg.Media = append(msg.Media, domain.Media{URL: u})
	}
	var stored domain.Message
	if err := workflow.ExecuteLocalActivity(durableCtx(ctx), a.CreateOutbound, msg).Get(ctx, &stored); err != nil {
		return domain.Message{}, err
	}
	if stored.TwilioSID != nil || stored.Status.IsFailure() {
		return stored, nil // the same update delivered twice: it was handled
	}

	in := activities.SendInput{
		MessageID: msg.ID,
		AccountID: c.st.AccountID,
		From:      c.numberE164(),
		To:        c.st.CustomerE164,
		Body:      msg.Body,
		MediaURLs: req.MediaURLs,
	}
	if req.Template != nil && req.Template.ContentSID != "" {
		in.Body = ""
		in.ContentSID = req.Template.ContentSID
		in.ContentVariables = contentVariables(req.Template.Variables)
	}
	sendCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: sendTimeout,
		RetryPolicy:            sendRetry,
	})
	var out activities.SendOutput
	if err := workflow.ExecuteActivity(sendCtx, a.SendMessage, in).Get(ctx, &out); err != nil {
		c.logger.Warn("send gave up", "message_id", msg.ID, "error", err)
		var failed domain.Message
		mark := activities.MarkFailedInput{MessageID: msg.ID, Reason: "not sent: " + err.Error()}
		if err := workflow.ExecuteLocalActivity(durableCtx(ctx), a.MarkSendFailed, mark).Get(ctx, &failed); err != nil {
			return domain.Message{}, err
		}
		return failed, nil
	}
	c.st.OutboundCount++
	if out.WindowClosed {
		c.toTemplateOnly(ctx, domain.ModeReasonTwilio63016)
		c.publish(ctx)
	}
	return out.Message, nil
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
