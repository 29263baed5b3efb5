package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// customerSendsExtra sends an inbound message with Twilio's extra fields
// through the emulator (signed like Twilio).
func (s *stack) customerSendsExtra(from, body string, extra map[string]string, media ...emulator.InboundMedia) string {
	s.t.Helper()
	sid, status, err := s.emu.SendInbound(context.Background(), emulator.InboundRequest{
		AccountSID: accountSID, From: from, To: ourNumber, Body: body, ProfileName: "Marie", Media: media, Extra: extra,
	})
	if err != nil || status != http.StatusOK {
		s.t.Fatalf("inbound: %d %v", status, err)
	}
	return sid
}

// TestInboundRichFieldsAreTyped: a button tap (routed by its payload), a
// location, a quoted reply to the agent's message, a click-to-WhatsApp
// referral and a voice note arrive through signed webhooks and the agent
// and admin APIs show them as typed fields, linked to the messages they
// answer.
func TestInboundRichFieldsAreTyped(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	s.workstreamWith(domain.DistributionPush, nil)
	var sales domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "sales"}, http.StatusCreated, &sales)
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	s.admin(http.MethodPost, "/api/v1/workstreams/"+*n.WorkstreamID+"/routing-rules", map[string]any{
		"name": "sales button", "queue_id": sales.ID,
		"conditions": []map[string]string{{"field": "message.button_payload", "op": "eq", "value": "sales"}},
	}, http.StatusCreated, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, sales.ID)

	// The first message is a tap on a button of an ad's message: routed
	// by its payload to the sales queue, with the ad on it.
	s.customerSendsExtra(customerOne, "Acheter", map[string]string{
		"MessageType": "button", "ButtonText": "Acheter", "ButtonPayload": "sales",
		"ReferralHeadline": "Soldes d'hiver", "ReferralSourceUrl": "https://fb.me/ad42", "ReferralSourceType": "ad",
		"ReferralSourceId": "42", "ReferralCtwaClid": "clid-1",
	})
	conv := s.openConversation(customerOne, "the sales button to route to ada", assignedTo(ada.ID))
	if conv.QueueID == nil || *conv.QueueID != sales.ID {
		t.Fatalf("routed to %v, want the sales queue", conv.QueueID)
	}
	sent := s.agentSend(ada.Token, conv.ID, "Quelle taille ?")
	eventually(t, 15*time.Second, "the agent's message to have its SID", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.ID == sent.ID && m.TwilioSID != nil {
				sent = m
				return true
			}
		}
		return false
	})

	s.customerSendsExtra(customerOne, "", map[string]string{"MessageType": "location",
		"Latitude": "48.8584", "Longitude": "2.2945", "Label": "Tour Eiffel", "Address": "Champ de Mars"})
	s.customerSendsExtra(customerOne, "Taille M", map[string]string{"MessageType": "button",
		"ButtonText": "M", "ButtonPayload": "size-m", "OriginalRepliedMessageSid": *sent.TwilioSID})
	s.customerSendsExtra(customerOne, "Comme dit plus haut", map[string]string{"OriginalRepliedMessageSid": *sent.TwilioSID})
	s.customerSendsExtra(customerOne, "", map[string]string{"MessageType": "audio"},
		emulator.InboundMedia{ContentType: "audio/ogg", Data: []byte("OggS voice")})

	var msgs listResponse[domain.Message]
	eventually(t, 15*time.Second, "the five customer messages", func() bool {
		s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+conv.ID+"/messages", nil, http.StatusOK, &msgs)
		return len(msgs.Data) == 6
	})
	byBody := func(i int) domain.Message { return msgs.Data[i] }
	first, loc, tap, quote, voice := byBody(0), byBody(2), byBody(3), byBody(4), byBody(5)
	if first.Button == nil || first.Button.Payload != "sales" || first.Button.OfferedBy != nil ||
		first.Referral == nil || first.Referral.Headline != "Soldes d'hiver" || first.Referral.SourceURL != "https://fb.me/ad42" || first.Referral.CtwaClid != "clid-1" {
		t.Fatalf("first: %+v %+v %+v", first, first.Button, first.Referral)
	}
	if loc.Location == nil || loc.Location.Latitude != 48.8584 || loc.Location.Name != "Tour Eiffel" || loc.Location.MapURL == "" || loc.MessageType != "location" {
		t.Fatalf("location: %+v", loc.Location)
	}
	if tap.Button == nil || tap.Button.Text != "M" || tap.Button.Payload != "size-m" || tap.Button.OfferedBy == nil || *tap.Button.OfferedBy != sent.ID {
		t.Fatalf("tap: %+v", tap.Button)
	}
	if quote.ReplyTo == nil || quote.ReplyTo.MessageID == nil || *quote.ReplyTo.MessageID != sent.ID || quote.ReplyTo.TwilioSID != *sent.TwilioSID {
		t.Fatalf("quote: %+v", quote.ReplyTo)
	}
	if len(voice.Media) != 1 || voice.Media[0].Kind != "audio" || voice.Media[0].ContentType != "audio/ogg" {
		t.Fatalf("voice: %+v", voice.Media)
	}
	// The admin API shows the same.
	admin := s.messages(conv.ID)
	if admin[3].Button == nil || *admin[3].Button.OfferedBy != sent.ID || admin[2].Location == nil {
		t.Fatalf("admin view: %+v", admin[3])
	}
}
