package domain

import (
	"strconv"
	"strings"
)

// BotReply is what a workstream's bot answered (internal/bot asks it; the
// AskBot activity returns it to the conversation workflow). Its fields
// have no JSON tags on purpose: it passes through Temporal payloads, and
// recorded histories hold it as {"Messages", "Handoff", "HandoffReason"}.
type BotReply struct {
	Messages []BotMessage
	// Handoff is true when any item carried custom.handoff == true.
	Handoff bool
	// HandoffReason is custom.reason (or custom.handoff_reason) of the first
	// handoff item, else internal/bot's DefaultHandoffReason; empty without handoff.
	HandoffReason string
}

// BotMessage is one message to send to the customer: text, an image URL, or
// both (the text becomes the caption), and the buttons the bot offers with
// it. Histories recorded before Buttons existed hold {"Text", "Image"},
// their buttons already folded into Text as "• title" lines.
type BotMessage struct {
	Text    string
	Image   string
	Buttons []BotButton `json:",omitempty"`
}

// BotButton is one of the bot's buttons (Rasa's {title, payload}): the
// customer sees Title; Payload is what the bot gets back when it is
// tapped or picked (Title when the bot gave none).
type BotButton struct {
	Title   string
	Payload string
}

// BotListButton opens the list picker of a bot's 4 to 10 buttons.
const BotListButton = "Options"

// BotInteractive is how text and buttons are sent: quick-reply buttons for
// up to MaxInteractiveButtons, else a list picker for up to
// MaxInteractiveListItems, each only when WhatsApp would show it
// (Interactive.Validate: titles, ids, body). Otherwise (more options, a
// title too long, no text) it returns nil and the text with the options
// numbered (NumberedOptions), which a customer answers by typing the
// number (BotChoice).
func BotInteractive(text string, buttons []BotButton) (*Interactive, string) {
	if len(buttons) == 0 {
		return nil, text
	}
	opts := make([]InteractiveOption, len(buttons))
	for i, b := range buttons {
		opts[i] = InteractiveOption{ID: b.payload(), Title: strings.TrimSpace(b.Title)}
	}
	for _, in := range []Interactive{
		{Type: InteractiveButtons, Body: text, Options: opts},
		{Type: InteractiveList, Body: text, Button: BotListButton, Options: opts},
	} {
		if in.Validate() == nil {
			return &in, ""
		}
	}
	return nil, NumberedOptions(text, buttons)
}

// NumberedOptions is text followed by one line per button: "1. title".
func NumberedOptions(text string, buttons []BotButton) string {
	var b strings.Builder
	b.WriteString(text)
	for i, o := range buttons {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + strings.TrimSpace(o.Title))
	}
	return b.String()
}

// BotChoice is the payload of the option a customer chose by typing its
// number (or its exact title) after buttons sent as numbered text; ""
// when body chooses none.
func BotChoice(body string, buttons []BotButton) string {
	body = strings.TrimSpace(body)
	if n, err := strconv.Atoi(strings.TrimSuffix(body, ".")); err == nil {
		if n >= 1 && n <= len(buttons) {
			return buttons[n-1].payload()
		}
		return ""
	}
	for _, b := range buttons {
		if strings.EqualFold(body, strings.TrimSpace(b.Title)) {
			return b.payload()
		}
	}
	return ""
}

func (b BotButton) payload() string {
	if p := strings.TrimSpace(b.Payload); p != "" {
		return p
	}
	return strings.TrimSpace(b.Title)
}
