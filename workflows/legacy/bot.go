package legacy

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
	in := activities.AskBotInput{Bot: *b, Sender: c.st.ConversationID, Message: m.Body}
	if err := workflow.ExecuteActivity(actx, a.AskBot, in).Get(ctx, &reply); err != nil {
		c.st.BotNote = "the bot failed (" + errorSummary(err) + "); handed to a person"
		c.handoff(ctx, m, "the bot failed")
		return
	}
	for _, bm := range reply.Messages {
		var media []string
		if bm.Image != "" {
			media = []string{bm.Image}
		}
		if bm.Text == "" && len(media) == 0 {
			continue
		}
		c.sendInternal(ctx, domain.AuthorBot, bm.Text, media)
	}
	if reply.Handoff {
		reason := "the bot handed the conversation over"
		if reply.HandoffReason != "" {
			reason += " (" + reply.HandoffReason + ")"
		}
		c.handoff(ctx, m, reason)
	}
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
