package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/domain"
)

// BotAsker asks a bot speaking the Rasa REST protocol.
type BotAsker interface {
	Ask(ctx context.Context, b domain.Bot, sender, message string) (domain.BotReply, error)
}

// AskBotInput is one customer message for the workstream's bot. Bot.URL
// comes without its query and user info (the workflow's snapshot keeps
// none); the whole URL is read from the workstream.
type AskBotInput struct {
	Bot          domain.Bot
	WorkstreamID string
	Sender       string // the conversation id: Rasa keeps its tracker per sender
	Message      string
}

// ErrTypeBot marks a bot failure: the workflow hands off to a human.
const ErrTypeBot = "BOT_FAILED"

// AskBot forwards a customer message to the bot. It is not retried: a bot
// that fails hands the customer to a person, without making them wait.
func (a *Activities) AskBot(ctx context.Context, in AskBotInput) (domain.BotReply, error) {
	b := in.Bot
	if in.WorkstreamID != "" && a.Settings != nil {
		// The credentials live in PostgreSQL only: the current URL of the
		// same bot (a changed token applies at once; another bot does not).
		if ws, err := a.Settings.GetWorkstream(ctx, in.WorkstreamID); err == nil && ws.Bot != nil &&
			domain.URLWithoutSecrets(ws.Bot.URL) == domain.URLWithoutSecrets(b.URL) {
			b.URL = ws.Bot.URL
		}
	}
	reply, err := a.Bot.Ask(ctx, b, in.Sender, in.Message)
	if err != nil {
		return domain.BotReply{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBot, nil)
	}
	return reply, nil
}
