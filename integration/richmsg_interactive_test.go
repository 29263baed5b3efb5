package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// interactiveWindow is the session window of the interactive test: long
// enough for the exchange, short enough to wait for it to close.
const interactiveWindow = 12 * time.Second

// TestAgentSendsInteractiveAndTheTapLinksBack: an agent sends quick-reply
// buttons through the messages route; the worker creates their Content
// item through the Content API (the emulator, Twilio's wire format) and
// sends it with ContentSid; the same buttons again reuse the cached SID, a
// list creates its own. WhatsApp's limits answer 422 naming the field.
// The customer's tap (with Twilio's ReferralNumMedia=0, no referral) comes
// back as `button`, offered_by the buttons' message. Once the window
// closed, interactive is refused like text.
func TestAgentSendsInteractiveAndTheTapLinksBack(t *testing.T) {
	t.Parallel()
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = interactiveWindow })
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	s.customerSends(customerOne, "Je voudrais un t-shirt")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))
	path := "/api/v1/agent/conversations/" + conv.ID + "/messages"

	buttons := map[string]any{"type": "buttons", "body": "Quelle taille ?", "options": []map[string]string{
		{"id": "size-s", "title": "Petit"}, {"id": "size-m", "title": "Moyen"}, {"id": "size-l", "title": "Grand"}}}
	first := s.agentSendBody(ada.Token, conv.ID, map[string]any{"interactive": buttons})
	if first.Body != "Quelle taille ?" || first.Interactive == nil || len(first.Interactive.Options) != 3 || first.Interactive.Options[1].ID != "size-m" {
		t.Fatalf("sent: %+v", first)
	}
	again := s.agentSendBody(ada.Token, conv.ID, map[string]any{"interactive": buttons})
	list := s.agentSendBody(ada.Token, conv.ID, map[string]any{"interactive": map[string]any{"type": "list", "body": "Quel créneau ?",
		"button": "Créneaux", "options": []map[string]string{{"id": "mon", "title": "Lundi matin", "description": "9h à 12h"}, {"id": "tue", "title": "Mardi"}}}})
	sids := map[string]string{}
	eventually(t, 20*time.Second, "the three messages sent with a Content SID", func() bool {
		for _, m := range s.emu.Messages() {
			for _, id := range []string{first.ID, again.ID, list.ID} {
				for _, mm := range s.messages(conv.ID) {
					if mm.ID == id && mm.TwilioSID != nil && *mm.TwilioSID == m.SID {
						sids[id] = m.ContentSID
					}
				}
			}
		}
		return len(sids) == 3
	})
	if !strings.HasPrefix(sids[first.ID], "HX") || sids[again.ID] != sids[first.ID] || sids[list.ID] == sids[first.ID] || !strings.HasPrefix(sids[list.ID], "HX") {
		t.Fatalf("content SIDs: %v", sids)
	}
	var cached int
	if err := s.app.Store.DB().GetContext(context.Background(), &cached, `SELECT count(*) FROM interactive_contents WHERE account_id = $1`, s.account.ID); err != nil || cached != 2 {
		t.Fatalf("cached contents: %d %v", cached, err)
	}

	// WhatsApp's limits, field by field; interactive with text.
	e := s.agentError(ada.Token, http.MethodPost, path, map[string]any{"interactive": map[string]any{"type": "buttons", "body": "?",
		"options": []map[string]string{{"id": "a", "title": "A"}, {"id": "b", "title": "B"}, {"id": "c", "title": "C"}, {"id": "d", "title": "D"}}}},
		http.StatusUnprocessableEntity, domain.CodeUnsendable)
	if !strings.Contains(e.Error.Message, "interactive.options: 4 buttons") {
		t.Errorf("four buttons: %s", e.Error.Message)
	}
	e = s.agentError(ada.Token, http.MethodPost, path, map[string]any{"interactive": map[string]any{"type": "list", "body": "?", "button": "Voir",
		"options": []map[string]string{{"id": "a", "title": strings.Repeat("x", 25)}}}}, http.StatusUnprocessableEntity, domain.CodeUnsendable)
	if !strings.Contains(e.Error.Message, "interactive.options[0].title: 25 characters") {
		t.Errorf("long list title: %s", e.Error.Message)
	}
	s.agentError(ada.Token, http.MethodPost, path, map[string]any{"text": "x", "interactive": buttons}, http.StatusBadRequest, domain.CodeInvalid)

	// The customer taps "Moyen" on the first message.
	var firstSID string
	for _, m := range s.messages(conv.ID) {
		if m.ID == first.ID {
			firstSID = *m.TwilioSID
		}
	}
	s.customerSendsExtra(customerOne, "Moyen", map[string]string{"MessageType": "button", "ButtonText": "Moyen", "ButtonPayload": "size-m",
		"OriginalRepliedMessageSid": firstSID, "ReferralNumMedia": "0"})
	var tap domain.Message
	eventually(t, 15*time.Second, "the tap in the agent's transcript", func() bool {
		var msgs listResponse[domain.Message]
		s.agentDo(ada.Token, http.MethodGet, path, nil, http.StatusOK, &msgs)
		for _, m := range msgs.Data {
			if m.Direction == domain.Inbound && m.Button != nil {
				tap = m
				return true
			}
		}
		return false
	})
	if tap.Button.Text != "Moyen" || tap.Button.Payload != "size-m" || tap.Button.OfferedBy == nil || *tap.Button.OfferedBy != first.ID || tap.Referral != nil {
		t.Fatalf("tap: %+v %+v", tap.Button, tap.Referral)
	}

	// The window closes: interactive is refused like text.
	time.Sleep(interactiveWindow)
	eventually(t, 15*time.Second, "interactive refused once the window closed", func() bool {
		status, _, raw := s.agentRaw(ada.Token, http.MethodPost, path, map[string]any{"interactive": buttons})
		if status == http.StatusCreated || status == http.StatusAccepted {
			t.Fatalf("sent after the window: %s", raw)
		}
		return status == http.StatusConflict && strings.Contains(string(raw), string(domain.CodeWindowClosed))
	})
}
