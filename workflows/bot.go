package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows/retry"
)

// askBot hands one customer message to the workstream's bot and relays its
// answers. The customer reaches a person when they type the handoff
// keyword, when the bot asks for it, or when the bot fails (fail open).
func (c *conversation) askBot(ctx workflow.Context, m domain.InboundMessage) {
	b := c.workstream().Bot
	if domain.IsHandoffKeyword(m.Body, b.HandoffKeyword) {
		c.handoff(ctx, m, "the customer asked for a person ("+b.HandoffKeyword+")")
		return
	}
	timeout := b.Timeout.D()
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout + 2*time.Second,
		RetryPolicy:         retry.OnceOnly(),
	})
	var reply domain.BotReply
	in := activities.AskBotInput{Bot: *b, WorkstreamID: c.workstream().ID, Sender: c.st.ConversationID, Message: c.botMessageOf(m)}
	if err := workflow.ExecuteActivity(actx, a.AskBot, in).Get(ctx, &reply); err != nil {
		c.st.BotNote = "the bot failed (" + errorSummary(err) + "); handed to a person"
		c.handoff(ctx, m, "the bot failed")
		return
	}
	for _, bm := range reply.Messages {
		c.sendBotMessage(ctx, bm)
	}
	if !c.takesWork() {
		return
	}
	if reply.Handoff {
		reason := "the bot handed the conversation over"
		if reply.HandoffReason != "" {
			reason += " (" + reply.HandoffReason + ")"
		}
		c.handoff(ctx, m, reason)
	}
}

// botMessageOf is what the bot gets for a customer message: the payload
// of the button or list item tapped (Rasa's convention: a button answers
// with its payload), or of the numbered option typed after buttons sent
// as text, else the text. Histories recorded before bot buttons have
// neither (the activity's input is not part of replay).
func (c *conversation) botMessageOf(m domain.InboundMessage) string {
	options := c.st.BotOptions
	c.st.BotOptions = nil
	if p := m.ButtonPayload(); p != "" {
		return p
	}
	if p := domain.BotChoice(m.Body, options); p != "" {
		return p
	}
	return m.Body
}

// sendBotMessage sends one message of the bot: text and image as before;
// with buttons, the image first, then the text with the buttons as
// quick-reply buttons (up to 3) or a list (up to 10), through the same
// interactive send as agents' (patch interactive-1: while it is dormant,
// and for more options or what WhatsApp would not show, the text with
// numbered options). Replies recorded before bot buttons carry none and
// take the first path, unchanged.
func (c *conversation) sendBotMessage(ctx workflow.Context, bm domain.BotMessage) {
	var media []string
	if bm.Image != "" {
		media = []string{bm.Image}
	}
	if len(bm.Buttons) == 0 {
		if bm.Text == "" && len(media) == 0 {
			return
		}
		c.sendInternal(ctx, domain.AuthorBot, bm.Text, media)
		return
	}
	in, text := domain.BotInteractive(bm.Text, bm.Buttons)
	if in != nil && workflow.GetVersion(ctx, PatchInteractive, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		in, text = nil, domain.NumberedOptions(bm.Text, bm.Buttons)
	}
	if in == nil {
		c.st.BotOptions = bm.Buttons
		c.sendInternal(ctx, domain.AuthorBot, text, media)
		return
	}
	if len(media) > 0 {
		c.sendInternal(ctx, domain.AuthorBot, "", media)
	}
	c.sendInternalInteractive(ctx, domain.AuthorBot, in)
}

func (c *conversation) handoff(ctx workflow.Context, m domain.InboundMessage, why string) {
	c.st.BotActive = false
	if c.st.BotNote == "" {
		c.st.BotNote = why
	}
	c.logger.Info("bot handoff", "reason", why)
	c.route(ctx, m)
}

func errorSummary(err error) string {
	var appErr *temporal.ApplicationError
	msg := err.Error()
	if errors.As(err, &appErr) {
		msg = appErr.Message()
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}
