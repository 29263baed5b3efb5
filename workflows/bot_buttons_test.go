package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// botWorld is a world whose workstream has a bot answering with buttons:
// 2 to "hello" (quick-reply buttons), 5 to "menu" (a list), 12 to "all"
// (numbered text), a handoff to "agent".
func botWorld(t *testing.T) *world {
	w := newWorld(t)
	w.settings.Workstream.Bot = &domain.Bot{URL: "http://bot.test/webhooks/rest/webhook", HandoffKeyword: "human"}
	buttons := func(n int) []domain.BotButton {
		var bs []domain.BotButton
		for i := 1; i <= n; i++ {
			bs = append(bs, domain.BotButton{Title: "Option " + string(rune('A'+i-1)), Payload: "/choose{\"n\":" + string(rune('0'+i%10)) + "}"})
		}
		return bs
	}
	w.bot = func(in activities.AskBotInput) (domain.BotReply, error) {
		switch in.Message {
		case "hello":
			return domain.BotReply{Messages: []domain.BotMessage{{Text: "What can I do?", Buttons: []domain.BotButton{
				{Title: "Track an order", Payload: "/order"}, {Title: "Talk to an agent", Payload: "/agent"}}}}}, nil
		case "menu":
			return domain.BotReply{Messages: []domain.BotMessage{{Text: "Pick one", Image: "https://cdn.test/menu.png", Buttons: buttons(5)}}}, nil
		case "all":
			return domain.BotReply{Messages: []domain.BotMessage{{Text: "So many", Buttons: buttons(12)}}}, nil
		case "/agent":
			return domain.BotReply{Messages: []domain.BotMessage{{Text: "Handing over."}}, Handoff: true}, nil
		}
		return domain.BotReply{Messages: []domain.BotMessage{{Text: "Got " + in.Message}}}, nil
	}
	return w
}

// tap is the customer tapping a button (or picking a list item) of the
// message with sid, as the webhook hands it over.
func tap(sid, text, payload string, at time.Time) domain.InboundMessage {
	m := customerMessage(sid, text, at)
	m.MessageType = "button"
	m.Extra = map[string]string{"ButtonText": text, "ButtonPayload": payload}
	return m
}

// botMessages are the bot's messages in the order they were stored.
func (w *world) botMessages(order []string) []domain.Message {
	var out []domain.Message
	for _, id := range order {
		if m := w.messages[id]; m.Author == domain.AuthorBot {
			out = append(out, m)
		}
	}
	return out
}

// TestBotButtonsGoOutInteractive: the bot's buttons go out through the
// interactive send agents use (stored with what they offer, handed to the
// send activity to create the Content SID): up to 3 as quick-reply
// buttons, up to 10 as a list (its image first), more as numbered text.
// A tap comes back to the bot as its payload, a typed number after the
// numbered text as that option's payload, and the bot's handoff routes
// the conversation.
func TestBotButtonsGoOutInteractive(t *testing.T) {
	w := botWorld(t)
	var handed []activities.SendInput
	var order []string
	w.twilio = func(in activities.SendInput) (activities.SendOutput, error) {
		handed = append(handed, in)
		order = append(order, in.MessageID)
		return activities.SendOutput{}, nil
	}
	env := w.env()
	at := func(d time.Duration, m func() domain.InboundMessage) {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalInbound, m()) }, d)
	}
	at(0, func() domain.InboundMessage { return customerMessage("SM1", "menu", env.Now()) })
	at(time.Minute, func() domain.InboundMessage { return customerMessage("SM2", "all", env.Now()) })
	at(2*time.Minute, func() domain.InboundMessage { return customerMessage("SM3", "11", env.Now()) })
	at(3*time.Minute, func() domain.InboundMessage { return customerMessage("SM4", "11", env.Now()) })
	at(4*time.Minute, func() domain.InboundMessage { return customerMessage("SM5", "hello", env.Now()) })
	at(5*time.Minute, func() domain.InboundMessage { return tap("SM6", "Talk to an agent", "/agent", env.Now()) })
	env.RegisterDelayedCallback(func() {
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "resolved", By: "operator"})
	}, time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}

	// The bot got the texts, the numbered choice's payload once (the
	// second "11" is text again), and the tap's payload.
	want := []string{"menu", "all", "/choose{\"n\":1}", "11", "hello", "/agent"}
	if !slices.Equal(w.botAsked, want) {
		t.Fatalf("the bot was asked %q, want %q", w.botAsked, want)
	}
	bot := w.botMessages(order)
	if len(bot) != 7 {
		for _, m := range bot {
			t.Logf("%+v", m)
		}
		t.Fatalf("%d bot messages sent, want 7", len(bot))
	}
	// menu: the image, then a list of 5.
	if len(bot[0].Media) != 1 || bot[0].Media[0].URL != "https://cdn.test/menu.png" || bot[0].Body != "" {
		t.Errorf("the menu's image: %+v", bot[0])
	}
	list := bot[1].Interactive
	if list == nil || list.Type != domain.InteractiveList || list.Body != "Pick one" || list.Button != domain.BotListButton ||
		len(list.Options) != 5 || list.Options[0].ID != "/choose{\"n\":1}" || list.Options[0].Title != "Option A" {
		t.Errorf("the menu's list: %+v", bot[1])
	}
	// all: 12 options as numbered text, no interactive.
	if bot[2].Interactive != nil || !strings.HasPrefix(bot[2].Body, "So many\n1. Option A\n2. Option B") || !strings.Contains(bot[2].Body, "\n12. Option L") {
		t.Errorf("twelve options: %+v", bot[2])
	}
	// hello: 2 quick-reply buttons.
	btn := bot[5].Interactive
	if btn == nil || btn.Type != domain.InteractiveButtons || btn.Body != "What can I do?" || len(btn.Options) != 2 ||
		btn.Options[1] != (domain.InteractiveOption{ID: "/agent", Title: "Talk to an agent"}) {
		t.Errorf("hello's buttons: %+v", bot[5])
	}
	if bot[6].Body != "Handing over." {
		t.Errorf("after the tap: %+v", bot[6])
	}
	// Each interactive message reached the send activity with its
	// options, to create its Content SID, and no body of its own text.
	interactive := 0
	for _, in := range handed {
		if in.Interactive != nil {
			interactive++
			if in.Body != in.Interactive.Body || in.ContentSID != "" {
				t.Errorf("handed %+v", in)
			}
		}
	}
	if interactive != 2 {
		t.Errorf("%d interactive sends, want 2", interactive)
	}
	if len(w.enqueued) != 1 {
		t.Errorf("the handoff enqueued %d times, want once", len(w.enqueued))
	}
	w.checkNoErrorLogs()
}

// While patch interactive-1 is dormant (an older worker still polls), the
// bot's buttons go out as numbered text, which a typed number answers.
func TestBotButtonsAsTextWhileInteractiveIsDormant(t *testing.T) {
	w := botWorld(t)
	var order []string
	w.twilio = func(in activities.SendInput) (activities.SendOutput, error) {
		if in.Interactive != nil {
			t.Errorf("an interactive send while the patch is dormant: %+v", in)
		}
		order = append(order, in.MessageID)
		return activities.SendOutput{}, nil
	}
	env := w.env()
	env.OnGetVersion(workflows.PatchInteractive, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM1", "hello", env.Now()))
	}, 0)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalInbound, customerMessage("SM2", "2", env.Now()))
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		update(env, workflows.UpdateClose, workflows.CloseRequest{Reason: "resolved", By: "operator"})
	}, time.Hour)
	env.ExecuteWorkflow(workflows.ConversationWorkflowName, w.input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	bot := w.botMessages(order)
	if len(bot) < 1 || bot[0].Interactive != nil || bot[0].Body != "What can I do?\n1. Track an order\n2. Talk to an agent" {
		t.Fatalf("hello while dormant: %+v", bot)
	}
	if !slices.Equal(w.botAsked, []string{"hello", "/agent"}) {
		t.Fatalf("the bot was asked %q", w.botAsked)
	}
}
