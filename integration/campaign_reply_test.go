package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestCampaignReplyOpensANamedConversation: through the emulator, a
// recipient who answers a campaign message gets a conversation that names
// the campaign (admin and agent API), whose transcript starts with the
// campaign's message (its SID, its time, its delivery), routed by a
// campaign.id rule; the what-if replays the campaign fact. A customer
// who got no campaign message opens an ordinary conversation.
func TestCampaignReplyOpensANamedConversation(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	start := time.Now().UTC().Add(-time.Minute)
	general := s.workstreamWith(domain.DistributionPush, nil)
	var replies domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "campaign replies"}, http.StatusCreated, &replies)
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	var tpl domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("promo"), http.StatusCreated, &tpl)

	replier, other, stranger := "+33612345671", "+33612345672", "+33612345673"
	var camp domain.Campaign
	s.admin(http.MethodPost, "/api/v1/campaigns", map[string]any{"name": "soldes", "number_id": n.ID, "template_id": tpl.ID,
		"recipients": []map[string]any{{"to": replier, "variables": []string{"Ada", "42"}}, {"to": other, "variables": []string{"Bob", "43"}}}},
		http.StatusCreated, &camp)
	rules := "/api/v1/workstreams/" + *n.WorkstreamID + "/routing-rules"
	s.admin(http.MethodPost, rules, map[string]any{"name": "Soldes", "queue_id": replies.ID,
		"conditions": []map[string]string{{"field": "campaign.id", "op": "eq", "value": camp.ID}}}, http.StatusCreated, nil)
	eventually(t, 30*time.Second, "the campaign completed", func() bool {
		var got domain.Campaign
		s.admin(http.MethodGet, "/api/v1/campaigns/"+camp.ID, nil, http.StatusOK, &got)
		return got.Status == domain.CampaignCompleted
	})
	var sid string
	var sentAt time.Time
	for _, m := range s.emu.Messages() {
		if m.To == "whatsapp:"+replier {
			sid, sentAt = m.SID, m.ReceivedAt
		}
	}
	if sid == "" {
		t.Fatal("the emulator has no campaign message for the replier")
	}

	ada := s.newAgent("ada", domain.PresenceAvailable, 2, replies.ID)
	s.customerSends(replier, "Je prends le 42")
	s.customerSends(stranger, "Bonjour")
	conv := s.openConversation(replier, "the reply's conversation routed to ada", assignedTo(ada.ID))
	if conv.CampaignID == nil || *conv.CampaignID != camp.ID || conv.CampaignName == nil || *conv.CampaignName != "soldes" {
		t.Fatalf("the conversation names campaign %v %v", conv.CampaignID, conv.CampaignName)
	}
	if *conv.QueueID != replies.ID || conv.Routing == nil || conv.Routing.RuleName != "Soldes" {
		t.Fatalf("routed to %s (%+v), want the campaign replies queue", *conv.QueueID, conv.Routing)
	}
	msgs := s.messages(conv.ID)
	if len(msgs) < 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	first, reply := msgs[0], msgs[1]
	if first.Author != domain.AuthorCampaign || first.Direction != domain.Outbound ||
		first.Body != "Bonjour Ada, votre commande 42 est prête." || first.TwilioSID == nil || *first.TwilioSID != sid ||
		first.Status == "" || first.Template == nil || first.Template.Name != "promo" {
		t.Fatalf("the transcript starts with %+v", first)
	}
	if d := first.CreatedAt.Sub(sentAt); d < -2*time.Second || d > 2*time.Second || !first.CreatedAt.Before(reply.CreatedAt) {
		t.Fatalf("the campaign message is dated %v (sent %v, reply %v)", first.CreatedAt, sentAt, reply.CreatedAt)
	}
	if reply.Body != "Je prends le 42" {
		t.Fatalf("second message %+v", reply)
	}
	plain := s.openConversation(stranger, "the stranger's conversation routed", waitingInQueue)
	if plain.CampaignID != nil || *plain.QueueID != general {
		t.Fatalf("a customer without campaign message: campaign %v, queue %s", plain.CampaignID, *plain.QueueID)
	}

	// The agent API names it too.
	var seen map[string]any
	s.agentDo(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+conv.ID, nil, http.StatusOK, &seen)
	if seen["campaign_id"] != camp.ID || seen["campaign_name"] != "soldes" {
		t.Fatalf("agent view: campaign %v %v", seen["campaign_id"], seen["campaign_name"])
	}

	// The what-if replays the campaign: without the rule, the reply goes
	// to the default queue.
	var res simulateAnswer
	s.admin(http.MethodPost, rules+"/simulate", map[string]any{"from": start.Format(time.RFC3339Nano),
		"to": time.Now().UTC().Add(time.Minute).Format(time.RFC3339Nano), "rules": []map[string]any{}}, http.StatusOK, &res)
	if res.Conversations != 2 || res.Moved != 1 || len(res.MovedConversations) != 1 || res.MovedConversations[0].ConversationID != conv.ID {
		t.Fatalf("what-if without the campaign rule: %+v", res.RoutingSimulationResult)
	}
	var same simulateAnswer
	s.admin(http.MethodPost, rules+"/simulate", map[string]any{"from": start.Format(time.RFC3339Nano),
		"to": time.Now().UTC().Add(time.Minute).Format(time.RFC3339Nano), "rules": []map[string]any{{"name": "Soldes", "queue_id": replies.ID,
			"conditions": []map[string]string{{"field": "campaign.id", "op": "eq", "value": camp.ID}}}}}, http.StatusOK, &same)
	if same.Moved != 0 {
		t.Fatalf("the campaign rule replayed moved %d", same.Moved)
	}
	var got domain.Campaign
	s.admin(http.MethodGet, "/api/v1/campaigns/"+camp.ID, nil, http.StatusOK, &got)
	if got.Counts.Replied != 1 {
		t.Fatalf("replied %d", got.Counts.Replied)
	}
}
