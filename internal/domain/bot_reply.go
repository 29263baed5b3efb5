package domain

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
// both (the text becomes the caption).
type BotMessage struct {
	Text  string
	Image string
}
