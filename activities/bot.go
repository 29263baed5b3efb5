package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/bot"
	"github.com/switchboard/switchboard/internal/domain"
)

// BotAsker asks a bot speaking the Rasa REST protocol.
type BotAsker interface {
	Ask(ctx context.Context, b domain.Bot, sender, message string) (bot.Reply, error)
}

// AskBotInput is one customer message for the workstream's bot.
type AskBotInput struct {
	Bot     domain.Bot
	Sender  string // the conversation id: Rasa keeps its tracker per sender
	Message string
}

// ErrTypeBot marks a bot failure: the workflow hands off to a human.
const ErrTypeBot = "BOT_FAILED"

// AskBot forwards a customer message to the bot. It is not retried: a bot
// that fails hands the customer to a person, without making them wait.
func (a *Activities) AskBot(ctx context.Context, in AskBotInput) (bot.Reply, error) {
	reply, err := a.Bot.Ask(ctx, in.Bot, in.Sender, in.Message)
	if err != nil {
		return bot.Reply{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeBot, nil)
	}
	return reply, nil
}
