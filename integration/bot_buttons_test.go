package integration

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/bot/examplebot"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestBotButtonsAreTappedBackToTheBot: the example bot's welcome offers
// two buttons; they go out as a WhatsApp list picker (a title is too long
// for a button; a Content SID the worker created through the emulator's
// Content API), stored as the bot's
// interactive message. The customer's tap comes back as `button`,
// offered_by that message, and reaches the bot as the button's payload
// ("commande"): the bot answers it, the conversation stays with the bot.
func TestBotButtonsAreTappedBackToTheBot(t *testing.T) {
	t.Parallel()
	botSrv := httptest.NewServer(examplebot.Handler())
	t.Cleanup(botSrv.Close)
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.AllowPrivateTargets = true })
	s.workstreamWith(domain.DistributionPush, map[string]any{
		"bot": map[string]any{"url": botSrv.URL + examplebot.WebhookPath, "handoff_keyword": "humain"},
	})
	const customer = "+33611500005"
	s.customerSends(customer, "bonjour")
	conv := s.conversationOf(customer)
	var offer domain.Message
	eventually(t, 20*time.Second, "the bot's buttons sent", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.Author == domain.AuthorBot && m.Interactive != nil && m.TwilioSID != nil {
				offer = m
				return true
			}
		}
		return false
	})
	in := offer.Interactive
	// "Parler à un conseiller" is longer than a button's 20 characters:
	// a list (its items take 24).
	if in.Type != domain.InteractiveList || in.Button != domain.BotListButton || in.Body != examplebot.WelcomeTextFR || len(in.Options) != 2 ||
		in.Options[0] != (domain.InteractiveOption{ID: "commande", Title: "Suivre une commande"}) {
		t.Fatalf("the bot's buttons: %+v", in)
	}
	var contentSID string
	for _, m := range s.emu.Messages() {
		if m.SID == *offer.TwilioSID {
			contentSID = m.ContentSID
		}
	}
	if !strings.HasPrefix(contentSID, "HX") {
		t.Fatalf("the buttons went out with Content SID %q", contentSID)
	}

	s.customerSendsExtra(customer, "Suivre une commande", map[string]string{"MessageType": "interactive",
		"ListTitle": "Suivre une commande", "ListId": "commande", "OriginalRepliedMessageSid": *offer.TwilioSID})
	var tapped *domain.Message
	eventually(t, 20*time.Second, "the bot's answer to the tap", func() bool {
		msgs := s.messages(conv.ID)
		for i, m := range msgs {
			if m.Button != nil {
				tapped = &msgs[i]
			}
			if m.Author == domain.AuthorBot && m.Body == examplebot.AskOrderTextFR {
				return tapped != nil
			}
		}
		return false
	})
	if tapped.Button.Payload != "commande" || tapped.Button.OfferedBy == nil || *tapped.Button.OfferedBy != offer.ID {
		t.Fatalf("the tap: %+v, want offered by %s", tapped.Button, offer.ID)
	}
	if st := s.workflowState(conv.WorkflowID); st.State != domain.StateBot || !st.BotActive {
		t.Fatalf("after the tap the conversation is %s (bot active %v), want still with the bot", st.State, st.BotActive)
	}
}
